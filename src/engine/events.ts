// Docker's events without a daemon: each process that changes something records
// the event in the store (metadata/events.ts); `events` and GET /events read
// them back and follow new ones by polling the table.
import { invalidArgument } from '../errdefs';
import type { DB } from '../metadata/db';
import { EventStore, type EventRow } from '../metadata/events';

export type EventType = 'container' | 'image' | 'network' | 'volume' | 'daemon';

/** The Engine API's events.Message (API 1.41). */
export interface EventMessage {
  status?: string;
  id?: string;
  from?: string;
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
}

export type EventFilters = Map<string, string[]>;

export const EVENT_FILTER_KEYS = [
  'container',
  'daemon',
  'event',
  'image',
  'label',
  'network',
  'node',
  'plugin',
  'scope',
  'type',
  'volume',
  'config',
  'secret',
  'service',
];

/** A container as the events name it: its image as given, its name, and its labels. */
export interface ContainerActor {
  id: string;
  name: string;
  image: string;
  labels?: Record<string, string> | null;
}

/** What the container service records: its containers', networks' and volumes' events. */
export type ContainerEvents = Pick<EventService, 'container' | 'network' | 'volume'>;

const nowNano = (): bigint => BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);

export class EventService {
  private readonly store: EventStore;

  constructor(db: DB) {
    this.store = new EventStore(db);
  }

  /** Records one event; never fails the change it describes. */
  emit(type: EventType, action: string, actorId: string, attributes: Record<string, string> = {}): void {
    try {
      this.store.append({ timeNano: nowNano(), type, action, actorId, attributes });
    } catch {
      // an event lost (the store closing, a full disk) must not undo the change it reports
    }
  }

  container(c: ContainerActor, action: string, extra: Record<string, string> = {}): void {
    this.emit('container', action, c.id, {
      ...(c.labels ?? {}),
      ...extra,
      image: c.image,
      name: c.name.replace(/^\//, ''),
    });
  }

  image(id: string, name: string, action: string, labels?: Record<string, string> | null): void {
    this.emit('image', action, id, { ...(labels ?? {}), name });
  }

  network(id: string, name: string, action: string, extra: Record<string, string> = {}): void {
    this.emit('network', action, id, { ...extra, name, type: extra.type ?? 'bridge' });
  }

  volume(name: string, action: string, extra: Record<string, string> = {}): void {
    this.emit('volume', action, name, { driver: 'local', ...extra });
  }

  lastSeq(): number {
    return this.store.lastSeq();
  }

  /** Past events in [since, until] that pass the filters, oldest first. */
  list(opts: { sinceNano?: bigint; untilNano?: bigint; afterSeq?: number; filters?: EventFilters }): Array<EventRow> {
    return this.store.list(opts).filter((e) => include(e, opts.filters ?? NO_FILTERS));
  }

  /**
   * Past events since `sinceNano`, then new ones as they are recorded, until
   * `untilNano` passes or `signal` aborts. New events are found by polling
   * (every process writes the table; there is nobody to notify us).
   */
  async *follow(opts: {
    sinceNano?: bigint;
    untilNano?: bigint;
    filters?: EventFilters;
    signal?: AbortSignal;
    pollMs?: number;
  }): AsyncGenerator<EventRow> {
    const startSeq = this.store.lastSeq();
    let seq = 0;
    if (opts.sinceNano !== undefined) {
      for (const e of this.list({ ...opts, afterSeq: 0 })) {
        if (e.seq > startSeq) break;
        yield e;
      }
    }
    seq = startSeq;
    while (!opts.signal?.aborted) {
      if (opts.untilNano !== undefined && nowNano() > opts.untilNano) return;
      for (const e of this.store.list({ afterSeq: seq })) {
        seq = e.seq;
        if (opts.untilNano !== undefined && e.timeNano > opts.untilNano) return;
        if (include(e, opts.filters ?? NO_FILTERS)) yield e;
      }
      await sleep(opts.pollMs ?? 100, opts.signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Docker's events.Message for an event row. */
export function eventMessage(e: EventRow): EventMessage {
  const legacy =
    e.type === 'container' || e.type === 'image'
      ? { status: e.action, id: e.actorId, ...(e.type === 'container' ? { from: e.attributes.image } : {}) }
      : {};
  return {
    ...legacy,
    Type: e.type,
    Action: e.action,
    Actor: { ID: e.actorId, Attributes: e.attributes },
    scope: 'local',
    time: Number(e.timeNano / 1_000_000_000n),
    timeNano: Number(e.timeNano),
  };
}

/** The message as the API sends it: timeNano exact (a JSON number beyond a double's precision). */
export function eventJson(e: EventRow): string {
  return JSON.stringify({ ...eventMessage(e), timeNano: 0 }).replace(/"timeNano":0}$/, `"timeNano":${e.timeNano}}`);
}

/** Checks the filters' keys and values as the daemon does. */
export function checkEventFilters(filters: EventFilters): void {
  for (const key of filters.keys())
    if (!EVENT_FILTER_KEYS.includes(key)) throw invalidArgument(`Invalid filter '${key}'`);
  for (const t of filters.get('type') ?? []) {
    if (
      !['container', 'image', 'volume', 'network', 'daemon', 'plugin', 'node', 'service', 'secret', 'config'].includes(
        t,
      )
    ) {
      throw invalidArgument(`Invalid filter 'type=${t}'`);
    }
  }
}

// moby's daemon/events/filter.go: each key narrows; fuzzy keys match a prefix of the ID or the name.
const NO_FILTERS: EventFilters = new Map();
const exact = (f: EventFilters, key: string, ...values: Array<string | undefined>): boolean => {
  const want = f.get(key);
  return !want?.length || values.some((v) => v !== undefined && want.includes(v));
};
const fuzzy = (f: EventFilters, key: string, ...values: Array<string | undefined>): boolean => {
  const want = f.get(key);
  return (
    !want?.length || values.some((v) => v !== undefined && v !== '' && want.some((p) => v === p || v.startsWith(p)))
  );
};
const stripTag = (ref: string): string => ref.replace(/:[^:/@]+$/, '');

function include(e: EventRow, f: EventFilters): boolean {
  if (f.size === 0) return true;
  const name = e.attributes.name;
  const byName = (type: string) => (e.type === type ? fuzzy(f, type, e.actorId, name) : !f.get(type)?.length);
  const action = ['health_status', 'exec_create', 'exec_start'].some((a) => f.get('event')?.includes(a))
    ? e.action.split(':')[0]
    : e.action;
  const imageName = e.type === 'image' ? name : e.attributes.image;
  return (
    exact(f, 'event', action, e.action) &&
    exact(f, 'type', e.type) &&
    exact(f, 'scope', 'local') &&
    byName('container') &&
    byName('network') &&
    byName('volume') &&
    exact(f, 'image', e.actorId, imageName, stripTag(e.actorId), imageName && stripTag(imageName)) &&
    (f.get('label') ?? []).every((spec) => {
      const eq = spec.indexOf('=');
      return eq < 0 ? spec in e.attributes : e.attributes[spec.slice(0, eq)] === spec.slice(eq + 1);
    }) &&
    !['daemon', 'node', 'plugin', 'config', 'secret', 'service'].some((k) => f.get(k)?.length)
  );
}

/** The API's since/until: "SECONDS[.NANOS]" (the docker CLI's form), as nanoseconds. */
export function parseApiTimestamp(v: string | null): bigint | undefined {
  if (v === null || v === '') return undefined;
  const m = /^(-?\d+)(?:\.(\d{1,9}))?$/.exec(v);
  if (!m) {
    const t = Date.parse(v);
    if (Number.isNaN(t)) throw invalidArgument(`failed to parse value as time or duration: "${v}"`);
    return BigInt(t) * 1_000_000n;
  }
  return BigInt(m[1]) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}
