// A new image name, checked by the CLI itself as the docker CLI does (tag, import, commit).
import { cliError } from '../errdefs';
import { InvalidReferenceError, parseTagTarget } from '../reference';

/**
 * The docker CLI checks a new image name itself (tag, import, commit), before
 * asking the engine anything, and prints its error without "Error:".
 */
export function checkNewName(target: string, context = (why: string) => why): void {
  try {
    parseTagTarget(target);
  } catch (e) {
    if (!(e instanceof InvalidReferenceError)) throw e;
    const why = e.remote ? `invalid reference format: repository name (${e.remote}) must be lowercase` : e.message;
    throw cliError(context(why));
  }
}
