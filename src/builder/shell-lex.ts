// Variable expansion in Dockerfile arguments as Docker's shell lexer does it:
// $VAR, ${VAR}, ${VAR:-word}, ${VAR:+word}, ${VAR-word}, ${VAR+word}; single
// quotes keep text literal, double quotes group words, the escape character
// takes the next character literally. Quotes are removed from the result.
import { invalidArgument } from '../errdefs';

export type Vars = (name: string) => string | undefined;

export function varsOf(env: string[] | Record<string, string>): Vars {
  const map = new Map<string, string>();
  if (Array.isArray(env)) {
    for (const e of env) {
      const eq = e.indexOf('=');
      map.set(eq < 0 ? e : e.slice(0, eq), eq < 0 ? '' : e.slice(eq + 1));
    }
  } else for (const [k, v] of Object.entries(env)) map.set(k, v);
  return (name) => map.get(name);
}

class Lexer {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly vars: Vars,
    private readonly escape: string,
  ) {}

  /** All words (split on unquoted whitespace); with `one`, the whole text as one word. */
  words(one: boolean): string[] {
    const out: string[] = [];
    let cur = '';
    let inWord = false;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (!one && /\s/.test(c)) {
        if (inWord) out.push(cur);
        cur = '';
        inWord = false;
        this.i++;
        continue;
      }
      inWord = true;
      if (c === this.escape) {
        this.i++;
        if (this.i < this.s.length) cur += this.s[this.i++];
        else cur += c;
      } else if (c === "'") cur += this.single();
      else if (c === '"') cur += this.double();
      else if (c === '$') cur += this.dollar();
      else {
        cur += c;
        this.i++;
      }
    }
    if (inWord) out.push(cur);
    return out;
  }

  private single(): string {
    const end = this.s.indexOf("'", this.i + 1);
    if (end < 0) throw invalidArgument('unexpected end of statement while looking for matching single-quote');
    const v = this.s.slice(this.i + 1, end);
    this.i = end + 1;
    return v;
  }

  private double(): string {
    let v = '';
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '"') {
        this.i++;
        return v;
      }
      if (
        c === this.escape &&
        this.i + 1 < this.s.length &&
        (this.s[this.i + 1] === '"' || this.s[this.i + 1] === '$' || this.s[this.i + 1] === this.escape)
      ) {
        v += this.s[this.i + 1];
        this.i += 2;
      } else if (c === '$') v += this.dollar();
      else {
        v += c;
        this.i++;
      }
    }
    throw invalidArgument('unexpected end of statement while looking for matching double-quote');
  }

  private dollar(): string {
    this.i++; // the $
    const rest = this.s.slice(this.i);
    const plain = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (plain) {
      this.i += plain[0].length;
      return this.vars(plain[0]) ?? '';
    }
    if (!rest.startsWith('{')) return '$';
    this.i++;
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i))?.[0];
    if (!name) throw invalidArgument(`bad substitution: \${${this.s.slice(this.i)}`);
    this.i += name.length;
    const value = this.vars(name);
    if (this.s[this.i] === '}') {
      this.i++;
      return value ?? '';
    }
    if (this.i >= this.s.length) throw invalidArgument(`missing '}' in substitution of ${name}`);
    const op = /^(:?[-+])/.exec(this.s.slice(this.i))?.[1];
    if (!op) throw invalidArgument(`unsupported modifier (${this.s[this.i] ?? ''}) in substitution`);
    this.i += op.length;
    // the word up to the matching }: itself expanded
    let depth = 1;
    let j = this.i;
    for (; j < this.s.length; j++) {
      if (this.s[j] === this.escape) j++;
      else if (this.s[j] === '{') depth++;
      else if (this.s[j] === '}' && --depth === 0) break;
    }
    if (j >= this.s.length) throw invalidArgument(`missing '}' in substitution of ${name}`);
    const word = new Lexer(this.s.slice(this.i, j), this.vars, this.escape).words(true)[0] ?? '';
    this.i = j + 1;
    const set = op.startsWith(':') ? !!value : value !== undefined;
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- set means value is defined
    return op.endsWith('-') ? (set ? value! : word) : set ? word : '';
  }
}

/** The text as one word, variables expanded and quotes removed. */
export function expandWord(s: string, vars: Vars, escape = '\\'): string {
  return new Lexer(s, vars, escape).words(true)[0] ?? '';
}

/** The text split into words on unquoted whitespace, each expanded. */
export function expandWords(s: string, vars: Vars, escape = '\\'): string[] {
  return new Lexer(s, vars, escape).words(false);
}
