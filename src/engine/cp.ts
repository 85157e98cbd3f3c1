// `cp` between the host and a container, with Docker's path rules. Container
// paths are resolved by the kernel inside the container's root, volumes and
// binds included (container/paths), and every read and write after that goes
// by descriptor (layer/pack, layer/extract): another container sharing a
// volume and swapping a directory for a symlink meanwhile cannot lead a copy
// onto the host (CVE-2018-15664, CVE-2019-14271). The target container is
// frozen while its files are copied and thawed on every way out, a vanished
// reader or a signal included. Host tools never run inside the container.
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { cliError, errnoCode, invalidArgument, notFound } from '../errdefs';
import type { Container } from '../container/store';
import { ContainerRoot } from '../container/paths';
import { using } from '../fd/at';
import { native } from '../native';
import { extractInto, type ExtractOptions } from '../layer/extract';
import { packDir, packFd } from '../layer/pack';
import { freeze } from '../runtime/freeze';
import { canFreeze } from '../rootless/cgroups';
import type { Sink } from '../tar/writer';
import type { ContainerService } from './containers';

export interface CpOptions {
  follow?: boolean;
  archive?: boolean;
}

/** Runs fn with the container's files open and, if it runs, its processes frozen. */
async function withContainerFs<T>(
  svc: ContainerService,
  c: Container,
  fn: (root: ContainerRoot) => Promise<T>,
): Promise<T> {
  const rootfs = svc.rootfs(c.record.id);
  return svc.rootfsHolders.with(c.record.id, c.record.topLayer, rootfs, async () => {
    const thaw =
      c.state.Status === 'running' && canFreeze()
        ? await freeze(svc.runtime(c.record.hostConfig.Runtime || undefined), c.record.id)
        : undefined;
    try {
      const mounts = c.record.mounts
        .filter((m) => m.Type !== 'tmpfs' && m.Source)
        .map((m) => ({ dest: m.Destination, source: m.Source, readonly: !m.RW }));
      const root = ContainerRoot.open(rootfs.merged, mounts, () => svc.tmpDir('view'));
      try {
        return await fn(root);
      } finally {
        root.close();
      }
    } finally {
      await thaw?.();
    }
  });
}

const itemName = (given: string) => path.posix.basename(given.replace(/\/+\.?$/, '')) || '.';
const contentsOnly = (given: string) => /\/\.$/.test(given);

/** Where entries go on the host: the directory to extract into and the name of the copied item (undefined: its contents). */
function hostDestination(
  destHost: string,
  destGiven: string,
  srcIsDir: boolean,
  srcGiven: string,
): { dir: string; name?: string } {
  const st = fs.statSync(destHost, { throwIfNoEntry: false });
  if (st?.isDirectory())
    return srcIsDir && contentsOnly(srcGiven) ? { dir: destHost } : { dir: destHost, name: itemName(srcGiven) };
  if (st && srcIsDir) throw invalidArgument(`cannot copy a directory to a file`);
  if (!st && destGiven.endsWith('/')) throw notFound(`no such directory: ${destGiven}`);
  const parent = path.dirname(destHost);
  if (!fs.statSync(parent, { throwIfNoEntry: false })?.isDirectory()) {
    throw cliError(
      `invalid output path: directory ${JSON.stringify(path.dirname(destGiven))} does not exist`,
      'not-found',
    );
  }
  return { dir: parent, name: path.basename(destHost) };
}

/** The same inside the container, as a directory descriptor (the caller closes it). */
function containerDestination(
  root: ContainerRoot,
  destGiven: string,
  srcIsDir: boolean,
  srcGiven: string,
): { dirFd: number; name?: string } {
  const dest = destGiven.startsWith('/') ? destGiven : `/${destGiven}`;
  const fd = root.tryOpen(dest, true);
  if (fd !== undefined) {
    const st = fs.fstatSync(fd);
    if (st.isDirectory())
      return srcIsDir && contentsOnly(srcGiven) ? { dirFd: fd } : { dirFd: fd, name: itemName(srcGiven) };
    const real = using(fd, () => root.pathOf(fd)); // an existing file, perhaps reached through a link: replaced where it is
    if (srcIsDir) throw invalidArgument(`cannot copy a directory to a file`);
    return { dirFd: root.open(path.posix.dirname(real), true), name: path.posix.basename(real) };
  }
  if (destGiven.endsWith('/')) throw notFound(`no such directory: ${destGiven}`);
  const parent = root.tryOpen(path.posix.dirname(dest), true);
  if (parent === undefined || !fs.fstatSync(parent).isDirectory()) {
    if (parent !== undefined) fs.closeSync(parent);
    throw cliError(
      `invalid output path: directory ${JSON.stringify(path.posix.dirname(destGiven))} does not exist`,
      'not-found',
    );
  }
  return { dirFd: parent, name: path.posix.basename(dest) };
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
  const type = st.isDirectory()
    ? 1 << 31
    : st.isSymbolicLink()
      ? 1 << 27
      : st.isFIFO()
        ? 1 << 25
        : st.isSocket()
          ? 1 << 24
          : st.isCharacterDevice()
            ? (1 << 26) | (1 << 21)
            : st.isBlockDevice()
              ? 1 << 26
              : 0;
  const special =
    (st.mode & 0o4000 ? 1 << 23 : 0) | (st.mode & 0o2000 ? 1 << 22 : 0) | (st.mode & 0o1000 ? 1 << 20 : 0);
  return (type | special | (st.mode & 0o777)) >>> 0;
}

const notInContainer = (p: string, c: Container) =>
  notFound(`Could not find the file ${p} in container ${c.record.name}`);

/** A path in the container, as `docker cp` asks for it before copying (a final link is described, not followed). */
export async function statInContainer(svc: ContainerService, c: Container, p: string): Promise<PathStat> {
  return withContainerFs(svc, c, async (root) => {
    const fd = root.tryOpen(p.startsWith('/') ? p : `/${p}`, false);
    if (fd === undefined) throw notInContainer(p, c);
    return using(fd, () => {
      const st = fs.fstatSync(fd);
      const linkTarget = st.isSymbolicLink()
        ? path.posix.resolve(path.posix.dirname(p), native.readlinkat(fd, ''))
        : '';
      return {
        name: path.posix.basename(p) || '/',
        size: st.size,
        mode: goFileMode(st),
        mtime: st.mtime.toISOString(),
        linkTarget,
      };
    });
  });
}

/** Who files copied out belong to: the user behind sudo, as the docker CLI writes them as its own user. */
function callerIds(): { uid: number; gid: number } {
  const id = (v: string | undefined, fallback: number) => (v && /^\d+$/.test(v) ? Number(v) : fallback);
  return {
    uid: id(process.env.SUDO_UID, process.getuid?.() ?? 0),
    gid: id(process.env.SUDO_GID, process.getgid?.() ?? 0),
  };
}

/** Writes every chunk to `out`, failing as soon as its reader is gone (a closed pipe, a dropped API client). */
async function writeAll(chunks: AsyncIterable<Buffer>, out: NodeJS.WritableStream): Promise<number> {
  const w = out as WritableLike; // (each caller's is a stream.Writable: a socket, stdout, a PassThrough)
  let failure: Error | undefined;
  const onError = (e: Error) => (failure ??= e);
  w.on('error', onError);
  try {
    let n = 0;
    for await (const b of chunks) {
      if (failure || w.destroyed || w.writableEnded) throw failure ?? gone();
      n += b.length;
      if (!w.write(b)) await drained(w);
    }
    return n;
  } finally {
    w.off('error', onError);
  }
}

const gone = () => new Error('the reader of the archive went away');

type WritableLike = NodeJS.WritableStream & Pick<Writable, 'destroyed' | 'writableEnded'>;

function drained(w: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err?: Error) => {
      w.off('drain', onDrain);
      w.off('close', onGone);
      w.off('error', onGone);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => settle();
    const onGone = (e?: Error) => settle(e instanceof Error ? e : gone());
    w.on('drain', onDrain);
    w.on('close', onGone);
    w.on('error', onGone);
  });
}

/** Container → host path (or a tar on `toStream` when dest is "-"). Returns bytes copied. */
export async function copyFromContainer(
  svc: ContainerService,
  c: Container,
  src: string,
  dest: string,
  opts: CpOptions,
  toStream?: NodeJS.WritableStream,
): Promise<number> {
  return withContainerFs(svc, c, async (root) => {
    const fd = root.tryOpen(src.startsWith('/') ? src : `/${src}`, !!opts.follow);
    if (fd === undefined) throw notInContainer(src, c);
    try {
      if (toStream) return await writeAll(packFd(fd, { prefix: itemName(src) }), toStream);
      const to = hostDestination(path.resolve(dest), dest, fs.fstatSync(fd).isDirectory(), src);
      const ids = callerIds();
      const plain: ExtractOptions = {
        ...ids,
        dropSetid: true,
        refuseDevices: 'refusing to copy a device node out of the container without -a',
      };
      return await extractInto(
        packFd(fd, { prefix: to.name ?? '' }),
        to.dir,
        opts.archive ? { keepOwners: true } : plain,
      );
    } finally {
      fs.closeSync(fd);
    }
  });
}

/** Host path (or a tar from `fromStream` when src is "-") → container. Returns bytes copied. */
export async function copyToContainer(
  svc: ContainerService,
  c: Container,
  src: string,
  dest: string,
  opts: CpOptions,
  fromStream?: AsyncIterable<Buffer>,
): Promise<number> {
  let srcHost = '';
  let srcSt: fs.Stats | undefined;
  if (!fromStream) {
    srcHost = path.resolve(src);
    srcSt = (opts.follow ? fs.statSync : fs.lstatSync)(srcHost, { throwIfNoEntry: false });
    if (!srcSt) throw cliError(`lstat ${srcHost}: no such file or directory`, 'not-found'); // the docker CLI's own
    if (opts.follow) srcHost = fs.realpathSync(srcHost);
  }
  return withContainerFs(svc, c, async (root) => {
    try {
      if (fromStream) {
        const fd = root.tryOpen(dest.startsWith('/') ? dest : `/${dest}`, true);
        if (fd === undefined || !fs.fstatSync(fd).isDirectory()) {
          if (fd !== undefined) fs.closeSync(fd);
          throw notInContainer(dest, c);
        }
        try {
          return await extractInto(fromStream, fd, { keepOwners: true });
        } finally {
          fs.closeSync(fd);
        }
      }
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- set above whenever fromStream is not
      const to = containerDestination(root, dest, srcSt!.isDirectory(), src);
      try {
        return await extractInto(packDir(srcHost, { prefix: to.name ?? '' }), to.dirFd, {
          keepOwners: opts.archive,
          uid: 0,
          gid: 0,
        });
      } finally {
        fs.closeSync(to.dirFd);
      }
    } catch (e) {
      if (errnoCode(e) === 'EROFS') throw invalidArgument('mounted volume is marked read-only', e);
      throw e;
    }
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
