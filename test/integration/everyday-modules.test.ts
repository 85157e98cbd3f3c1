// The everyday read commands (ps, inspect, logs, port, images, version) load only
// what reading needs (issue 17): run by the bundle of those commands against a
// store with a running container that publishes a port and wrote a log, none
// evaluates the code that creates, starts or networks containers (runc, conmon,
// CNI, iptables, namespaces), unpacks layers, or loads node:child_process, node:net,
// node:crypto, node:zlib or the stream modules. Should an import bring any of it
// back, this fails naming the command and the module.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, TestEnv } from '../helpers';
import type { Trace } from '../../tools/everyday-trace';

const env = new TestEnv();
before(async () => {
  await env.baseImage('busybox:latest');
  await env.ok(['version']); // asks runc and conmon for their versions once: later ones read them from the run root
  await env.ok([
    'run',
    '-d',
    '--name',
    'reader',
    '-p',
    '127.0.0.1::80',
    'busybox',
    'sh',
    '-c',
    'echo one; echo two >&2; exec sleep 1000',
  ]);
});
after(async () => {
  await env.run(['rm', '-f', 'reader']);
  env.cleanup();
});

/** Modules of the bundle (under dist/src/) the read commands must not evaluate. */
const FORBIDDEN = [
  // the runtime, but for the two readers of conmon's files
  /^runtime\/(?!conmon-files\.js$|logs\.js$)/,
  // networks, but for the port formats, their types and where namespaces are
  /^network\/(?!ports\.js$|types\.js$|netns-paths\.js$)/,
  // the container service and what creates, starts, networks and keeps containers
  /^engine\/(containers|container-(create|network|spec|parts|mounts)|keeper|start-context|exec-process)\.js$/,
  /^container\/(rootfs|rootfs-holders|init-layer|links)\.js$/,
  /^(layer\/(apply|hash-worker|rebuild|tar-split)|tar\/.*|rootless\/(network|slirp|cgroups|spec|overlay))\.js$/,
];

/** Node.js's modules that cost several ms to load and that reading does not need. */
const FORBIDDEN_BUILTINS = ['child_process', 'net', 'crypto', 'zlib', 'stream', 'worker_threads', 'fs/promises'];

function trace(args: string[]): Trace & { stdout: string } {
  const out = path.join(env.dir, 'trace.json');
  const r = spawnSync(process.execPath, [path.join(REPO, 'dist', 'tools', 'everyday-trace.js'), out, ...args], {
    env: env.env,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return { ...(JSON.parse(fs.readFileSync(out, 'utf8')) as Trace), stdout: r.stdout };
}

/** The command lines, whether their output is the same from one run to the next (no "2 seconds ago"), and whether they read containers only. */
const COMMANDS: Array<[string[], boolean, boolean]> = [
  [['ps'], false, true],
  [['ps', '-a', '--filter', 'publish=80', '--no-trunc'], false, true],
  [['container', 'ls', '-a', '--format', '{{.Names}} {{.Ports}} {{.Networks}}'], true, true],
  [['inspect', 'reader'], true, true],
  [['container', 'inspect', '--format', '{{.State.Status}} {{.NetworkSettings.SandboxKey}}', 'reader'], true, true],
  [['logs', 'reader'], true, true],
  [['logs', '--tail', '1', '-t', 'reader'], true, true],
  [['port', 'reader'], true, true],
  [['port', 'reader', '80/tcp'], true, true],
  [['images'], false, false],
  [['image', 'inspect', 'busybox'], true, false],
  [['version'], true, false],
];

/** What reading containers does not need of the store: its blobs (image records, the native addon under them). */
const NOT_FOR_CONTAINERS = /^(content\/store|image\/store)\.js$/;

for (const [args, stable, containersOnly] of COMMANDS) {
  test(`${args.join(' ')}: evaluates no runtime, network set-up or create code and loads no heavy Node.js module`, async () => {
    const t = trace(args);
    assert.ok(t.modules.includes('dist/src/cli/run.js'), 'the trace saw the bundle run');
    const ours = t.modules.map((m) => m.replace(/^dist\/src\//, ''));
    assert.deepEqual(
      ours.filter((m) => FORBIDDEN.some((re) => re.test(m)) || (containersOnly && NOT_FOR_CONTAINERS.test(m))),
      [],
      `modules ${args.join(' ')} should not evaluate`,
    );
    const builtins = t.builtins.map((b) => b.replace(/^NativeModule /, ''));
    assert.deepEqual(
      builtins.filter((b) => FORBIDDEN_BUILTINS.includes(b)),
      [],
      `Node.js modules ${args.join(' ')} should not load`,
    );
    if (stable) assert.equal(t.stdout, await env.ok(args), 'the same output as the CLI');
  });
}

test('the read commands on a running container: the read side, and what they print', () => {
  const ps = trace(['ps', '--format', '{{.Names}} {{.Status}} {{.Ports}}']);
  assert.ok(ps.modules.includes('dist/src/engine/container-reads.js'));
  assert.match(ps.stdout, /^reader Up .* 127\.0\.0\.1:\d+->80\/tcp\n$/);
  assert.match(trace(['port', 'reader']).stdout, /^80\/tcp -> 127\.0\.0\.1:\d+\n$/);
  assert.equal(trace(['logs', 'reader']).stdout, 'one\n');
});
