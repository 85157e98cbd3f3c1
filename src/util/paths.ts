// Where stowage's own files are, whether it runs from dist/ or from the bundle.
import fs from 'node:fs';
import path from 'node:path';
import { internal } from '../errdefs';

function findRepoRoot(start: string): string {
  for (let d = start; ; d = path.dirname(d)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'stowage') return d;
    } catch {
      /* keep looking */
    }
    if (path.dirname(d) === d) throw internal(`cannot find stowage's directory above ${start}`);
  }
}

export const REPO_ROOT = findRepoRoot(__dirname);
export const CLI_PATH = path.join(REPO_ROOT, 'bin', 'stowage');
/** The native front end (native/launcher.c): `exec` without Node.js, the rest through CLI_PATH. */
export const FRONT_END_PATH = path.join(REPO_ROOT, 'build', 'Release', 'stowage');
/** The container keeper (native/keeper.c): healthchecks and log rotation, one small process per container that needs them. */
export const KEEPER_PATH = path.join(REPO_ROOT, 'build', 'Release', 'stowage-keeper');
