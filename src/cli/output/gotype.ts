// Go types for --format templates. The docker CLI decodes an inspect response
// into its typed structs before running the template, so `{{.State}}` prints
// Go's `{running true false ...}` (fields in declaration order, zero values for
// what the JSON left out), a nil slice `[]`, a nil map `map[]`, a struct{} `{}`,
// a time.Time `2026-11-30 04:08:51.44 +0000 UTC` and a pointer nested in a
// value an address. A value gets its type by `annotate` (a WeakMap from the
// decoded JSON objects to their types), so the JSON itself is never changed.

export type GoType =
  | { k: 'string' | 'int' | 'bool' | 'time' | 'any' | 'empty' }
  | { k: 'ptr' | 'slice' | 'map'; elem: GoType }
  | { k: 'array'; elem: GoType; len: number }
  | { k: 'struct'; fields: GoField[] };

export interface GoField {
  /** The Go name templates use (`.ID`) */
  name: string;
  /** Its key in the JSON (`Id`) */
  json: string;
  type: GoType;
  /** An embedded struct: its fields sit in the same JSON object and are promoted. */
  embedded?: boolean;
}

export const STRING: GoType = { k: 'string' };
export const INT: GoType = { k: 'int' };
export const BOOL: GoType = { k: 'bool' };
export const TIME: GoType = { k: 'time' };
export const ANY: GoType = { k: 'any' };
/** struct{} (the values of ExposedPorts and Volumes) */
export const EMPTY: GoType = { k: 'empty' };
export const ptr = (elem: GoType): GoType => ({ k: 'ptr', elem });
export const slice = (elem: GoType): GoType => ({ k: 'slice', elem });
export const map = (elem: GoType): GoType => ({ k: 'map', elem });
export const array = (elem: GoType, len: number): GoType => ({ k: 'array', elem, len });
export const STRINGS = slice(STRING);
export const STRING_MAP = map(STRING);

/** Fields as [name, type] or [name, type, json key]; `embed(T)` for an embedded struct. */
export function struct(...fields: Array<[string, GoType, string?] | GoField>): GoType {
  return {
    k: 'struct',
    fields: fields.map((f) => (Array.isArray(f) ? { name: f[0], type: f[1], json: f[2] ?? f[0] } : f)),
  };
}

export function embed(name: string, type: GoType): GoField {
  return { name, json: '', type, embedded: true };
}

const types = new WeakMap<object, GoType>();

/** A time.Time value (a JSON RFC 3339 string that prints the Go way). */
export class GoTime {
  constructor(readonly iso: string) {}
  toJSON(): string {
    return this.iso;
  }
}

const structOf = (t: GoType): GoType | undefined =>
  t.k === 'ptr' ? structOf(t.elem) : t.k === 'struct' ? t : undefined;

/** Records the types of `value` and everything in it. */
export function annotate(value: unknown, type: GoType): void {
  if (value === null || typeof value !== 'object') return;
  const t = type.k === 'ptr' ? type.elem : type;
  types.set(value, t);
  if (t.k === 'struct') {
    for (const f of t.fields) {
      if (!f.embedded) annotate((value as Record<string, unknown>)[f.json], f.type);
      else annotateEmbedded(value as Record<string, unknown>, f.type);
    }
  } else if (t.k === 'slice' || t.k === 'array' || t.k === 'map') {
    for (const v of Object.values(value)) annotate(v, t.elem);
  }
}

/** An embedded struct's fields live in the embedding object itself. */
function annotateEmbedded(obj: Record<string, unknown>, type: GoType): void {
  const inner = structOf(type);
  if (inner?.k !== 'struct') return;
  for (const f of inner.fields) {
    if (!f.embedded) annotate(obj[f.json], f.type);
    else annotateEmbedded(obj, f.type);
  }
}

export function typeOf(value: unknown): GoType | undefined {
  return value !== null && typeof value === 'object' ? types.get(value) : undefined;
}

/** The field a template's `.Name` selects in a struct, promoted ones included (shallowest first, as Go). */
export function findField(t: GoType, name: string): GoField | undefined {
  const s = structOf(t);
  if (!s || s.k !== 'struct') return undefined;
  const direct = s.fields.find((f) => !f.embedded && f.name === name);
  if (direct) return direct;
  for (const f of s.fields) {
    if (!f.embedded) continue;
    if (f.name === name) return undefined; // selecting the embedded struct itself: not needed by docker's templates
    const inner = findField(f.type, name);
    if (inner) return inner;
  }
  return undefined;
}

/** The zero value of a type, typed (a struct's is an empty object that prints with zero fields). */
export function zero(t: GoType): unknown {
  switch (t.k) {
    case 'string':
      return '';
    case 'int':
      return 0;
    case 'bool':
      return false;
    case 'time':
      return new GoTime('0001-01-01T00:00:00Z');
    case 'array': {
      const a = Array.from({ length: t.len }, () => zero(t.elem));
      types.set(a, t);
      return a;
    }
    case 'struct':
    case 'empty': {
      const o = {};
      types.set(o, t);
      return o;
    }
    default:
      return null;
  }
}

/** A field's value as the typed struct holds it (JSON left it out: the zero value). */
export function fieldValue(obj: Record<string, unknown>, f: GoField): unknown {
  const v = obj[f.json];
  if (f.type.k === 'time') return typeof v === 'string' ? new GoTime(v) : zero(TIME);
  return v === undefined ? zero(f.type) : v;
}

/** Go's time.Time String(): "2026-11-30 04:08:51.440687102 +0000 UTC". */
export function formatGoTime(iso: string): string {
  const m = /^(\d{4,}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!m) return iso;
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const zone = m[4] === 'Z' ? '+0000 UTC' : `${m[4].replace(':', '')} ${m[4].replace(':', '')}`;
  return `${m[1]} ${m[2]}${frac ? `.${frac}` : ''} ${zone}`;
}

// fmt prints a pointer nested in a value as its address; these are stand-ins
// (the real ones differ on every run anyway).
let nextAddress = 0xc000010000;
const address = () => `0x${(nextAddress += 0x60).toString(16)}`;

/** Go's fmt %v of a value of type t; depth > 0 inside a struct, map or slice. */
export function formatGo(v: unknown, t: GoType | undefined, untyped: (v: unknown) => string, depth = 0): string {
  if (v instanceof GoTime) return formatGoTime(v.iso);
  t ??= typeOf(v);
  if (!t) return untyped(v);
  switch (t.k) {
    case 'ptr':
      if (v === null || v === undefined) return '<nil>';
      return depth > 0 ? address() : formatGo(v, t.elem, untyped, depth);
    case 'time':
      return formatGoTime(typeof v === 'string' ? v : '0001-01-01T00:00:00Z');
    case 'empty':
      return '{}';
    case 'string':
    case 'int':
    case 'bool':
      return String(v ?? zero(t));
    case 'any':
      return v === null || v === undefined ? '<nil>' : untyped(v);
    case 'slice':
    case 'array': {
      const items = Array.isArray(v) ? v : t.k === 'array' ? (zero(t) as unknown[]) : [];
      return `[${items.map((x) => formatGo(x, t.elem, untyped, depth + 1)).join(' ')}]`;
    }
    case 'map': {
      const o = (v ?? {}) as Record<string, unknown>;
      return `map[${Object.keys(o)
        .sort()
        .map((k) => `${k}:${formatGo(o[k], t.elem, untyped, depth + 1)}`)
        .join(' ')}]`;
    }
    case 'struct': {
      const o = (v ?? {}) as Record<string, unknown>;
      const parts = t.fields.map((f) =>
        f.embedded && f.type.k === 'struct'
          ? formatGo(o, f.type, untyped, depth + 1)
          : formatGo(f.embedded ? o : fieldValue(o, f), f.type, untyped, depth + 1),
      );
      return `{${parts.join(' ')}}`;
    }
  }
}
