// --device HOST[:CONTAINER][:PERMISSIONS]: the docker CLI's parse, and at each
// start the host's device node (or every node under a directory) as OCI devices
// and device-cgroup rules (moby's oci.DevicesFromPath).
import fs from 'node:fs';
import path from 'node:path';
import { CommandNotFoundError, invalidArgument } from '../errdefs';
import { deviceEntry, type LinuxDevice, type LinuxDeviceCgroup } from '../runtime/devices';
import type { DeviceMapping } from './types';

/** r, w and m, each at most once. */
export function validDeviceMode(mode: string): boolean {
  return mode !== '' && /^[rwm]+$/.test(mode) && new Set(mode).size === mode.length;
}

/** The docker CLI's validateLinuxPath + parseLinuxDevice. */
export function parseDevice(spec: string): DeviceMapping {
  if ((spec.match(/:/g) ?? []).length > 2) throw invalidArgument(`bad format for path: ${spec}`);
  const parts = spec.split(':');
  if (parts[0] === '') throw invalidArgument(`bad format for path: ${spec}`);
  let [src, dst, perms] = [parts[0], '', 'rwm'];
  if (parts.length === 2) {
    if (validDeviceMode(parts[1])) perms = parts[1];
    else dst = parts[1];
  } else if (parts.length === 3) {
    if (!validDeviceMode(parts[2])) throw invalidArgument(`bad mode specified: ${parts[2]}`);
    [dst, perms] = [parts[1], parts[2]];
  }
  const containerPath = dst || src;
  if (!path.posix.isAbsolute(containerPath)) throw invalidArgument(`${containerPath} is not an absolute path`);
  return { PathOnHost: src, PathInContainer: dst ? dst : path.posix.normalize(src), CgroupPermissions: perms };
}

function deviceAt(file: string, pathInContainer: string): LinuxDevice | undefined {
  const st = fs.statSync(file, { bigint: true });
  if (!st.isCharacterDevice() && !st.isBlockDevice()) return undefined;
  return deviceEntry(pathInContainer, st);
}

/**
 * The nodes and rules of the container's --device values. A path that is no
 * device node nor a directory holding some fails the start with Docker's message
 * (which the docker CLI turns into exit status 127: "no such file or directory").
 */
export function resolveDevices(mappings: readonly DeviceMapping[]): {
  devices: LinuxDevice[];
  rules: LinuxDeviceCgroup[];
} {
  const devices: LinuxDevice[] = [];
  const rules: LinuxDeviceCgroup[] = [];
  for (const m of mappings) {
    let found: LinuxDevice[] = [];
    let why = 'not a device node';
    try {
      const host = fs.realpathSync(m.PathOnHost); // a symlink such as /dev/disk/by-id/... names its node
      const dev = deviceAt(host, m.PathInContainer);
      if (dev) found = [dev];
      else if (fs.statSync(host).isDirectory()) found = devicesUnder(host, m.PathInContainer);
    } catch (e) {
      why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message;
    }
    if (!found.length) {
      const msg = `error gathering device information while adding custom device ${JSON.stringify(m.PathOnHost)}: ${why}`;
      throw why === 'no such file or directory' ? new CommandNotFoundError(msg) : invalidArgument(msg);
    }
    devices.push(...found);
    rules.push(
      ...found.map((d) => ({ allow: true, type: d.type, major: d.major, minor: d.minor, access: m.CgroupPermissions })),
    );
  }
  return { devices, rules };
}

function devicesUnder(dir: string, inContainer: string): LinuxDevice[] {
  const out: LinuxDevice[] = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    const target = path.posix.join(inContainer, ent.name);
    try {
      if (ent.isDirectory()) out.push(...devicesUnder(p, target));
      else if (ent.isCharacterDevice() || ent.isBlockDevice()) {
        const d = deviceAt(p, target);
        if (d) out.push(d); // (gone since the listing)
      }
    } catch {
      // vanished meanwhile: ignored, as Docker's walk ignores it
    }
  }
  return out;
}

/** --device-cgroup-rule "TYPE MAJOR:MINOR ACCESS" as an OCI rule (moby's regexp; `*` is any number). */
export function parseDeviceCgroupRule(rule: string): LinuxDeviceCgroup {
  const m = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/.exec(rule);
  if (!m) throw invalidArgument(`invalid device cgroup format '${rule}'`);
  const num = (v: string) => (v === '*' ? undefined : Number(v));
  return { allow: true, type: m[1] as LinuxDeviceCgroup['type'], major: num(m[2]), minor: num(m[3]), access: m[4] };
}
