'use strict';
// Bundles the compiled CLI (dist/src) with esbuild into dist/stowage.js (the full
// CLI), dist/stowage-everyday.js (the everyday read commands, without the modules
// src/cli/everyday-boundary.ts names) and dist/stowage-dns.js (the resolver), then
// makes the V8 code caches of the two CLIs. Run by `npm run bundle`, after tsc.
const { execFileSync } = require('child_process');
const path = require('path');
const esbuild = require('esbuild');

const repo = path.join(__dirname, '..');
const dist = path.join(repo, 'dist');
const src = path.join(dist, 'src');
const boundaryModule = path.join(src, 'cli', 'everyday-boundary.js');
const { EVERYDAY_EXCLUDED } = require(boundaryModule);

/** Each left-out module becomes one that throws FullCliNeeded when evaluated (and on any use of its exports). */
const leaveOut = {
  name: 'everyday-boundary',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, (args) => {
      const rel = path.relative(src, args.path).split(path.sep).join('/');
      if (rel.startsWith('..') || !EVERYDAY_EXCLUDED.some((re) => re.test(rel))) return undefined;
      const contents =
        `const e = new (require(${JSON.stringify(boundaryModule)}).FullCliNeeded)(${JSON.stringify(rel)});\n` +
        'module.exports = new Proxy({}, { get() { throw e; } });\nthrow e;\n';
      return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  absWorkingDir: repo,
  alias: { bindings: './dist/src/metadata/sqlite-addon.js' },
  external: ['@grpc/grpc-js', '@grpc/proto-loader'],
  logLevel: 'warning',
  // non-ASCII characters escaped (esbuild's default, made explicit): bundle-loader.js reads the bundles as latin1
  charset: 'ascii',
};

async function main() {
  await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: {
        stowage: path.join(src, 'cli', 'main.js'),
        'stowage-dns': path.join(src, 'network', 'dns-main.js'),
      },
      outdir: dist,
    }),
    esbuild.build({
      ...common,
      entryPoints: { 'stowage-everyday': path.join(src, 'cli', 'everyday-main.js') },
      outdir: dist,
      plugins: [leaveOut],
    }),
  ]);
  for (const bundle of ['stowage.js', 'stowage-everyday.js'])
    execFileSync(process.execPath, [path.join(__dirname, 'make-code-cache.js'), path.join(dist, bundle)], {
      stdio: 'inherit',
    });
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
