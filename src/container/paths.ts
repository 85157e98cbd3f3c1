// A container's files as its processes see them, held by a descriptor: its root
// filesystem, with its volumes and bind mounts where they are mounted. Paths are
// resolved by the kernel with that descriptor as "/" (openat2 RESOLVE_IN_ROOT,
// src/fd), so symlinks, ".." and absolute targets stay inside whatever another
// process swaps meanwhile (CVE-2018-15664): no path is checked first and used later.
//
// With volumes or binds, the root is a private view: a bind mount of the
// overlay under the store's temporary area, each volume bind-mounted onto its
// mount point found inside the view (as runc finds it), all nosuid and nodev,
// read-only mounts read-only. Only this process's descriptors reach it; it is
// detached when closed (or by the next clean-up if this process is killed).
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode, internal } from '../errdefs';
import { openInRoot, procPath, tryOpenInRoot, using } from '../fd/at';
import {
  MNT_DETACH,
  MS_BIND,
  MS_NODEV,
  MS_NOSUID,
  MS_PRIVATE,
  MS_RDONLY,
  MS_REC,
  MS_REMOUNT,
  native,
  O_PATH,
} from '../native';

export interface MountView {
  /** Container path of the mount point (normalized, absolute). */
  dest: string;
  /** Host path it shows. */
  source: string;
  readonly?: boolean;
}

export class ContainerRoot {
  private constructor(
    /** O_PATH descriptor of the root, as the container sees "/". */
    readonly fd: number,
    private readonly view?: string,
  ) {}

  /**
   * Opens the root filesystem `merged` with `mounts` in place; `scratch` makes an empty
   * directory in the store's temporary area for a view (only called when there are mounts).
   */
  static open(merged: string, mounts: MountView[], scratch: () => string): ContainerRoot {
    if (mounts.length === 0) return new ContainerRoot(fs.openSync(merged, O_PATH | fs.constants.O_DIRECTORY));
    const view = path.join(scratch(), 'root'); // mounted below the scratch directory, where clean-up looks
    fs.mkdirSync(view);
    try {
      native.mount(merged, view, '', MS_BIND, '');
      native.mount('', view, '', MS_PRIVATE, ''); // what is mounted below stays here
      native.mount('', view, '', MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV, '');
      const root = new ContainerRoot(fs.openSync(view, O_PATH | fs.constants.O_DIRECTORY), view);
      try {
        // parents before children, as runc mounts them
        for (const m of [...mounts].sort((a, b) => depth(a.dest) - depth(b.dest))) root.mountAt(m);
      } catch (e) {
        root.close();
        throw e;
      }
      return root;
    } catch (e) {
      detach(view);
      throw e;
    }
  }

  /** One volume or bind onto its mount point, resolved inside the view; a missing one is made first. */
  private mountAt(m: MountView): void {
    const src = fs.statSync(m.source, { throwIfNoEntry: false });
    if (!src) return; // a bind source removed since: runc would fail to start it; cp sees the rootfs
    let target = tryOpenInRoot(this.fd, m.dest);
    if (target === undefined) {
      makeMountPoint(this.fd, m.dest, src.isDirectory());
      target = openInRoot(this.fd, m.dest);
    }
    using(target, () => {
      if (fs.fstatSync(target).isDirectory() !== src.isDirectory()) return; // runc would refuse it too
      native.mount(m.source, procPath(target), '', MS_BIND | MS_REC, '');
    });
    // the new mount is now what the mount point shows: remount that one
    using(openInRoot(this.fd, m.dest), (fd) =>
      native.mount(
        '',
        procPath(fd),
        '',
        MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | (m.readonly ? MS_RDONLY : 0),
        '',
      ),
    );
  }

  /** O_PATH descriptor of container path `p`; a final symlink is followed only with `follow`. */
  open(p: string, follow: boolean): number {
    return openInRoot(this.fd, p, { follow });
  }

  /** As open; undefined when it does not exist. */
  tryOpen(p: string, follow: boolean): number | undefined {
    return tryOpenInRoot(this.fd, p, { follow });
  }

  /** The container path of what `fd` (opened inside this root) is, symlinks resolved. */
  pathOf(fd: number): string {
    const base = fs.readlinkSync(procPath(this.fd));
    const full = fs.readlinkSync(procPath(fd));
    if (full === base) return '/';
    if (!full.startsWith(`${base === '/' ? '' : base}/`)) throw internal(`${full} is not inside ${base}`);
    return full.slice(base === '/' ? 0 : base.length);
  }

  close(): void {
    fs.closeSync(this.fd);
    if (this.view) detach(this.view);
  }
}

const depth = (p: string) => p.split('/').filter(Boolean).length;

/** Creates a missing mount point inside the root (directories on the way too), by descriptor. */
function makeMountPoint(rootFd: number, dest: string, dir: boolean): void {
  let cur = rootFd;
  const parts = dest.split('/').filter((x) => x && x !== '.');
  try {
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      const sub = `/${parts.slice(0, i + 1).join('/')}`;
      const next = tryOpenInRoot(rootFd, sub);
      if (next === undefined) {
        // the parent is held: make the component there (nothing is followed)
        if (last && !dir)
          fs.closeSync(
            native.openat(cur, parts[i], fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o755),
          );
        else native.mkdirat(cur, parts[i], 0o755);
        if (cur !== rootFd) fs.closeSync(cur);
        cur = openInRoot(rootFd, sub);
      } else {
        if (cur !== rootFd) fs.closeSync(cur);
        cur = next;
      }
    }
  } finally {
    if (cur !== rootFd) fs.closeSync(cur);
  }
}

/** Unmounts a view and everything below it, then removes its (empty) directories. */
function detach(view: string): void {
  try {
    native.umount2(view, MNT_DETACH);
  } catch (e) {
    if (errnoCode(e) !== 'EINVAL' && errnoCode(e) !== 'ENOENT') throw e;
  }
  fs.rmdirSync(view);
  fs.rmdirSync(path.dirname(view));
}
