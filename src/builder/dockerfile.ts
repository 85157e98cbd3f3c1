// The Dockerfile parser: parser directives, comments, line continuations with
// the escape character, one instruction per logical line with its flags
// (--from=, --chown=) and its JSON or plain form, as Docker's parser reads them.
// Written here because no maintained JavaScript parser follows Docker's rules.

export const INSTRUCTIONS = [
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
] as const;
export type InstructionName = (typeof INSTRUCTIONS)[number];

/** Instructions whose arguments may be a JSON array (the exec form). */
const JSON_FORM = new Set<InstructionName>(['ADD', 'CMD', 'COPY', 'ENTRYPOINT', 'RUN', 'SHELL', 'VOLUME']);

export interface Instruction {
  name: InstructionName;
  /** The logical line as written (continuations joined), for "Step N/M : ...". */
  original: string;
  /** 1-based line where the instruction begins. */
  line: number;
  flags: Record<string, string>;
  /** The argument text after the flags (continuations joined, comments removed). */
  rest: string;
  /** The exec form's words, when the arguments are a JSON array of strings. */
  json?: string[];
}

export class DockerfileParseError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`dockerfile parse error line ${line}: ${message}`);
  }
}

export interface Dockerfile {
  escape: string;
  instructions: Instruction[];
}

/** Parser directives (`# escape=`), read only before the first other line. */
function directives(lines: string[]): { escape: string; skip: number } {
  let escape = '\\';
  let i = 0;
  const seen = new Set<string>();
  for (; i < lines.length; i++) {
    const m = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/.exec(lines[i]);
    if (!m) break;
    const key = m[1].toLowerCase();
    if (seen.has(key)) throw new DockerfileParseError(i + 1, `only one ${key} parser directive can be used`);
    seen.add(key);
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`')
        throw new DockerfileParseError(i + 1, `invalid escape token '${m[2]}' does not match ` + '` or \\');
      escape = m[2];
    }
  }
  return { escape, skip: i };
}

/** Splits leading `--name=value` flags off an instruction's arguments. */
function splitFlags(rest: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let s = rest;
  for (
    let m = /^--([a-zA-Z][a-zA-Z-]*)(?:=(\S*))?(?:\s+|$)/.exec(s);
    m;
    m = /^--([a-zA-Z][a-zA-Z-]*)(?:=(\S*))?(?:\s+|$)/.exec(s)
  ) {
    flags[m[1]] = m[2] ?? 'true';
    s = s.slice(m[0].length);
  }
  return { flags, rest: s };
}

function jsonForm(rest: string): string[] | undefined {
  const t = rest.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    /* not JSON: the plain form */
  }
  return undefined;
}

/** One logical line (an ONBUILD trigger is one too). */
export function parseInstruction(logical: string, line: number, original = logical.trim()): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(logical.trim());
  if (!m) throw new DockerfileParseError(line, 'empty instruction');
  const name = m[1].toUpperCase();
  if (!(INSTRUCTIONS as readonly string[]).includes(name))
    throw new DockerfileParseError(line, `unknown instruction: ${name}`);
  const inst = name as InstructionName;
  const { flags, rest } = splitFlags(m[2]);
  const json = JSON_FORM.has(inst) ? jsonForm(rest) : undefined;
  return { name: inst, original, line, flags, rest: rest.trim(), json };
}

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { escape, skip } = directives(lines);
  const instructions: Instruction[] = [];
  const continued = (l: string) => l.replace(/\s+$/, '').endsWith(escape);
  for (let i = skip; i < lines.length; i++) {
    const first = lines[i];
    if (/^\s*(#|$)/.test(first)) continue;
    const start = i;
    let logical = first.replace(/^\s+/, '');
    let original = first.trim();
    // continuation lines: comment and empty lines inside them are dropped, as Docker does
    while (continued(logical)) {
      logical = logical.replace(/\s+$/, '').slice(0, -1);
      original = original.replace(/\s+$/, '').slice(0, -1);
      let next: string | undefined;
      while (++i < lines.length) {
        next = lines[i];
        if (!/^\s*(#|$)/.test(next)) break;
        next = undefined;
      }
      if (next === undefined) break;
      logical += next;
      original += next;
    }
    if (logical.trim()) instructions.push(parseInstruction(logical, start + 1, original));
  }
  return { escape, instructions };
}
