// --userns=keep-id, as podman's: in an ordinary user's container the user's own
// UID and GID are the same inside, the process runs as them, and /etc/passwd
// and /etc/group name them. The container gets a user namespace of its own
// inside the user's: its ID U is the user (0 of the user's namespace), its 0..U-1
// are the user's namespace's 1..U, the rest as they are. The image's files keep
// their owners as the container sees them (root's stay root's) through
// fuse-overlayfs's ID mapping, as podman mounts them.
import fs from 'node:fs';
import path from 'node:path';
import { failedPrecondition, invalidArgument } from '../errdefs';
import type { OciSpec } from '../runtime/spec';
import { identity } from './identity';
import { bindHostSys } from './spec';
import { userNameOf } from './paths';
import { mappedCount, parseIdMap } from './subids';

/** The only user namespace modes: the engine's own ('' or host), and podman's keep-id for an ordinary user. */
export function checkUsernsMode(mode: string): void {
  if (mode === '' || mode === 'host') return;
  if (mode !== 'keep-id')
    throw invalidArgument(`invalid --userns mode "${mode}": stowage takes host, or keep-id for an ordinary user`);
  if (identity().kind === 'root')
    throw failedPrecondition('--userns=keep-id works only for an ordinary user (rootless): root has no user to keep');
}

/** containerID, hostID, size triples (OCI's linux.uidMappings order). */
export type IdMapping = { containerID: number; hostID: number; size: number };

/**
 * The container's mappings onto the user's namespace (IDs 0 .. count-1, 0 the
 * user) keeping `id` (the user's ID on the host) as itself.
 */
export function keepIdMappings(id: number, count: number): IdMapping[] {
  if (id < count - 1) {
    return [
      { containerID: 0, hostID: 1, size: id },
      { containerID: id, hostID: 0, size: 1 },
      { containerID: id + 1, hostID: id + 1, size: count - id - 1 },
    ].filter((m) => m.size > 0);
  }
  // an ID past the namespace's range: 0..count-2 shifted by one, and the ID itself
  return [
    { containerID: 0, hostID: 1, size: count - 1 },
    { containerID: id, hostID: 0, size: 1 },
  ].filter((m) => m.size > 0);
}

/** fuse-overlayfs's uidmapping=/gidmapping= value ("containerID:hostID:size:..."). */
export const fuseMapping = (maps: IdMapping[]): string =>
  maps.map((m) => `${m.containerID}:${m.hostID}:${m.size}`).join(':');

export interface KeepId {
  uid: number;
  gid: number;
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
}

function nsCount(file: string): number {
  try {
    return mappedCount(parseIdMap(fs.readFileSync(file, 'utf8')));
  } catch {
    // no map file: an unmapped namespace maps one ID
    return 1;
  }
}

/** The keep-id mappings of this (rootless) process's user. */
export function keepIdOfThisUser(): KeepId {
  const id = identity();
  if (id.kind === 'root') throw failedPrecondition('--userns=keep-id works only for an ordinary user (rootless)');
  return {
    uid: id.uid,
    gid: id.gid,
    uidMappings: keepIdMappings(id.uid, nsCount('/proc/self/uid_map')),
    gidMappings: keepIdMappings(id.gid, nsCount('/proc/self/gid_map')),
  };
}

/** Where a keep-id container records its mappings (its root filesystem is mounted with them). */
export const keepIdFile = (containerDir: string): string => path.join(containerDir, 'keep-id.json');

export function readKeepId(containerDir: string): KeepId | undefined {
  try {
    return JSON.parse(fs.readFileSync(keepIdFile(containerDir), 'utf8')) as KeepId;
  } catch {
    // no keep-id file (or a torn one): the container was not made with keep-id
    return undefined;
  }
}

/**
 * The spec with the container's own user namespace and its mappings: a new one,
 * or `userns`, made beforehand with the same mappings to own the container's
 * network namespace (ContainerNetworking), which `exec` can then join. The
 * user's /sys is bound read-only (podman's way: sysfs cannot be mounted anew for
 * a network namespace of the user's namespace), cgroups within it; and the
 * engine's network sysctls are left out (they cannot be written from inside).
 */
export function keepIdSpec(spec: OciSpec, k: KeepId, userns?: string): OciSpec {
  const mounts = bindHostSys(spec.mounts.filter((m) => m.type !== 'cgroup'));
  const sysctl = { ...spec.linux.sysctl };
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the OCI spec's sysctl is a plain object
  for (const k of ['net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ping_group_range']) delete sysctl[k];
  return {
    ...spec,
    mounts,
    linux: {
      ...spec.linux,
      sysctl,
      namespaces: [
        ...spec.linux.namespaces.filter((n) => n.type !== 'user'),
        userns ? { type: 'user', path: userns } : { type: 'user' },
      ],
      uidMappings: k.uidMappings,
      gidMappings: k.gidMappings,
    } as OciSpec['linux'],
  };
}

/**
 * /etc/passwd and /etc/group of the image with the user and its group added
 * (when the image has no entry for those IDs), written in dir for bind mounts.
 */
export function keepIdEtcFiles(
  merged: string,
  dir: string,
  k: KeepId,
  env: NodeJS.ProcessEnv = process.env,
): Array<{ name: string; file: string }> {
  const read = (f: string) => {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch {
      // a file the image or host does not have: read as empty
      return '';
    }
  };
  const hostPasswd = read('/etc/passwd');
  const name = userNameOf(hostPasswd, k.uid) ?? env.USER ?? `user${k.uid}`;
  const home = env.HOME && env.HOME.startsWith('/') ? env.HOME : `/home/${name}`;
  const has = (text: string, id: number) => text.split('\n').some((l) => l.split(':')[2] === String(id));
  const out: Array<{ name: string; file: string }> = [];
  const passwd = read(path.join(merged, 'etc', 'passwd'));
  if (!has(passwd, k.uid)) {
    const file = path.join(dir, 'passwd');
    fs.writeFileSync(
      file,
      `${passwd}${passwd && !passwd.endsWith('\n') ? '\n' : ''}${name}:*:${k.uid}:${k.gid}:${name}:${home}:/bin/sh\n`,
    );
    out.push({ name: 'passwd', file });
  }
  const group = read(path.join(merged, 'etc', 'group'));
  if (!has(group, k.gid)) {
    const file = path.join(dir, 'group');
    fs.writeFileSync(file, `${group}${group && !group.endsWith('\n') ? '\n' : ''}${name}:x:${k.gid}:\n`);
    out.push({ name: 'group', file });
  }
  return out;
}

/** HOME of the kept user inside (podman: the user's home). */
export function keepIdHome(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.HOME && env.HOME.startsWith('/') ? env.HOME : undefined;
}
