// The build context: a directory (or a tar read from stdin, unpacked into the
// store's temporary space) with its .dockerignore. COPY and ADD sources are
// found here only: paths are taken relative to the context root, symlinks are
// followed inside it, and ignored files do not exist.
import fs from 'node:fs';
import path from 'node:path';
import { resolveContainerPath } from '../container/paths';
import { invalidArgument, notFound } from '../errdefs';
import { globRegExp, IgnoreMatcher } from './dockerignore';

export interface Source {
  /** Host path of the source (symlink-free below the context root). */
  host: string;
  /** Path relative to the context root (for .dockerignore inside directories). */
  rel: string;
}

const GLOB = /[*?[]/;

export class BuildContext {
  readonly ignore: IgnoreMatcher;

  constructor(readonly root: string) {
    const file = path.join(root, '.dockerignore');
    this.ignore = new IgnoreMatcher(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
  }

  /** The sources one COPY/ADD argument names (a path or a glob). */
  sources(src: string, instruction: string): Source[] {
    const cleaned = path.posix.normalize(src);
    if (cleaned === '..' || cleaned.startsWith('../')) {
      throw invalidArgument(`${instruction} failed: forbidden path outside the build context: ${src} ()`);
    }
    const rel = cleaned.replace(/^\/+/, '').replace(/\/+$/, '').replace(/^\.$/, '');
    if (GLOB.test(rel)) {
      const re = globRegExp(rel);
      const found: Source[] = [];
      this.walk('', (r) => {
        if (!re.test(r)) return true;
        found.push({ host: path.join(this.root, r), rel: r });
        return false; // a matched directory is copied whole
      });
      return found;
    }
    const missing = () =>
      notFound(`${instruction} failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`);
    if (rel && this.ignore.ignores(rel)) throw missing();
    let host: string;
    try {
      host = resolveContainerPath(this.root, [], `/${rel}`, true);
    } catch {
      throw missing();
    }
    if (!fs.existsSync(host)) throw missing();
    return [{ host, rel: path.relative(this.root, host).split(path.sep).join('/') }];
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
