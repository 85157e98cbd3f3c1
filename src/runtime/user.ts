// The container user, resolved against the image's /etc/passwd and /etc/group
// the way runc's libcontainer/user.GetExecUser does (Docker calls it for the spec).
import fs from 'node:fs';
import { errnoCode, failedPrecondition, invalidArgument, isKind } from '../errdefs';
import { O_PATH, readRegularInRoot, using, type RegularRead } from '../fd/at';

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** As Docker puts them in the spec: the primary gid first, then the supplementary groups. */
  additionalGids: number[];
  /** Home directory from passwd; "/" when there is no entry (runc's default for HOME). */
  home: string;
}

const MAX_ID = 2 ** 31 - 1;

/** The image's /etc/passwd and /etc/group are read whole, up to this size. */
export const USER_DB_MAX = 4 << 20;

/**
 * Contents of a file of the rootfs, or undefined when it is absent or unreadable
 * (runc then treats it as absent). The path is resolved by the kernel inside the
 * rootfs (symlinks followed there, never out), and nothing but a regular file is
 * ever opened: a FIFO would hang the start (runc's own lookup in the container
 * too, so that is refused with a message), a device such as /dev/zero never ends.
 */
function readInRoot(root: string, p: string): string | undefined {
  let r: RegularRead;
  try {
    r = using(fs.openSync(root, O_PATH | fs.constants.O_DIRECTORY), (rootFd) =>
      readRegularInRoot(rootFd, p, USER_DB_MAX),
    );
  } catch (e) {
    if (isKind(e, 'invalid-argument'))
      throw failedPrecondition(`unable to read ${p} of the image: it is larger than ${USER_DB_MAX} bytes`, e);
    if (errnoCode(e) === 'ELOOP') throw failedPrecondition(`EvalSymlinks: too many links in ${p}`, e);
    return undefined;
  }
  if (r.kind === 'not-regular')
    throw failedPrecondition(`unable to read ${p} of the image: it is a ${r.type}, not a regular file`);
  return r.kind === 'file' ? r.bytes.toString('utf8') : undefined;
}

// Go's strconv.Atoi accepts an optional sign; anything else is a name.
const atoi = (s: string): number | undefined => (/^[+-]?\d+$/.test(s) ? Number(s) : undefined);
// runc parses numeric passwd/group fields ignoring errors: garbage reads as 0.
const field = (s: string | undefined): number => atoi(s ?? '') ?? 0;

function lines(text: string | undefined): string[][] {
  if (text === undefined) return [];
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

function checkRange(id: number): number {
  if (id < 0 || id > MAX_ID) throw invalidArgument(`uids and gids must be in range 0-${MAX_ID}`);
  return id;
}

/**
 * Resolves `user` ("name", "uid", "name:group", "uid:gid"; empty = root) in
 * the rootfs. Without a group, the gid is the passwd entry's (0 for an
 * unknown numeric uid) and supplementary groups come from /etc/group; with an
 * explicit group there are none, as in runc.
 */
export function resolveUser(rootfs: string, user: string | undefined): ResolvedUser {
  const [userArg = '', groupArg = ''] = (user ?? '').split(':');
  const uidArg = atoi(userArg);
  const gidArg = atoi(groupArg);
  const passwdText = readInRoot(rootfs, '/etc/passwd');
  const groupText = readInRoot(rootfs, '/etc/group');

  let uid = 0;
  let gid = 0;
  let home = '/';
  let sgids: number[] = [];
  // passwd: name:password:UID:GID:GECOS:directory:shell; first match wins
  const entry = lines(passwdText).find((u) =>
    userArg === '' ? field(u[2]) === 0 : uidArg !== undefined ? field(u[2]) === uidArg : u[0] === userArg,
  );
  if (entry) {
    uid = field(entry[2]);
    gid = field(entry[3]);
    home = entry[5] || home;
  } else if (userArg !== '') {
    if (uidArg === undefined) {
      throw invalidArgument(`unable to find user ${userArg}: no matching entries in passwd file`);
    }
    uid = checkRange(uidArg);
  }

  const matchedName = entry?.[0] ?? '';
  if (groupArg !== '' || matchedName !== '') {
    // group: name:password:GID:user_list
    const groups = lines(groupText).filter((g) =>
      groupArg === ''
        ? (g[3] ?? '').split(',').includes(matchedName)
        : gidArg !== undefined
          ? field(g[2]) === gidArg
          : g[0] === groupArg,
    );
    if (groupArg !== '') {
      if (groups.length > 0) gid = field(groups[0][2]);
      else if (gidArg === undefined) {
        throw invalidArgument(`unable to find group ${groupArg}: no matching entries in group file`);
      } else gid = checkRange(gidArg);
    } else {
      sgids = groups.map((g) => field(g[2]));
    }
  }
  // Docker lists the primary gid first; duplicates (root is often a member of group root) are dropped.
  return { uid, gid, additionalGids: [...new Set([gid, ...sgids])], home };
}

/**
 * --group-add values as gids: a group of the container's /etc/group by name or
 * gid, else a number (runc's GetAdditionalGroups, with Docker's wording).
 */
export function additionalGroups(rootfs: string, groups: readonly string[]): number[] {
  const entries = lines(readInRoot(rootfs, '/etc/group'));
  const out: number[] = [];
  for (const g of groups) {
    const entry = entries.find((e) => e[0] === g || String(field(e[2])) === g);
    if (entry) {
      if (!out.includes(field(entry[2]))) out.push(field(entry[2]));
      continue;
    }
    const gid = atoi(g);
    if (gid === undefined) throw invalidArgument(`Unable to find group ${g}: no matching entries in group file`);
    if (!out.includes(checkRange(gid))) out.push(gid);
  }
  return out;
}
