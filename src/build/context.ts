// The build context: a directory (or a tar read from stdin, unpacked into the
// store's temporary space) with its .dockerignore. COPY and ADD sources are
// found here only: paths are taken relative to the context root, symlinks are
// followed inside it, and ignored files do not exist.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { decompressStream, detectCompression } from '../archive/decompress';
import { resolveContainerPath } from '../container/paths';
import { invalidArgument, notFound } from '../errdefs';
import { extractInto } from '../layer/extract';
import { globRegExp, IgnoreMatcher } from './dockerignore';

export interface Source {
  /** Host path of the source, resolved inside the context (symlink-free below its root). */
  host: string;
  /** Its path relative to the context root, resolved (for .dockerignore inside directories). */
  rel: string;
  /** The name it was given (a symlink's own name, not its target's): what a copy into a directory is called. */
  name: string;
}

const GLOB = /[*?[]/;

export class BuildContext {
  readonly ignore: IgnoreMatcher;

  /** `image`: another image's root, the sources of COPY --from (no .dockerignore there). */
  constructor(
    readonly root: string,
    private readonly kind: 'context' | 'image' = 'context',
  ) {
    const file = path.join(root, '.dockerignore');
    this.ignore = new IgnoreMatcher(kind === 'context' && fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
  }

  /** The sources one COPY/ADD argument names (a path or a glob). */
  sources(src: string, instruction: string): Source[] {
    const cleaned = path.posix.normalize(src);
    if (this.kind === 'context' && (cleaned === '..' || cleaned.startsWith('../'))) {
      throw invalidArgument(`${instruction} failed: forbidden path outside the build context: ${src} ()`);
    }
    const rel = cleaned.replace(/^\/+/, '').replace(/\/+$/, '').replace(/^\.$/, '');
    const missing = () =>
      notFound(
        this.kind === 'context'
          ? `${instruction} failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`
          : `${instruction} failed: stat ${src}: file does not exist`,
      );
    if (!GLOB.test(rel)) {
      const found = this.resolve(rel);
      if (!found) throw missing();
      return [found];
    }
    const re = globRegExp(rel);
    const found: Source[] = [];
    this.walk('', (r) => {
      if (!re.test(r)) return true;
      const s = this.resolve(r);
      if (s) found.push(s);
      return false; // a matched directory is copied whole
    });
    return found;
  }

  /**
   * A path of the context, its symlinks followed inside the context (never out to
   * the host); undefined if it, or what it resolves to, is missing or ignored.
   */
  private resolve(rel: string): Source | undefined {
    if (rel && this.ignore.ignores(rel)) return undefined;
    let host: string;
    try {
      host = resolveContainerPath(this.root, [], `/${rel}`, true);
    } catch {
      return undefined;
    }
    if (!fs.existsSync(host)) return undefined;
    const resolved = path.relative(this.root, host).split(path.sep).join('/');
    if (resolved && this.ignore.ignores(resolved)) return undefined; // a link to an ignored file
    return { host, rel: resolved, name: rel ? path.posix.basename(rel) : '.' };
  }

  /**
   * What a copy of directory `dirRel` leaves out: ignored paths, except directories
   * holding something a `!` pattern takes back.
   */
  excluder(dirRel: string): (rel: string) => boolean {
    return (r) => {
      const full = dirRel ? `${dirRel}/${r}` : r;
      if (!this.ignore.ignores(full)) return false;
      return !(this.ignore.hasExclusions() && this.holdsIncluded(full));
    };
  }

  private holdsIncluded(rel: string): boolean {
    const abs = path.join(this.root, rel);
    if (!fs.lstatSync(abs, { throwIfNoEntry: false })?.isDirectory()) return false;
    return fs.readdirSync(abs).some((n) => !this.ignore.ignores(`${rel}/${n}`) || this.holdsIncluded(`${rel}/${n}`));
  }

  /** Walks the context (ignored paths left out); `visit` returns false to skip a directory's contents. */
  private walk(rel: string, visit: (rel: string) => boolean): void {
    const dir = path.join(this.root, rel);
    for (const name of fs.readdirSync(dir).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const ignored = this.ignore.ignores(r);
      // an ignored directory is still walked when a `!` pattern may take something in it back
      if (ignored && !this.ignore.hasExclusions()) continue;
      const descend = ignored || visit(r);
      if (descend && fs.lstatSync(path.join(this.root, r)).isDirectory()) this.walk(r, visit);
    }
  }
}

/** Unpacks a context sent as a tar (plain or compressed; `head` its first bytes) into `dir`, never outside it. */
export async function unpackContext(head: Buffer, stream: Readable, dir: string): Promise<void> {
  await extractInto(decompressStream(stream, detectCompression(head)) as AsyncIterable<Buffer>, dir, { keepOwners: true });
}

/** The Dockerfile `name` inside an unpacked context (a symlink cannot lead out of it); undefined if there is none. */
export function dockerfileIn(dir: string, name: string): string | undefined {
  let file: string;
  try {
    file = resolveContainerPath(dir, [], name, true);
  } catch {
    return undefined;
  }
  return fs.statSync(file, { throwIfNoEntry: false })?.isFile() ? fs.readFileSync(file, 'utf8') : undefined;
}
