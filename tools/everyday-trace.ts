// Runs one command line with the bundle of the everyday read commands
// (dist/stowage-everyday.js), or with --full the full one (dist/stowage.js), and
// records which of the bundle's modules it evaluated and which of Node.js's own
// modules it loaded, for the test that keeps those paths light
// (test/integration/everyday-modules.test.ts):
//
//   node dist/tools/everyday-trace.js OUT.json [--full] ARGS...
//
// The bundle is esbuild's: each module is a `__commonJS` closure run on its first
// require; the tracer wraps that helper to note each module's name when it first runs.
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';

export interface Trace {
  /** the bundle's modules the command evaluated, in order (paths such as dist/src/engine/container-reads.js) */
  modules: string[];
  /** Node.js's own modules loaded after start ("NativeModule net", ...) */
  builtins: string[];
  code: number;
  /** the left-out module the command reached, for which bin/stowage hands it to the full CLI (cli/everyday-boundary.ts) */
  leftOut?: string;
}

export const EVERYDAY_BUNDLE = path.resolve(__dirname, '..', 'stowage-everyday.js');
const FULL_BUNDLE = path.resolve(__dirname, '..', 'stowage.js');

/** process.moduleLoadList: Node.js's own modules loaded so far (not in @types/node). */
const loaded = () => (process as unknown as { moduleLoadList: string[] }).moduleLoadList;

const HELPER = 'var __commonJS = (cb, mod) => function __require() {\n';

async function main(): Promise<void> {
  const [out, ...rest] = process.argv.slice(2);
  const full = rest[0] === '--full';
  const argv = full ? rest.slice(1) : rest;
  const bundle = full ? FULL_BUNDLE : EVERYDAY_BUNDLE;
  const atStart = new Set(loaded());
  const source = fs.readFileSync(bundle, 'utf8');
  // a bundle whose helper reads otherwise fails here, not with an empty (passing) list
  if (!source.includes(HELPER)) throw new Error(`${bundle}: esbuild's __commonJS helper not found`);
  const modules: string[] = [];
  (globalThis as { __everydayModules?: string[] }).__everydayModules = modules;
  const traced = source.replace(
    HELPER,
    `${HELPER}  if (!mod) globalThis.__everydayModules.push(__getOwnPropNames(cb)[0]);\n`,
  );
  const m = new Module(bundle);
  m.filename = bundle;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(bundle));
  (m as unknown as { _compile(src: string, file: string): void })._compile(traced, bundle);
  const cli = m.exports as { run(argv: string[]): Promise<number>; handOver?(): string | undefined };
  let code = 0;
  try {
    code = await cli.run(argv);
  } catch (e) {
    if (cli.handOver?.() === undefined) throw e;
  }
  const leftOut = cli.handOver?.();
  const trace: Trace = { modules, builtins: loaded().filter((x) => !atStart.has(x)), code, leftOut };
  fs.writeFileSync(out, JSON.stringify(trace));
  process.exit(code);
}

if (require.main === module)
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(2);
  });
