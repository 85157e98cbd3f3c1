// Devices of a container: the device-cgroup rules of an ordinary container and,
// for --privileged, every device node of the host (runc's devices.HostDevices).
import fs from 'node:fs';
import path from 'node:path';

/** OCI linux.devices entry: a node runc creates in the container's /dev. */
export interface LinuxDevice {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** OCI linux.resources.devices entry; a missing major/minor is the wildcard "*". */
export interface LinuxDeviceCgroup {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

const allow = (type: 'c' | 'b', major?: number, minor?: number, access = 'rwm'): LinuxDeviceCgroup => ({
  allow: true,
  type,
  ...(major === undefined ? {} : { major }),
  ...(minor === undefined ? {} : { minor }),
  access,
});

/**
 * Deny everything, then allow what Docker's default spec allows (null, zero,
 * urandom, random, tty, console, with its explicit deny of /dev/fuse), then
 * what runc appends to every container anyway: full, ptmx, the pts slaves and
 * mknod of any node. The wildcard mknod rules must come after the fuse deny:
 * runc's cgroup v1 emulator cannot "punch a hole" in an earlier wildcard rule.
 */
export function defaultDeviceRules(): LinuxDeviceCgroup[] {
  return [
    { allow: false, access: 'rwm' },
    allow('c', 1, 5), // zero
    allow('c', 1, 3), // null
    allow('c', 1, 9), // urandom
    allow('c', 1, 8), // random
    allow('c', 5, 0), // tty
    allow('c', 5, 1), // console
    { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' }, // fuse
    allow('c', 1, 7), // full
    allow('c', 5, 2), // ptmx
    allow('c', 136), // pts/*
    allow('c', undefined, undefined, 'm'), // "c *:* m"
    allow('b', undefined, undefined, 'm'), // "b *:* m"
  ];
}

// Linux dev_t encoding (glibc's gnu_dev_major/minor)
const major = (dev: bigint) => Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
const minor = (dev: bigint) => Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));

/** The OCI entry of a device node from its stat (mode without the file type, as libcontainer's DeviceFromPath). */
export function deviceEntry(pathInContainer: string, st: fs.BigIntStats): LinuxDevice {
  return {
    path: pathInContainer,
    type: st.isBlockDevice() ? 'b' : 'c',
    major: major(st.rdev),
    minor: minor(st.rdev),
    fileMode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
  };
}

/** Every char and block device under `dir`, skipping the same directories and files runc skips. */
export function hostDevices(dir = '/dev'): LinuxDevice[] {
  const out: LinuxDevice[] = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) {
      if (!['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev'].includes(ent.name))
        out.push(...hostDevices(p));
      continue;
    }
    if (ent.name === 'console' || !(ent.isCharacterDevice() || ent.isBlockDevice())) continue;
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(p, { bigint: true });
    } catch {
      continue; // vanished meanwhile
    }
    out.push(deviceEntry(p, st));
  }
  return out;
}
