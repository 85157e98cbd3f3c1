// The subset of Go's text/template that docker's --format strings use:
// fields, variables, pipelines, if/else/range/with, and docker's functions
// (json, join, split, lower, upper, title, truncate, pad, println, index, len,
// printf, eq/ne/lt/le/gt/ge, and/or/not). No library reproduces Go's
// template semantics, so this is a small interpreter of our own.
import { invalidArgument } from '../../errdefs';
import { goJson } from '../../util/gojson';

type Node =
  | { t: 'text'; s: string }
  | { t: 'action'; p: Pipeline }
  | { t: 'if' | 'with'; p: Pipeline; body: Node[]; else?: Node[] }
  | { t: 'range'; p: Pipeline; vars: string[]; body: Node[]; else?: Node[] };
type Pipeline = { decl: string[]; cmds: Arg[][] };
type Arg =
  | { k: 'field'; base: 'dot' | string; path: string[]; pos: number }
  | { k: 'lit'; v: unknown }
  | { k: 'ident'; name: string }
  | { k: 'sub'; p: Pipeline };

const templateError = (msg: string) => invalidArgument(`template parsing error: template: :1: ${msg}`);

interface Tok {
  s: string;
  /** Offset in the whole template, for Go-style error positions. */
  pos: number;
}

function tokenize(action: string, base: number): Tok[] {
  const toks: Tok[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)'|\(|\)|\||:=|,|=|[^\s()|,=]+)/y;
  let m: RegExpExecArray | null;
  while ((m = re.exec(action)) && m[1] !== undefined) toks.push({ s: m[1], pos: base + m.index + m[0].length - m[1].length });
  return toks;
}

function parseArg(t: Tok): Arg {
  const tok = t.s;
  if (tok.startsWith('"')) return { k: 'lit', v: JSON.parse(tok) };
  if (tok.startsWith('`')) return { k: 'lit', v: tok.slice(1, -1) };
  if (/^-?\d+(\.\d+)?$/.test(tok)) return { k: 'lit', v: Number(tok) };
  if (tok === 'true' || tok === 'false') return { k: 'lit', v: tok === 'true' };
  if (tok === 'nil') return { k: 'lit', v: null };
  if (tok === '.') return { k: 'field', base: 'dot', path: [], pos: t.pos };
  if (tok.startsWith('.')) return { k: 'field', base: 'dot', path: tok.slice(1).split('.'), pos: t.pos };
  if (tok.startsWith('$')) {
    const [v, ...path] = tok.split('.');
    return { k: 'field', base: v, path, pos: t.pos + v.length };
  }
  return { k: 'ident', name: tok };
}

function parsePipeline(toks: Tok[]): Pipeline {
  let i = 0;
  const decl: string[] = [];
  const declEnd = toks.findIndex((t) => t.s === ':=');
  if (declEnd > 0 && toks.slice(0, declEnd).every((t) => t.s.startsWith('$') || t.s === ',')) {
    for (const t of toks.slice(0, declEnd)) if (t.s !== ',') decl.push(t.s);
    i = declEnd + 1;
  }
  const parseCmds = (): Arg[][] => {
    const cmds: Arg[][] = [[]];
    while (i < toks.length) {
      const t = toks[i++];
      if (t.s === ')') return cmds;
      if (t.s === '|') cmds.push([]);
      else if (t.s === '(') cmds[cmds.length - 1].push({ k: 'sub', p: { decl: [], cmds: parseCmds() } });
      else cmds[cmds.length - 1].push(parseArg(t));
    }
    return cmds;
  };
  const cmds = parseCmds();
  if (cmds.some((c) => c.length === 0)) throw templateError('missing value for command');
  return { decl, cmds };
}

export function parseTemplate(src: string): Node[] {
  const root: Node[] = [];
  const stack: Array<{ node: Node & { body: Node[]; else?: Node[] }; inElse: boolean }> = [];
  const out = () => {
    const top = stack[stack.length - 1];
    return top ? (top.inElse ? (top.node.else ??= []) : top.node.body) : root;
  };
  let pos = 0;
  let trimNext = false;
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    let text = open < 0 ? src.slice(pos) : src.slice(pos, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) out().push({ t: 'text', s: text });
      break;
    }
    const close = src.indexOf('}}', open);
    if (close < 0) throw templateError('unclosed action');
    let inner = src.slice(open + 2, close);
    let innerStart = open + 2;
    if (inner.startsWith('-')) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
      innerStart++;
    }
    if (inner.endsWith('-')) {
      trimNext = true;
      inner = inner.slice(0, -1);
    }
    if (text) out().push({ t: 'text', s: text });
    pos = close + 2;
    if (inner.trim().startsWith('/*')) continue;
    const toks = tokenize(inner, innerStart);
    const kw = toks[0]?.s;
    if (kw === 'if' || kw === 'with' || kw === 'range') {
      const p = parsePipeline(toks.slice(1));
      const node =
        kw === 'range'
          ? ({ t: 'range', p: { decl: [], cmds: p.cmds }, vars: p.decl, body: [] } as Node & { body: Node[] })
          : ({ t: kw, p, body: [] } as Node & { body: Node[] });
      out().push(node);
      stack.push({ node, inElse: false });
    } else if (kw === 'else') {
      const top = stack[stack.length - 1];
      if (!top) throw templateError('unexpected {{else}}');
      if (toks[1]?.s === 'if') {
        // else if: nest an if in the else branch, closed by the same {{end}}
        const node = { t: 'if', p: parsePipeline(toks.slice(2)), body: [] } as Node & { body: Node[] };
        top.inElse = true;
        out().push(node);
        stack.push({ node: Object.assign(node, { chained: true }), inElse: false });
      } else top.inElse = true;
    } else if (kw === 'end') {
      if (!stack.length) throw templateError('unexpected {{end}}');
      while ((stack.pop()!.node as { chained?: boolean }).chained);
    } else {
      out().push({ t: 'action', p: parsePipeline(toks) });
    }
  }
  if (stack.length) throw templateError('unexpected EOF');
  return root;
}

/** Go's fmt %v for values decoded from JSON or built by formatters. */
export function goPrint(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v as object).sort();
    return `map[${keys.map((k) => `${k}:${goPrint((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  }
  return String(v);
}

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

const NO_VALUE = Symbol('no value');
// a null where Go has a typed nil slice or map: fmt prints "[]" or "map[]" for those
const NIL_SLICE = Symbol('nil slice');
const NIL_MAP = Symbol('nil map');
/** A value as functions and conditions see it (the markers are Go's nil). */
const plain = (x: unknown): unknown => (x === NO_VALUE ? undefined : x === NIL_SLICE || x === NIL_MAP ? null : x);

function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase());
}

function sprintf(fmt: string, args: unknown[]): string {
  let i = 0;
  return fmt.replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([vsdqxf%])/g, (_m, fl: string, w: string, prec: string, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    let s: string;
    if (verb === 'q') s = JSON.stringify(String(a));
    else if (verb === 'd') s = String(Math.trunc(Number(a)));
    else if (verb === 'x') s = typeof a === 'number' ? a.toString(16) : Buffer.from(String(a)).toString('hex');
    else if (verb === 'f') s = Number(a).toFixed(prec ? Number(prec) : 6);
    else s = goPrint(a);
    const width = Number(w || 0);
    return fl.includes('-') ? s.padEnd(width) : s.padStart(width);
  });
}

const FUNCS: Record<string, (...a: unknown[]) => unknown> = {
  json: (v) => goJson(v),
  join: (a, sep) => (Array.isArray(a) ? a.map(goPrint).join(String(sep)) : goPrint(a)),
  split: (s, sep) => String(s).split(String(sep)),
  lower: (s) => String(s).toLowerCase(),
  upper: (s) => String(s).toUpperCase(),
  title: (s) => title(String(s)),
  truncate: (s, n) => [...String(s)].slice(0, Number(n)).join(''),
  pad: (s, l, r) => ' '.repeat(Number(l)) + String(s) + ' '.repeat(Number(r)),
  println: (...a) => `${a.map(goPrint).join(' ')}\n`,
  print: (...a) => a.map(goPrint).join(''),
  printf: (f, ...a) => sprintf(String(f), a),
  len: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  index: (v, ...keys) => keys.reduce((o: unknown, k) => (o == null ? undefined : (o as Record<string, unknown>)[String(k)]), v),
  eq: (a, ...b) => b.some((x) => x === a),
  ne: (a, b) => a !== b,
  lt: (a, b) => (a as number) < (b as number),
  le: (a, b) => (a as number) <= (b as number),
  gt: (a, b) => (a as number) > (b as number),
  ge: (a, b) => (a as number) >= (b as number),
  not: (a) => !truthy(a),
  and: (...a) => a.find((x) => !truthy(x)) ?? a[a.length - 1],
  or: (...a) => a.find((x) => truthy(x)) ?? a[a.length - 1],
};

export interface TemplateOptions {
  /** Every missing field prints "<no value>" (table headers). */
  lenient?: boolean;
  /**
   * The Go type behind a path of the data, where it is a map or a slice. Inspect's
   * rules: a missing key of a map prints "<no value>", of anything else it is an
   * error, worded as Go's missingkey=error; a null map prints "map[]", a null slice "[]".
   */
  shapeOf?: (path: string[]) => 'map' | 'slice' | undefined;
}

export function execTemplate(nodes: Node[], data: unknown, opts: TemplateOptions = {}): string {
  let out = '';
  const vars = new Map<string, unknown>([['$', data]]);
  // where an object sits in the data, so `with`/`range` bodies still know map from struct
  const dotPath = new WeakMap<object, string[]>();
  const field = (obj: unknown, path: string[], whole: string, pos: number, rootPath: string[] = []): unknown => {
    let v = obj;
    let col = pos;
    for (let i = 0; i < path.length; i++) {
      const p = path[i];
      const at = `template: :1:${col}: executing "" at <${whole}>`;
      col += p.length + 1;
      if (v === null || v === undefined) {
        if (opts.lenient || opts.shapeOf) return NO_VALUE;
        throw invalidArgument(`${at}: nil pointer evaluating interface {}.${p}`);
      }
      if (typeof v !== 'object' || !(p in (v as object))) {
        if (opts.lenient && typeof v === 'object') return NO_VALUE;
        if (opts.shapeOf && typeof v === 'object') {
          if (opts.shapeOf([...rootPath, ...path.slice(0, i)]) === 'map') return NO_VALUE;
          throw invalidArgument(`${at}: map has no entry for key "${p}"`);
        }
        throw invalidArgument(`${at}: can't evaluate field ${p}`);
      }
      v = (v as Record<string, unknown>)[p];
      if (typeof v === 'function') v = (v as () => unknown).call(obj);
    }
    if ((v === null || v === undefined) && opts.shapeOf) {
      const shape = opts.shapeOf([...rootPath, ...path]);
      if (shape) return shape === 'map' ? NIL_MAP : NIL_SLICE;
    }
    if (v && typeof v === 'object') dotPath.set(v, [...rootPath, ...path]);
    return v;
  };
  const evalArg = (a: Arg, dot: unknown): unknown => {
    switch (a.k) {
      case 'lit':
        return a.v;
      case 'sub':
        return evalPipe(a.p, dot);
      case 'field': {
        const base = a.base === 'dot' ? dot : vars.get(a.base);
        if (a.base !== 'dot' && !vars.has(a.base)) throw templateError(`undefined variable "${a.base}"`);
        return field(base, a.path, a.base === 'dot' ? `.${a.path.join('.')}` : [a.base, ...a.path].join('.'), a.pos, a.base === 'dot' && dot && typeof dot === 'object' ? dotPath.get(dot) ?? [] : []);
      }
      case 'ident': {
        const f = FUNCS[a.name];
        if (!f) throw templateError(`function "${a.name}" not defined`);
        return f();
      }
    }
  };
  const evalPipe = (p: Pipeline, dot: unknown): unknown => {
    let prev: unknown = undefined;
    let first = true;
    for (const cmd of p.cmds) {
      const [head, ...rest] = cmd;
      let v: unknown;
      if (head.k === 'ident') {
        const f = FUNCS[head.name];
        if (!f) throw templateError(`function "${head.name}" not defined`);
        const args = rest.map((r) => plain(evalArg(r, dot)));
        if (!first) args.push(plain(prev));
        v = f(...args);
      } else {
        if (rest.length) throw templateError(`can't give argument to non-function ${JSON.stringify(head)}`);
        v = evalArg(head, dot);
      }
      prev = v;
      first = false;
    }
    if (p.decl.length === 1) vars.set(p.decl[0], prev);
    return prev;
  };
  const run = (ns: Node[], dot: unknown) => {
    for (const n of ns) {
      switch (n.t) {
        case 'text':
          out += n.s;
          break;
        case 'action': {
          const v = evalPipe(n.p, dot);
          if (n.p.decl.length === 0) out += v === NO_VALUE ? '<no value>' : v === NIL_SLICE ? '[]' : v === NIL_MAP ? 'map[]' : goPrint(v);
          break;
        }
        case 'if': {
          const v = evalPipe(n.p, dot);
          run(truthy(plain(v)) ? n.body : n.else ?? [], dot);
          break;
        }
        case 'with': {
          const v = evalPipe(n.p, dot);
          if (truthy(plain(v))) run(n.body, v);
          else run(n.else ?? [], dot);
          break;
        }
        case 'range': {
          const v = plain(evalPipe(n.p, dot));
          const entries: Array<[unknown, unknown]> = Array.isArray(v)
            ? v.map((x, i) => [i, x])
            : v && typeof v === 'object'
              ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])
              : [];
          if (entries.length === 0) run(n.else ?? [], dot);
          for (const [k, x] of entries) {
            if (n.vars.length === 1) vars.set(n.vars[0], x);
            if (n.vars.length === 2) {
              vars.set(n.vars[0], k);
              vars.set(n.vars[1], x);
            }
            run(n.body, x);
          }
          break;
        }
      }
    }
  };
  run(nodes, data);
  return out;
}

export function renderTemplate(src: string, data: unknown, opts?: TemplateOptions): string {
  return execTemplate(parseTemplate(src), data, opts);
}
