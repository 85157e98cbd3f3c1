// Persistent network namespaces: a file under <runroot>/netns that a namespace is
// bind-mounted onto, as `ip netns add` does under /run/netns.
//
// Node cannot unshare(2) safely (the call would move one of its threads), so the
// namespace is made by `unshare --net=FILE true` (util-linux): unshare creates the
// namespace and bind-mounts /proc/PID/ns/net onto FILE, which keeps it alive after
// the process exits. Like iproute2 (and podman), the directory is first made a
// mount point with shared propagation, so that mount namespaces copied later (a
// container's, say) see the unmount when the namespace is removed instead of
// pinning it forever.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { alreadyExists, errnoCode, internal } from '../errdefs';
import { native, MNT_DETACH, MS_BIND, MS_REC } from '../native';
import { netnsDir, netnsPath } from './netns-paths';

// (a module of their own: inspect shows the path without loading what makes namespaces)
export { netnsDir, netnsPath } from './netns-paths';

const MS_SHARED = 1 << 20;
/** statfs f_type of nsfs */
const NSFS_MAGIC = 0x6e736673;

/** True when p is a bind mount of a namespace (a live netns file). */
export function isNetns(p: string): boolean {
  try {
    return fs.statfsSync(p).type === NSFS_MAGIC;
  } catch {
    // the path does not exist or cannot be stat-ed: not a live netns
    return false;
  }
}

/** Mount point of dir in /proc/self/mountinfo with its optional fields, if dir is one. */
function mountEntry(dir: string): { shared: boolean } | undefined {
  const real = fs.realpathSync(dir);
  let found: { shared: boolean } | undefined;
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    if (f.length < 7) continue;
    const mountPoint = f[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
    if (mountPoint !== real) continue;
    const sep = f.indexOf('-', 6);
    found = { shared: f.slice(6, sep < 0 ? undefined : sep).some((o) => o.startsWith('shared:')) }; // the last one wins (stacked mounts)
  }
  return found;
}

/** Makes dir a mount point of its own with shared propagation (idempotent). */
export function ensureSharedDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const entry = mountEntry(dir);
  if (entry?.shared) return;
  if (!entry) native.mount(dir, dir, 'none', MS_BIND | MS_REC, '');
  native.mount('none', dir, '', MS_SHARED | MS_REC, '');
}

function run(cmd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer | string) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
}

/**
 * Creates the namespace <runroot>/netns/<name> and returns its path. A leftover
 * plain file of that name is reused; a live namespace is an error.
 */
export async function createNetns(runroot: string, name: string): Promise<string> {
  const dir = netnsDir(runroot);
  ensureSharedDir(dir);
  const file = path.join(dir, name);
  if (isNetns(file)) throw alreadyExists(`network namespace ${file} already exists`);
  fs.closeSync(fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_CREAT, 0o444));
  const r = await run('unshare', [`--net=${file}`, 'true']);
  if (r.code !== 0 || !isNetns(file)) {
    removeNetnsSync(file);
    throw internal(`failed to create network namespace ${file}: ${r.stderr.trim() || `unshare exited ${r.code}`}`);
  }
  return file;
}

function removeNetnsSync(file: string): void {
  try {
    native.umount2(file, MNT_DETACH);
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'EINVAL' && code !== 'ENOENT') throw err;
  }
  try {
    fs.unlinkSync(file);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}

/** Unmounts and deletes a namespace file. Idempotent: a missing file is fine. */
export async function removeNetns(file: string): Promise<void> {
  removeNetnsSync(file);
}

/** One ID mapping of a user namespace (the OCI spec's linux.uidMappings order). */
export interface NsIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** Where the user namespace that owns a container's network namespace is kept (beside it). */
export const usernsPath = (runroot: string, name: string): string => `${netnsPath(runroot, name)}.user`;

/**
 * Creates the network namespace <runroot>/netns/<name> owned by a new user
 * namespace with these mappings, kept at usernsPath(). For a container with a
 * user namespace of its own (keep-id): runc 1.1 joins a container's user
 * namespace before its network namespace, which it may then join only if that
 * user namespace owns it (runc 1.2 retries the join instead).
 *
 * `unshare --user --mount --net=FILE` makes both and keeps the network one
 * (with a mount namespace too, unshare binds FILE from a process left outside,
 * which may still mount there; the mount namespace goes with the shell); the user
 * namespace's maps are written from here (root of the parent namespace may map
 * any of its IDs) while the unshared shell waits, and its namespace is then
 * bind-mounted as the network one is.
 */
export async function createNetnsInUserns(
  runroot: string,
  name: string,
  maps: { uidMappings: NsIdMapping[]; gidMappings: NsIdMapping[] },
): Promise<{ netns: string; userns: string }> {
  const dir = netnsDir(runroot);
  ensureSharedDir(dir);
  const file = path.join(dir, name);
  const userFile = usernsPath(runroot, name);
  if (isNetns(file)) throw alreadyExists(`network namespace ${file} already exists`);
  for (const f of [file, userFile]) fs.closeSync(fs.openSync(f, fs.constants.O_RDONLY | fs.constants.O_CREAT, 0o444));
  const child = spawn('unshare', ['--user', '--mount', `--net=${file}`, '--', 'sh', '-c', 'echo ready; read x'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  try {
    const ready = await new Promise<boolean>((resolve) => {
      child.stdout.once('data', () => resolve(true));
      child.on('error', () => resolve(false));
      void exited.then(() => resolve(false));
    });
    const pid = child.pid;
    if (!ready || pid === undefined || !isNetns(file))
      throw internal(`unshare exited ${await exited}${stderr ? `: ${stderr.trim()}` : ''}`);
    const mapText = (m: NsIdMapping[]) => m.map((x) => `${x.containerID} ${x.hostID} ${x.size}\n`).join('');
    fs.writeFileSync(`/proc/${pid}/uid_map`, mapText(maps.uidMappings));
    fs.writeFileSync(`/proc/${pid}/gid_map`, mapText(maps.gidMappings));
    native.mount(`/proc/${pid}/ns/user`, userFile, 'none', MS_BIND, '');
    child.stdin.end('\n');
    await exited;
    return { netns: file, userns: userFile };
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    removeNetnsSync(file);
    removeNetnsSync(userFile);
    throw internal(`failed to create network namespace ${file}: ${(e as Error).message}`);
  }
}
