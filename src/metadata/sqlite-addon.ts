// What better-sqlite3's `require('bindings')('better_sqlite3.node')` gives in the
// bundle (package.json's bundle script aliases the `bindings` package to this
// module): the library's addon, loaded by its path. The bundle carries the
// library's JavaScript; loading it from node_modules took its 15 files through
// Node.js's module loader, and `bindings` searched a dozen directories for the
// addon, together more time than the rest of `stowage images` (issue 17).
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../util/paths';

function bindings(name: string): unknown {
  const beside = path.join(REPO_ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', name);
  const mod = { exports: {} };
  // a node_modules laid out otherwise: Node.js finds the addon
  process.dlopen(mod, fs.existsSync(beside) ? beside : require.resolve(`better-sqlite3/build/Release/${name}`));
  return mod.exports;
}

export = bindings;
