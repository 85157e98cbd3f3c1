// Who this process is: the host's root (everything as it always was), an
// ordinary user outside its namespace (the CLI enters it first), or root of an
// ordinary user's namespace (rootless: the user's store, ID ranges, networking).
// Read from /proc/self/uid_map, so children inherit the answer without help.
import fs from 'node:fs';

export type Identity =
  | { kind: 'root' }
  /** an ordinary user, not (yet) in its namespace */
  | { kind: 'outside'; uid: number; gid: number }
  /** root of the namespace of the user whose IDs on the host are uid/gid */
  | { kind: 'inside'; uid: number; gid: number };

/** The ID mapped to 0 in a uid_map/gid_map text when it is a user's namespace ("0 1000 1" first); else undefined. */
export function mappedRoot(map: string): number | undefined {
  const first = map.trim().split('\n')[0]?.trim().split(/\s+/).map(Number);
  if (!first || first.length !== 3 || first.some((n) => !Number.isInteger(n))) return undefined;
  const [inside, outside, count] = first;
  if (inside !== 0 || outside === 0 || count === 4294967295) return undefined;
  return outside;
}

let cached: Identity | undefined;

export function identity(): Identity {
  if (cached) return cached;
  const euid = process.geteuid?.() ?? 0;
  if (euid !== 0) return (cached = { kind: 'outside', uid: euid, gid: process.getegid?.() ?? euid });
  const read = (f: string) => {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch {
      // no such map file (not in a user namespace): read as empty
      return '';
    }
  };
  const uid = mappedRoot(read('/proc/self/uid_map'));
  if (uid === undefined) return (cached = { kind: 'root' });
  return (cached = { kind: 'inside', uid, gid: mappedRoot(read('/proc/self/gid_map')) ?? uid });
}

/** Rootless: this process works for an ordinary user, inside or outside its namespace. */
export const isRootless = (): boolean => identity().kind !== 'root';

/** Inside a user's namespace (the state every rootless command works in). */
export const inUserNamespace = (): boolean => identity().kind === 'inside';
