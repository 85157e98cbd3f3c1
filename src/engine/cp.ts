// `cp` between the host and a container, with Docker's path rules. The
// container is paused while its paths are resolved and written (no symlink can
// be swapped in meanwhile), paths resolve inside its root, and nothing is
// written through a symlink: the bugs behind CVE-2018-15664 and CVE-2019-14271
// cannot happen. Host tools never run inside the container.
import fs from 'node:fs';
import path from 'node:path';
import { invalidArgument, notFound, cliError } from '../errdefs';
import type { Container } from '../container/store';
import { resolveContainerPath, type MountView } from '../container/paths';
import { extractInto } from '../layer/extract';
import { packDir } from '../layer/pack';
import { runcPause, runcResume } from '../runtime/runc';
import type { Sink } from '../archive/tar-writer';
import type { ContainerService } from './containers';

export interface CpOptions {
  follow?: boolean;
  archive?: boolean;
}

/** Runs fn with the container's root filesystem mounted and its processes frozen. */
async function withContainerFs<T>(svc: ContainerService, c: Container, fn: (root: string, mounts: MountView[]) => Promise<T>): Promise<T> {
  const rootfs = svc.rootfs(c.record.id);
  return svc.rootfsHolders.with(c.record.id, c.record.topLayer, rootfs, async () => {
    const running = c.state.Status === 'running';
    const rt = svc.runtime(c.record.hostConfig.Runtime || undefined);
    if (running) await runcPause(rt, c.record.id);
    try {
      const mounts = c.record.mounts.filter((m) => m.Type !== 'tmpfs').map((m) => ({ dest: m.Destination, source: m.Source }));
      return await fn(rootfs.merged, mounts);
    } finally {
      if (running) await runcResume(rt, c.record.id).catch(() => {});
    }
  });
}

/** Where entries go: the directory to extract into and the name of the copied item (undefined: its contents). */
function destination(destHost: string, destGiven: string, srcIsDir: boolean, srcGiven: string): { dir: string; name?: string } {
  const st = fs.statSync(destHost, { throwIfNoEntry: false });
  const srcName = path.basename(srcGiven.replace(/\/+\.?$/, '')) || '.';
  const contentsOnly = /\/\.$/.test(srcGiven);
  if (st?.isDirectory()) return srcIsDir && contentsOnly ? { dir: destHost } : { dir: destHost, name: srcName };
  if (st && srcIsDir) throw invalidArgument(`cannot copy a directory to a file`);
  if (!st && destGiven.endsWith('/')) throw notFound(`no such directory: ${destGiven}`);
  const parent = path.dirname(destHost);
  if (!fs.statSync(parent, { throwIfNoEntry: false })?.isDirectory()) {
    throw cliError(`invalid output path: directory ${JSON.stringify(path.dirname(destGiven))} does not exist`, 'not-found');
  }
  return { dir: parent, name: path.basename(destHost) };
}

function packItem(srcHost: string, name: string | undefined): AsyncIterable<Buffer> {
  return packDir(srcHost, { prefix: name ?? '' });
}

/** Docker's container path stat (the Engine API's X-Docker-Container-Path-Stat): mode as Go's os.FileMode. */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

function goFileMode(st: fs.Stats): number {
  const type = st.isDirectory() ? 1 << 31 : st.isSymbolicLink() ? 1 << 27 : st.isFIFO() ? 1 << 25 : st.isSocket() ? 1 << 24 : st.isCharacterDevice() ? (1 << 26) | (1 << 21) : st.isBlockDevice() ? 1 << 26 : 0;
  const special = (st.mode & 0o4000 ? 1 << 23 : 0) | (st.mode & 0o2000 ? 1 << 22 : 0) | (st.mode & 0o1000 ? 1 << 20 : 0);
  return (type | special | (st.mode & 0o777)) >>> 0;
}

/** A path in the container, as `docker cp` asks for it before copying (a final link is described, not followed). */
export async function statInContainer(svc: ContainerService, c: Container, p: string): Promise<PathStat> {
  return withContainerFs(svc, c, async (root, mounts) => {
    const host = resolveContainerPath(root, mounts, p, false);
    const st = fs.lstatSync(host, { throwIfNoEntry: false });
    if (!st) throw notFound(`Could not find the file ${p} in container ${c.record.name}`);
    const linkTarget = st.isSymbolicLink() ? path.posix.resolve(path.posix.dirname(p), fs.readlinkSync(host)) : '';
    return { name: path.posix.basename(p) || '/', size: st.size, mode: goFileMode(st), mtime: st.mtime.toISOString(), linkTarget };
  });
}

/** Container → host path (or a tar on `toStream` when dest is "-"). Returns bytes copied. */
export async function copyFromContainer(
  svc: ContainerService, c: Container, src: string, dest: string, opts: CpOptions, toStream?: NodeJS.WritableStream,
): Promise<number> {
  return withContainerFs(svc, c, async (root, mounts) => {
    const srcHost = resolveContainerPath(root, mounts, src, !!opts.follow);
    const st = fs.lstatSync(srcHost, { throwIfNoEntry: false });
    if (!st) throw notFound(`Could not find the file ${src} in container ${c.record.name}`);
    if (toStream) {
      let n = 0;
      for await (const b of packItem(srcHost, path.basename(src.replace(/\/+\.?$/, '')) || '.')) {
        n += b.length;
        if (!toStream.write(b)) await new Promise((r) => toStream.once('drain', r));
      }
      return n;
    }
    const to = destination(path.resolve(dest), dest, st.isDirectory(), src);
    return extractInto(packItem(srcHost, to.name), to.dir, { keepOwners: opts.archive, uid: process.getuid?.(), gid: process.getgid?.() });
  });
}

/** Host path (or a tar from `fromStream` when src is "-") → container. Returns bytes copied. */
export async function copyToContainer(
  svc: ContainerService, c: Container, src: string, dest: string, opts: CpOptions, fromStream?: AsyncIterable<Buffer>,
): Promise<number> {
  let srcHost = '';
  let srcSt: fs.Stats | undefined;
  if (!fromStream) {
    srcHost = path.resolve(src);
    srcSt = (opts.follow ? fs.statSync : fs.lstatSync)(srcHost, { throwIfNoEntry: false });
    if (!srcSt) throw cliError(`lstat ${srcHost}: no such file or directory`, 'not-found'); // the docker CLI's own
    if (opts.follow) srcHost = fs.realpathSync(srcHost);
  }
  return withContainerFs(svc, c, async (root, mounts) => {
    const destHost = resolveContainerPath(root, mounts, dest, true);
    if (fromStream) {
      if (!fs.statSync(destHost, { throwIfNoEntry: false })?.isDirectory()) throw notFound(`Could not find the file ${dest} in container ${c.record.name}`);
      return extractInto(fromStream, destHost, { keepOwners: true });
    }
    const to = destination(destHost, dest, srcSt!.isDirectory(), src);
    return extractInto(packItem(srcHost, to.name), to.dir, { keepOwners: opts.archive, uid: 0, gid: 0 });
  });
}

/** `export`: the container's root filesystem as one tar, written to `sink` (held mounted meanwhile). */
export async function exportContainer(svc: ContainerService, c: Container, sink: Sink): Promise<void> {
  const rootfs = svc.rootfs(c.record.id);
  await svc.rootfsHolders.with(c.record.id, c.record.topLayer, rootfs, async () => {
    for await (const chunk of packDir(rootfs.merged)) await sink.write(chunk);
  });
  svc.emit(c, 'export');
}
