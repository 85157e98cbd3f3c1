// Restart policies (`--restart no|always|unless-stopped|on-failure[:N]`): their
// parsing, as the docker CLI and engine check them, and the decision Docker's
// restart manager makes when a container exits. No daemon watches containers
// here: conmon's exit command (`container cleanup`) asks `nextRestart`.
import { invalidArgument, cliError } from '../errdefs';

export interface RestartPolicy {
  Name: string;
  MaximumRetryCount: number;
}

export const NO_RESTART: RestartPolicy = { Name: 'no', MaximumRetryCount: 0 };

/** The docker CLI's ParseRestartPolicy: NAME[:COUNT], COUNT an integer. Its errors are its own (no engine prefix). */
export function parseRestartPolicy(raw: string): RestartPolicy {
  const colon = raw.indexOf(':');
  const name = colon < 0 ? raw : raw.slice(0, colon);
  const count = colon < 0 ? '' : raw.slice(colon + 1);
  if (colon >= 0 && name === '') throw cliError('invalid restart policy format: no policy provided before colon');
  if (count !== '' && !/^[+-]?\d+$/.test(count))
    throw cliError('invalid restart policy format: maximum retry count must be an integer');
  return { Name: name, MaximumRetryCount: count === '' ? 0 : Number(count) };
}

/** The engine's ValidateRestartPolicy. */
export function validateRestartPolicy(p: RestartPolicy): void {
  const known = ['', 'no', 'always', 'unless-stopped', 'on-failure'];
  if (!known.includes(p.Name)) {
    throw invalidArgument(
      `invalid restart policy: unknown policy '${p.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`,
    );
  }
  if (p.MaximumRetryCount < 0) throw invalidArgument('invalid restart policy: maximum retry count cannot be negative');
  if (p.MaximumRetryCount !== 0 && p.Name !== 'on-failure') {
    throw invalidArgument("invalid restart policy: maximum retry count can only be used with 'on-failure'");
  }
}

export const isNoRestart = (p: RestartPolicy | undefined): boolean => !p || p.Name === '' || p.Name === 'no';

/** What the restart manager knows when a container exits. */
export interface ExitFacts {
  exitCode: number;
  /** stopped or killed by a user: no restart, whatever the policy */
  manuallyStopped: boolean;
  /** restarts so far */
  restartCount: number;
  /** how long this run lasted */
  ranMs: number;
  /** the previous wait before a restart (0: none yet) */
  lastDelayMs: number;
}

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 60_000;

/**
 * Docker's restart manager: whether to start the container again, and after how
 * long. The wait starts at 100 ms and doubles on each restart up to a minute; a
 * run of 10 seconds or more starts it over.
 */
export function nextRestart(p: RestartPolicy | undefined, f: ExitFacts): { delayMs: number } | undefined {
  if (!p || isNoRestart(p) || f.manuallyStopped) return undefined;
  const restart =
    p.Name === 'always' ||
    p.Name === 'unless-stopped' ||
    (p.Name === 'on-failure' &&
      f.exitCode !== 0 &&
      (p.MaximumRetryCount === 0 || f.restartCount < p.MaximumRetryCount));
  if (!restart) return undefined;
  const last = f.ranMs >= 10_000 ? 0 : f.lastDelayMs;
  return { delayMs: last === 0 ? FIRST_DELAY_MS : Math.min(last * 2, MAX_DELAY_MS) };
}
