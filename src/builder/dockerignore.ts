// .dockerignore as Docker reads it: one pattern per line, `#` comments, paths
// cleaned and taken relative to the context root, `!` re-includes, `**` spans
// directories, and the last pattern that matches a path (or one of its parent
// directories) decides.
import path from 'node:path';

interface Pattern {
  re: RegExp;
  exclusion: boolean;
}

/** filepath.Match syntax (plus `**`) as a regular expression over a slash-separated path. */
export function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?'; // "**/": zero or more directories
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\(?!.)/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseDockerignore(text: string): Pattern[] {
  const out: Pattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const exclusion = line.startsWith('!');
    if (exclusion) line = line.slice(1).trim();
    line = path.posix.normalize(line).replace(/^\/+/, '').replace(/\/+$/, '');
    if (!line || line === '.') continue;
    out.push({ re: globRegExp(line), exclusion });
  }
  return out;
}

export class IgnoreMatcher {
  private readonly patterns: Pattern[];
  constructor(text = '') {
    this.patterns = parseDockerignore(text);
  }

  /** Whether a context-relative path (slash-separated, no leading slash) is left out. */
  ignores(rel: string): boolean {
    if (!this.patterns.length) return false;
    const parts = rel.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const p of this.patterns) {
      if (prefixes.some((x) => p.re.test(x))) ignored = !p.exclusion;
    }
    return ignored;
  }

  /** Whether some `!` pattern could re-include something under this directory (so it must be walked). */
  hasExclusions(): boolean {
    return this.patterns.some((p) => p.exclusion);
  }
}
