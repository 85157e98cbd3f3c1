// The daemon half of `ps` and GET /containers/json: which containers a query
// returns (one filter table for both front ends) and how their command and
// status read.
import type { Container } from '../container/store';
import { ZERO_TIME } from '../container/types';
import { invalidArgument } from '../errdefs';
import { humanDuration } from '../util/units';
import { containerPorts } from './container-ports';
import { connectedNetworks } from '../container/namespace-modes';
import type { Digest } from '../digest';
import { labelMatches, type Filters } from './filters';

/** The filters `ps` accepts (moby's daemon/list.go acceptedPsFilterTags). */
export const PS_FILTERS = [
  'ancestor',
  'before',
  'expose',
  'exited',
  'health',
  'id',
  'isolation',
  'is-task',
  'label',
  'name',
  'network',
  'publish',
  'since',
  'status',
  'volume',
];

const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const HEALTH = ['starting', 'healthy', 'unhealthy', 'none'];

/** The command as Docker's daemon lists it: arguments with a space in single quotes. */
export function commandLine(c: Container): string {
  return [c.record.path, ...c.record.args.map((a) => (a.includes(' ') ? `'${a}'` : a))].join(' ');
}

/** moby's State.String(). */
export function statusText(c: Container, now = Date.now()): string {
  const s = c.state;
  const since = (t: string) => humanDuration(now - Date.parse(t));
  const health =
    s.Health && s.Health.Status !== 'none'
      ? ` (${s.Health.Status === 'starting' ? 'health: starting' : s.Health.Status})`
      : '';
  if (s.Status === 'running') return `Up ${since(s.StartedAt)}${health}`;
  if (s.Status === 'paused') return `Up ${since(s.StartedAt)} (Paused)`;
  if (s.Status === 'restarting') return `Restarting (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
  if (s.Status === 'removing') return 'Removal In Progress';
  if (s.Status === 'dead') return 'Dead';
  if (s.StartedAt === ZERO_TIME) return 'Created';
  return `Exited (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
}

/** What a listing reads: the containers (their state made true: the read side) and the images they run. */
export interface ContainerLister {
  containerReads: { list(): Container[]; find(idOrName: string): Container };
  images: { resolveId(ref: string): Digest; parentOf(id: Digest): Digest | null };
}

export interface ListOptions {
  all?: boolean;
  /** the n newest (any state) */
  limit?: number;
  filters?: Filters;
}

/** Containers as `docker ps` lists them: newest first, running ones unless `all`. */
export function listContainers(engine: ContainerLister, opts: ListOptions = {}): Container[] {
  const f = opts.filters ?? new Map<string, string[]>();
  for (const key of f.keys()) if (!PS_FILTERS.includes(key)) throw invalidArgument(`Invalid filter '${key}'`);
  for (const s of f.get('status') ?? [])
    if (!STATUSES.includes(s)) throw invalidArgument(`Invalid filter 'status=${s}'`);
  for (const h of f.get('health') ?? [])
    if (!HEALTH.includes(h)) throw invalidArgument(`Unrecognised filter value for health: ${h}`);
  for (const e of f.get('exited') ?? []) if (!/^-?\d+$/.test(e)) throw invalidArgument(`invalid filter 'exited=${e}'`);
  let list = engine.containerReads.list();
  const all = opts.all || (opts.limit ?? 0) > 0 || f.has('status') || f.has('exited');
  if (!all) list = list.filter((c) => ['running', 'paused', 'restarting'].includes(c.state.Status));
  const bound = (key: 'before' | 'since') => {
    const v = f.get(key)?.[0];
    return v === undefined ? undefined : Date.parse(engine.containerReads.find(v).record.created);
  };
  const before = bound('before');
  const since = bound('since');
  list = list.filter(
    (c) =>
      matches(engine, c, f) &&
      (before === undefined || Date.parse(c.record.created) < before) &&
      (since === undefined || Date.parse(c.record.created) > since),
  );
  return (opts.limit ?? 0) > 0 ? list.slice(0, opts.limit) : list;
}

const any = (values: string[] | undefined, test: (v: string) => boolean): boolean => !values || values.some(test);

function matches(engine: ContainerLister, c: Container, f: Filters): boolean {
  const { record, state } = c;
  return (
    any(f.get('status'), (s) => s === state.Status) &&
    any(f.get('exited'), (e) => state.Status === 'exited' && Number(e) === state.ExitCode) &&
    any(f.get('id'), (p) => new RegExp(p).test(record.id)) &&
    any(f.get('name'), (n) => new RegExp(n).test(`/${record.name}`)) &&
    any(f.get('health'), (h) => (state.Health?.Status ?? 'none') === h) &&
    any(f.get('ancestor'), (a) => isAncestor(engine, c, a)) &&
    labelMatches(f.get('label'), record.config.Labels) &&
    any(f.get('volume'), (v) => record.mounts.some((m) => m.Name === v || m.Source === v || m.Destination === v)) &&
    any(
      f.get('network'),
      (n) =>
        connectedNetworks(record).includes(n) ||
        Object.values(state.Networks ?? {}).some((ep) => ep.NetworkID?.startsWith(n)),
    ) &&
    any(f.get('publish'), (p) => portMatches(c, p, true)) &&
    any(f.get('expose'), (p) => portMatches(c, p, false)) &&
    any(f.get('is-task'), (t) => t === 'false')
  );
}

/** `publish=80[/tcp]` (a published port) or `expose=80[/tcp]` (an exposed one); ranges `8000-8080`. */
function portMatches(c: Container, spec: string, published: boolean): boolean {
  const [range, proto = 'tcp'] = spec.split('/');
  const [lo, hi = lo] = range.split('-').map(Number);
  const ports = published
    ? Object.entries(containerPorts(c))
        .filter(([, b]) => b?.length)
        .map(([k]) => k)
    : Object.keys(c.record.config.ExposedPorts ?? {});
  return ports.some((k) => {
    const [p, pr = 'tcp'] = k.split('/');
    return pr === proto && Number(p) >= lo && Number(p) <= hi;
  });
}

/** Is image `ref` (or an image built on it) what this container runs? Docker's ancestor filter. */
function isAncestor(engine: ContainerLister, c: Container, ref: string): boolean {
  let id: Digest;
  try {
    id = engine.images.resolveId(ref);
  } catch {
    // an ancestor filter naming no known image matches no container, as in Docker
    return false;
  }
  for (let cur: Digest | null = c.record.imageId; cur; cur = engine.images.parentOf(cur)) {
    if (cur === id) return true;
  }
  return false;
}
