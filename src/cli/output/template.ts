// The subset of Go's text/template that docker's --format strings use:
// fields, variables, pipelines, if/else/range/with, and docker's functions
// (json, join, split, lower, upper, title, truncate, pad, println, index, len,
// printf, eq/ne/lt/le/gt/ge, and/or/not). No library reproduces Go's
// template semantics, so this is a small interpreter of our own.
import { invalidArgument, cliError } from '../../errdefs';
import { goJson } from '../../util/gojson';
import { annotate, fieldValue, findField, formatGo, GoTime, typeOf, type GoType } from './gotype';

type Node =
  | { t: 'text'; s: string }
  | { t: 'action'; p: Pipeline }
  | { t: 'if' | 'with'; p: Pipeline; body: Node[]; else?: Node[] }
  | { t: 'range'; p: Pipeline; vars: string[]; body: Node[]; else?: Node[] };
type Pipeline = { decl: string[]; cmds: Arg[][] };
type Arg =
  | { k: 'field'; base: string /* 'dot' or a $variable */; path: string[]; pos: number }
  | { k: 'lit'; v: unknown }
  | { k: 'ident'; name: string }
  | { k: 'sub'; p: Pipeline }
  /** `(pipeline).Field.Other` */
  | { k: 'chain'; base: Arg; path: string[]; pos: number };

// printed as docker prints them: no "Error:" in front
const templateError = (msg: string) => cliError(`template parsing error: template: :1: ${msg}`);

interface Tok {
  s: string;
  /** Offset in the whole template, for Go-style error positions. */
  pos: number;
}

function tokenize(action: string, base: number): Tok[] {
  const toks: Tok[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)'|\(|\)|\||:=|,|=|[^\s()|,=]+)/y;
  let m: RegExpExecArray | null;
  while ((m = re.exec(action)) && m[1] !== undefined)
    toks.push({ s: m[1], pos: base + m.index + m[0].length - m[1].length });
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
  // as Go's parser: an unknown function is a parse error, before anything runs
  if (!(tok in FUNCS)) throw templateError(`function "${tok}" not defined`);
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
      else if (t.s === '(') {
        const sub: Arg = { k: 'sub', p: { decl: [], cmds: parseCmds() } };
        // a field chain right after the closing parenthesis applies to its result
        const close = toks[i - 1];
        const next = toks[i];
        if (next && next.s.startsWith('.') && next.s.length > 1 && next.pos === close.pos + 1) {
          i++;
          cmds[cmds.length - 1].push({ k: 'chain', base: sub, path: next.s.slice(1).split('.'), pos: next.pos });
        } else cmds[cmds.length - 1].push(sub);
      } else cmds[cmds.length - 1].push(parseArg(t));
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
      if (toks.length === 1) throw templateError(`missing value for ${kw}`);
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
      while ((stack.pop()?.node as { chained?: boolean } | undefined)?.chained);
    } else {
      out().push({ t: 'action', p: parsePipeline(toks) });
    }
  }
  if (stack.length) throw templateError('unexpected EOF');
  return root;
}

/**
 * How values print: "typed" as the docker CLI's typed structs (gotype.ts),
 * "raw" as its fallback on the decoded JSON (a map[string]interface{}, where a
 * null is "<no value>"), "plain" for the formatters of `images`, `ps`, ...
 * Set for the duration of one (synchronous) execution.
 */
type Mode = 'typed' | 'raw' | 'plain';
let printMode: Mode = 'plain';

function untypedPrint(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goPrint((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  }
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only a bigint, symbol or function is left
  return String(v);
}

/** Go's fmt %v of a value (typed ones as their Go type, see gotype.ts). */
export function goPrint(v: unknown): string {
  return printMode === 'typed' ? formatGo(v, undefined, untypedPrint) : untypedPrint(v instanceof GoTime ? v.iso : v);
}

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof GoTime) return true;
  if (typeof v === 'object') {
    const t = printMode === 'typed' ? typeOf(v) : undefined;
    return t?.k === 'struct' || t?.k === 'empty' || Object.keys(v).length > 0;
  }
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

/** Go's fmt.Sprintf for the verbs templates use: v s q d x X f e t, flags - + 0, width and precision. */
function sprintf(fmt: string, args: unknown[]): string {
  let i = 0;
  return fmt.replace(
    /%([-+ 0#]*)(\d*)(?:\.(\d*))?([vsdqxXfet%])/g,
    (_m, fl: string, w: string, precStr: string | undefined, verb: string) => {
      if (verb === '%') return '%';
      if (i >= args.length) return `%!${verb}(MISSING)`;
      const a = args[i++];
      const prec = precStr === undefined ? undefined : Number(precStr || 0);
      let s: string;
      let numeric = false;
      switch (verb) {
        case 'q':
          s = JSON.stringify(goPrint(a));
          break;
        case 'd':
          s = String(Math.trunc(Number(a)));
          numeric = true;
          break;
        case 'x':
        case 'X':
          s = typeof a === 'number' ? Math.trunc(a).toString(16) : Buffer.from(goPrint(a)).toString('hex');
          if (verb === 'X') s = s.toUpperCase();
          numeric = typeof a === 'number';
          break;
        case 'f':
          s = Number(a).toFixed(prec ?? 6);
          numeric = true;
          break;
        case 'e':
          s = Number(a)
            .toExponential(prec ?? 6)
            .replace(/e([+-])(\d)$/, 'e$10$2');
          numeric = true;
          break;
        case 't':
          s = typeof a === 'boolean' ? String(a) : `%!t(${goPrint(a)})`;
          break;
        default:
          s = goPrint(a);
          if (prec !== undefined) s = Array.from(s).slice(0, prec).join('');
      }
      if (numeric && fl.includes('+') && !s.startsWith('-')) s = `+${s}`;
      const width = Number(w || 0);
      if (fl.includes('-')) return s.padEnd(width);
      if (numeric && fl.includes('0') && s.length < width) {
        const sign = /^[+-]/.test(s) ? s[0] : '';
        return sign + s.slice(sign.length).padStart(width - sign.length, '0');
      }
      return s.padStart(width);
    },
  );
}

const FUNCS: Record<string, (...a: unknown[]) => unknown> = {
  json: (v) => goJson(v),
  join: (a, sep) => (Array.isArray(a) ? a.map(goPrint).join(String(sep)) : goPrint(a)),
  split: (s, sep) => String(s).split(String(sep)),
  lower: (s) => String(s).toLowerCase(),
  upper: (s) => String(s).toUpperCase(),
  title: (s) => title(String(s)),
  truncate: (s, n) => Array.from(String(s)).slice(0, Number(n)).join(''),
  pad: (s, l, r) => ' '.repeat(Number(l)) + String(s) + ' '.repeat(Number(r)),
  println: (...a) => `${a.map(goPrint).join(' ')}\n`,
  print: (...a) => a.map(goPrint).join(''),
  printf: (f, ...a) => sprintf(String(f), a),
  len: (v) =>
    Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0,
  index: (v, ...keys) =>
    keys.reduce((o: unknown, k) => (o == null ? undefined : (o as Record<string, unknown>)[String(k)]), v),
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
   * The Go type of the data (inspect). As the docker CLI, the template runs
   * on the typed value first (unknown field: an error; missing map key:
   * "<no value>"; nil slice "[]", nil map "map[]"); if that fails in any way,
   * it runs again on the plain JSON with missingkey=error, and that run's
   * output or error is the result.
   */
  type?: GoType;
}

function execMode(nodes: Node[], data: unknown, mode: Mode, lenient: boolean): string {
  let out = '';
  const vars = new Map<string, unknown>([['$', data]]);
  const field = (obj: unknown, path: string[], whole: string, pos: number): unknown => {
    let v = obj;
    let type: GoType | undefined;
    let col = pos;
    for (let i = 0; i < path.length; i++) {
      const p = path[i];
      const at = `template: :1:${col}: executing "" at <${whole}>`;
      col += p.length + 1;
      if (v === NO_VALUE && mode === 'typed') throw invalidArgument(`${at}: nil data; no entry for key "${p}"`);
      if (v === null || v === undefined || v === NO_VALUE) {
        if (lenient) return NO_VALUE;
        throw invalidArgument(`${at}: nil pointer evaluating interface {}.${p}`);
      }
      const t = mode === 'typed' ? typeOf(v) : undefined;
      if (t?.k === 'struct') {
        const f = findField(t, p);
        if (!f) throw invalidArgument(`${at}: can't evaluate field ${p}`);
        v = fieldValue(v as Record<string, unknown>, f);
        type = f.type;
        continue;
      }
      type = t?.k === 'map' ? t.elem : undefined;
      if (typeof v !== 'object' || Array.isArray(v) || t || !(p in v)) {
        const isMap = typeof v === 'object' && !Array.isArray(v) && (!t || t.k === 'map');
        if (isMap && (lenient || mode === 'typed')) {
          v = (v as Record<string, unknown>)[p];
          if (v === undefined) v = NO_VALUE;
          continue;
        }
        if (isMap && mode === 'raw') throw invalidArgument(`${at}: map has no entry for key "${p}"`);
        throw invalidArgument(`${at}: can't evaluate field ${p}`);
      }
      v = (v as Record<string, unknown>)[p];
      if (typeof v === 'function') v = (v as () => unknown).call(obj);
    }
    if (v === null || v === undefined) {
      if (mode === 'raw') return NO_VALUE;
      if (type?.k === 'slice') return NIL_SLICE;
      if (type?.k === 'map') return NIL_MAP;
    }
    return v;
  };
  const evalArg = (a: Arg, dot: unknown): unknown => {
    switch (a.k) {
      case 'lit':
        return a.v;
      case 'sub':
        return evalPipe(a.p, dot);
      case 'chain':
        return field(plain(evalArg(a.base, dot)), a.path, `(...).${a.path.join('.')}`, a.pos);
      case 'field': {
        const base = a.base === 'dot' ? dot : vars.get(a.base);
        if (a.base !== 'dot' && !vars.has(a.base)) throw templateError(`undefined variable "${a.base}"`);
        return field(base, a.path, a.base === 'dot' ? `.${a.path.join('.')}` : [a.base, ...a.path].join('.'), a.pos);
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
        if (rest.length)
          throw templateError(
            `can't give argument to non-function ${head.k === 'field' ? `.${head.path.join('.')}` : 'value'}`,
          );
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
          if (n.p.decl.length === 0)
            out += v === NO_VALUE ? '<no value>' : v === NIL_SLICE ? '[]' : v === NIL_MAP ? 'map[]' : goPrint(v);
          break;
        }
        case 'if': {
          const v = evalPipe(n.p, dot);
          run(truthy(plain(v)) ? n.body : (n.else ?? []), dot);
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
              ? Object.keys(v)
                  .sort()
                  .map((k) => [k, (v as Record<string, unknown>)[k]])
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
  const saved = printMode;
  printMode = mode;
  try {
    run(nodes, data);
  } finally {
    printMode = saved;
  }
  return out;
}

export function execTemplate(nodes: Node[], data: unknown, opts: TemplateOptions = {}): string {
  if (!opts.type) return execMode(nodes, data, 'plain', !!opts.lenient);
  annotate(data, opts.type);
  try {
    return execMode(nodes, data, 'typed', false);
  } catch {
    // as the docker CLI: any failure of the typed run falls back to the raw JSON, whose output or error stands
    return execMode(nodes, data, 'raw', false);
  }
}

export function renderTemplate(src: string, data: unknown, opts?: TemplateOptions): string {
  return execTemplate(parseTemplate(src), data, opts);
}
