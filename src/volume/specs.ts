// -v / --volume and --mount specifications parsed as the docker CLI and daemon
// do (Linux rules), into mount points the container records.
import fs from 'node:fs';
import path from 'node:path';
import { invalidArgument } from '../errdefs';
import type { MountPoint } from '../container/types';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const MODES = new Set([
  'ro',
  'rw',
  'z',
  'Z',
  'nocopy',
  'private',
  'rprivate',
  'shared',
  'rshared',
  'slave',
  'rslave',
  'consistent',
  'cached',
  'delegated',
]);

const badSpec = (spec: string, why?: string) =>
  invalidArgument(`invalid volume specification: '${spec}'${why ? `: ${why}` : ''}`);

export interface VolumeRequest extends MountPoint {
  /** Docker's nocopy: do not fill a new volume with the image's content. */
  NoCopy?: boolean;
  /** Labels of a volume this mount creates (--mount volume-label=K=V, VolumeOptions.Labels). */
  VolumeLabels?: Record<string, string>;
}

function absDest(spec: string, dest: string, type: string): string {
  if (!dest.startsWith('/'))
    throw badSpec(
      spec,
      `invalid mount config for type "${type}": invalid mount path: '${dest}' mount path must be absolute`,
    );
  if (dest === '/')
    throw badSpec(spec, `invalid mount config for type "${type}": invalid specification: destination can't be '/'`);
  return path.posix.normalize(dest).replace(/\/$/, '');
}

/** `-v`: /dest, name:/dest[:mode], /host:/dest[:mode]. */
export function parseVolumeFlag(spec: string): VolumeRequest {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw badSpec(spec);
  if (parts.length === 1) {
    return {
      Type: 'volume',
      Source: '',
      Destination: absDest(spec, parts[0], 'volume'),
      Driver: 'local',
      Mode: '',
      RW: true,
      Propagation: '',
      Anonymous: true,
    };
  }
  const [src, dst, mode = ''] = parts;
  const modes = mode ? mode.split(',') : [];
  // Docker names the whole mode string, without the spec
  for (const m of modes) if (!MODES.has(m)) throw invalidArgument(`invalid mode: ${mode}`);
  const rw = !modes.includes('ro');
  if (src.startsWith('/')) {
    const propagation = modes.find((m) => /private|shared|slave/.test(m)) ?? 'rprivate';
    return {
      Type: 'bind',
      Source: path.posix.normalize(src),
      Destination: absDest(spec, dst, 'bind'),
      Mode: mode,
      RW: rw,
      Propagation: propagation,
    };
  }
  if (!NAME.test(src)) {
    throw invalidArgument(
      `create ${src}: "${src}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
  // a named volume given without a mode shows Mode "z", as Docker's setBindModeIfNull makes it
  return {
    Type: 'volume',
    Name: src,
    Source: '',
    Destination: absDest(spec, dst, 'volume'),
    Driver: 'local',
    Mode: mode || 'z',
    RW: rw,
    Propagation: '',
    NoCopy: modes.includes('nocopy'),
  };
}

/** `--mount type=volume|bind|tmpfs,source=...,target=...,readonly,...` */
export function parseMountFlag(spec: string): VolumeRequest {
  const kv = new Map<string, string>();
  const labels: Record<string, string> = {};
  for (const field of spec.split(',')) {
    const eq = field.indexOf('=');
    const k = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    const v = eq < 0 ? '' : field.slice(eq + 1);
    if (eq < 0 && !['readonly', 'ro', 'volume-nocopy'].includes(k))
      throw invalidArgument(`invalid field '${field}' must be a key=value pair`);
    if (k === 'volume-label') {
      const [lk, ...lv] = v.split('=');
      labels[lk] = lv.join('=');
    }
    kv.set(k, v);
  }
  const type = kv.get('type') ?? 'volume';
  if (!['volume', 'bind', 'tmpfs'].includes(type))
    throw invalidArgument(`invalid argument "${spec}" for "--mount" flag: invalid type "${type}"`);
  const src = kv.get('source') ?? kv.get('src') ?? '';
  const dst = kv.get('target') ?? kv.get('destination') ?? kv.get('dst');
  if (!dst) throw invalidArgument(`invalid argument "${spec}" for "--mount" flag: target is required`);
  const roVal = kv.get('readonly') ?? kv.get('ro');
  const readonly = roVal !== undefined && roVal !== 'false' && roVal !== '0';
  const dest = absDest(spec, dst, type);
  if (type === 'bind') {
    if (!src) throw invalidArgument(`invalid mount config for type "bind": field Source must not be empty`);
    if (!fs.existsSync(src))
      throw invalidArgument(`invalid mount config for type "bind": bind source path does not exist: ${src}`);
    return {
      Type: 'bind',
      Source: path.resolve(src),
      Destination: dest,
      Mode: '',
      RW: !readonly,
      Propagation: kv.get('bind-propagation') ?? 'rprivate',
    };
  }
  if (type === 'tmpfs') {
    if (src) throw invalidArgument(`invalid mount config for type "tmpfs": field Source must not be specified`);
    const opts: string[] = [];
    if (kv.get('tmpfs-size')) opts.push(`size=${kv.get('tmpfs-size')}`);
    if (kv.get('tmpfs-mode')) opts.push(`mode=${kv.get('tmpfs-mode')}`);
    return {
      Type: 'tmpfs',
      Source: '',
      Destination: dest,
      Mode: '',
      RW: !readonly,
      Propagation: '',
      TmpfsOptions: opts,
    };
  }
  if (src && !NAME.test(src))
    throw invalidArgument(`invalid mount config for type "volume": invalid volume name "${src}"`);
  return {
    Type: 'volume',
    Name: src || undefined,
    Source: '',
    Destination: dest,
    Driver: 'local',
    Mode: '',
    RW: !readonly,
    Propagation: '',
    Anonymous: !src,
    NoCopy: kv.has('volume-nocopy'),
    ...(Object.keys(labels).length ? { VolumeLabels: labels } : {}),
  };
}

/** The image's VOLUME entries become anonymous volumes, unless a mount is already there. */
export function imageVolumes(
  volumes: Record<string, object> | null | undefined,
  taken: VolumeRequest[],
): VolumeRequest[] {
  return Object.keys(volumes ?? {})
    .map((d) => path.posix.normalize(d).replace(/\/$/, ''))
    .filter((d) => !taken.some((m) => m.Destination === d))
    .map((d) => ({
      Type: 'volume' as const,
      Source: '',
      Destination: d,
      Driver: 'local',
      Mode: '',
      RW: true,
      Propagation: '',
      Anonymous: true,
    }));
}

export function checkDuplicates(mounts: VolumeRequest[]): void {
  const seen = new Set<string>();
  for (const m of mounts) {
    if (seen.has(m.Destination)) throw invalidArgument(`Duplicate mount point: ${m.Destination}`);
    seen.add(m.Destination);
  }
}
