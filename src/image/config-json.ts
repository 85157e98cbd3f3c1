// Image configs serialized as Docker writes them: fields in Go struct order,
// container.Config with its non-omitempty fields always present. Configs are
// content-addressed, so the bytes matter: same input, same image ID.
import type { ContainerConfig, ImageConfig } from '../oci/types';
import { goJson } from '../util/gojson';

/** Docker's container.Config in field order; omitempty fields only when set. */
export function fullContainerConfig(c: ContainerConfig = {}): ContainerConfig {
  const out: Record<string, unknown> = {
    Hostname: c.Hostname ?? '',
    Domainname: c.Domainname ?? '',
    User: c.User ?? '',
    AttachStdin: c.AttachStdin ?? false,
    AttachStdout: c.AttachStdout ?? false,
    AttachStderr: c.AttachStderr ?? false,
  };
  if (c.ExposedPorts && Object.keys(c.ExposedPorts).length) out.ExposedPorts = sortKeys(c.ExposedPorts);
  Object.assign(out, {
    Tty: c.Tty ?? false,
    OpenStdin: c.OpenStdin ?? false,
    StdinOnce: c.StdinOnce ?? false,
    Env: c.Env ?? null,
    Cmd: c.Cmd ?? null,
  });
  if (c.Healthcheck) out.Healthcheck = c.Healthcheck;
  if (c.ArgsEscaped) out.ArgsEscaped = true;
  Object.assign(out, {
    Image: c.Image ?? '',
    Volumes: c.Volumes && Object.keys(c.Volumes).length ? sortKeys(c.Volumes) : null,
    WorkingDir: c.WorkingDir ?? '',
    Entrypoint: c.Entrypoint ?? null,
    OnBuild: c.OnBuild ?? null,
    Labels: c.Labels && Object.keys(c.Labels).length ? sortKeys(c.Labels) : null,
  });
  if (c.StopSignal) out.StopSignal = c.StopSignal;
  if (c.Shell && c.Shell.length) out.Shell = c.Shell;
  return out;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Serializes an image config in Docker's V1Image/Image field order. */
export function marshalImageConfig(c: ImageConfig): Buffer {
  const out: Record<string, unknown> = {};
  if (c.comment) out.comment = c.comment;
  out.created = c.created;
  if (c.container) out.container = c.container;
  if (c.container_config) out.container_config = fullContainerConfig(c.container_config);
  if (c.docker_version) out.docker_version = c.docker_version;
  if (c.author) out.author = c.author;
  if (c.config) out.config = fullContainerConfig(c.config);
  out.architecture = c.architecture;
  if (c.variant) out.variant = c.variant;
  out.os = c.os;
  if (c.parent) out.parent = c.parent;
  out.rootfs = { type: 'layers', diff_ids: c.rootfs.diff_ids };
  if (c.history && c.history.length) out.history = c.history.map(orderHistory);
  return Buffer.from(goJson(out));
}

function orderHistory(h: NonNullable<ImageConfig['history']>[number]) {
  const o: Record<string, unknown> = { created: h.created };
  if (h.created_by) o.created_by = h.created_by;
  if (h.author) o.author = h.author;
  if (h.comment) o.comment = h.comment;
  if (h.empty_layer) o.empty_layer = true;
  return o;
}

/** Go's time.Time JSON form: RFC 3339 with nanoseconds, trailing zeros trimmed. */
export function goTime(d: Date = new Date(), extraNanos = 0): string {
  const iso = d.toISOString(); // 2024-01-01T00:00:00.123Z
  const base = iso.slice(0, 19);
  const nanos = d.getUTCMilliseconds() * 1e6 + extraNanos;
  if (nanos === 0) return `${base}Z`;
  return `${base}.${String(nanos).padStart(9, '0').replace(/0+$/, '')}Z`;
}

/** Current time with sub-millisecond precision, as Go records it. */
export function nowGoTime(): string {
  const ns = process.hrtime.bigint() % 1_000_000n;
  return goTime(new Date(), Number(ns));
}

export function hostArch(): string {
  const m: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
  };
  return m[process.arch] ?? process.arch;
}
