// The build context: a directory (or a tar read from stdin, unpacked into the
// store's temporary space) with its .dockerignore. COPY and ADD sources are
// found here only: paths are taken relative to the context root, symlinks are
// followed inside it by the kernel (src/fd), and ignored files do not exist.
// A context may be shared with a running container (a bind mount): nothing
// here is ever read through a path checked first and used later.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { decompressStream, detectCompression } from '../tar/decompress';
import { invalidArgument, notFound } from '../errdefs';
import { O_PATH, procPath, readdirFd, readRegularInRoot, tryOpenInRoot, using } from '../fd/at';
import { extractInto } from '../layer/extract';
import { globRegExp, IgnoreMatcher } from './dockerignore';

/** .dockerignore and Dockerfile are read whole, up to this size. */
export const CONTEXT_FILE_MAX = 16 << 20;

export interface Source {
  /** The directory the source is inside of (the context, or an image's root), trusted as a host path. */
  root: string;
  /** Its path relative to that root, symlinks resolved (for .dockerignore inside directories). */
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
    this.ignore = new IgnoreMatcher(kind === 'context' ? (readInRoot(root, '.dockerignore') ?? '') : '');
  }

  /** Runs fn with a descriptor of the root (a fresh one each time: contexts are not closed). */
  private withRoot<T>(fn: (rootFd: number) => T): T {
    return using(fs.openSync(this.root, O_PATH | fs.constants.O_DIRECTORY), fn);
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
    const resolved = this.withRoot((rootFd) => {
      const fd = tryOpenInRoot(rootFd, `/${rel}`);
      if (fd === undefined) return undefined;
      return using(fd, () => {
        const base = fs.readlinkSync(procPath(rootFd));
        const full = fs.readlinkSync(procPath(fd));
        return full === base ? '' : full.slice(base === '/' ? 1 : base.length + 1);
      });
    });
    if (resolved === undefined) return undefined;
    if (resolved && this.ignore.ignores(resolved)) return undefined; // a link to an ignored file
    return { root: this.root, rel: resolved, name: rel ? path.posix.basename(rel) : '.' };
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
    const names = this.dirNames(rel);
    return !!names && names.some((n) => !this.ignore.ignores(`${rel}/${n}`) || this.holdsIncluded(`${rel}/${n}`));
  }

  /** The names in directory `rel` of the root (not followed if it is a link); undefined if it is no directory. */
  private dirNames(rel: string): string[] | undefined {
    return this.withRoot((rootFd) => {
      const fd = tryOpenInRoot(rootFd, `/${rel}`, { follow: false });
      if (fd === undefined) return undefined;
      return using(fd, () => (fs.fstatSync(fd).isDirectory() ? readdirFd(fd) : undefined));
    });
  }

  /** Walks the context (ignored paths left out); `visit` returns false to skip a directory's contents. */
  private walk(rel: string, visit: (rel: string) => boolean): void {
    for (const name of (this.dirNames(rel) ?? []).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const ignored = this.ignore.ignores(r);
      // an ignored directory is still walked when a `!` pattern may take something in it back
      if (ignored && !this.ignore.hasExclusions()) continue;
      const descend = ignored || visit(r);
      if (descend) this.walk(r, visit);
    }
  }
}

/** A file inside `root` (symlinks followed inside it), if it is a regular file. */
function readInRoot(root: string, name: string): string | undefined {
  const r = using(fs.openSync(root, O_PATH | fs.constants.O_DIRECTORY), (fd) =>
    readRegularInRoot(fd, name, CONTEXT_FILE_MAX),
  );
  return r.kind === 'file' ? r.bytes.toString('utf8') : undefined;
}

/** Unpacks a context sent as a tar (plain or compressed; `head` its first bytes) into `dir`, never outside it. */
export async function unpackContext(head: Buffer, stream: Readable, dir: string): Promise<void> {
  await extractInto(decompressStream(stream, detectCompression(head)) as AsyncIterable<Buffer>, dir, {
    keepOwners: true,
  });
}

/** The Dockerfile `name` inside an unpacked context (a symlink cannot lead out of it); undefined if there is none. */
export function dockerfileIn(dir: string, name: string): string | undefined {
  return readInRoot(dir, name);
}
