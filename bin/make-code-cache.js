'use strict';
// Makes the V8 code cache of a bundle of the CLI (see bundle-loader.js): loads the
// bundle, runs the everyday read commands against a throw-away store (their
// output discarded) so that the functions they use are compiled, then saves the
// bytecode V8 holds for the script. Run by `npm run bundle`, once per bundle
// (dist/stowage.js, dist/stowage-everyday.js), each in a process of its own.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { cachePath, loadBundle } = require('./bundle-loader');

async function main() {
  const bundle = path.resolve(process.argv[2]);
  const st = fs.statSync(bundle);
  for (const f of fs.readdirSync(path.dirname(bundle))) {
    if (f.startsWith(`${path.basename(bundle)}.`) && f.endsWith('.v8cache'))
      fs.rmSync(path.join(path.dirname(bundle), f));
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-code-cache-'));
  process.env.STOWAGE_ROOT = path.join(dir, 'root');
  process.env.STOWAGE_RUNROOT = path.join(dir, 'run');
  const { exports: cli, script } = loadBundle(bundle, st, false);
  const write = process.stdout.write;
  const writeErr = process.stderr.write;
  const writeSync = fs.writeSync;
  process.stdout.write = process.stderr.write = () => true;
  fs.writeSync = (fd, ...rest) =>
    fd === 1 || fd === 2
      ? typeof rest[0] === 'string'
        ? Buffer.byteLength(rest[0])
        : (rest[2] ?? rest[0].length - (rest[1] ?? 0))
      : writeSync(fd, ...rest);
  try {
    for (const argv of [
      ...(cli.handles ? [] : [['--help']]), // the everyday bundle runs only what handles() takes
      ['version'],
      ['images'],
      ['ps', '-a'],
      ['inspect', 'none'],
      ['logs', 'none'],
      ['port', 'none'],
      ...(cli.handles ? [] : [['volume', 'ls']]),
    ]) {
      if (cli.handles && !cli.handles(argv)) throw new Error(`${bundle} does not take ${argv.join(' ')}`);
      await cli.run(argv).catch(() => {});
    }
    // what the commands made outside the throw-away store (the full CLI's `inspect` makes the default
    // network, whose bridge is the host's) goes with it; the everyday bundle hands such work back unmade
    if (!cli.handles) await cli.run(['system', 'reset', '-f']).catch(() => {});
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
    fs.writeSync = writeSync;
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.writeFileSync(cachePath(bundle, st), script.createCachedData());
}

main().catch((e) => {
  // a missing cache only costs start-up time
  console.error(`code cache not made: ${e.message}`);
});
