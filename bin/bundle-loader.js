'use strict';
// Loads the bundled CLI (dist/stowage.js) with a V8 code cache: the bytecode of
// the functions a run of the usual commands compiles, made once by
// `npm run bundle` (bin/make-code-cache.js). Parsing and compiling the 1 MB
// bundle is most of what stowage adds to Node.js's own start. The cache's name
// holds the bundle's size and mtime, so a rebuilt bundle never meets a stale
// cache (V8 itself checks only the source's length); V8 rejects a cache made by
// another Node.js version or with other flags, and the bundle then compiles as usual.
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');

function cachePath(bundle, st) {
  return `${bundle}.${st.size}-${Math.trunc(st.mtimeMs)}.v8cache`;
}

/** Compiles and runs the bundle as a CommonJS module; returns its exports and the compiled script. */
function loadBundle(bundle, st, useCache = true) {
  let cachedData;
  if (useCache) {
    try {
      cachedData = fs.readFileSync(cachePath(bundle, st));
    } catch {
      cachedData = undefined;
    }
  }
  // the bundles are ASCII (bin/bundle.js: charset ascii), so latin1 reads them exactly, and
  // without UTF-8's decoding: about 1 ms less of every command's start
  const source = fs.readFileSync(bundle).toString('latin1');
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  const mod = new Module(bundle, require.main);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(path.dirname(bundle));
  mod.loaded = true;
  Module._cache[bundle] = mod;
  const req = (id) => mod.require(id);
  req.resolve = (id, opts) => Module._resolveFilename(id, mod, false, opts);
  req.main = require.main;
  req.cache = Module._cache;
  script.runInThisContext().call(mod.exports, mod.exports, req, mod, bundle, path.dirname(bundle));
  return { exports: mod.exports, script };
}

module.exports = { cachePath, loadBundle };
