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
import { EVERYDAY_EXCLUDED } from '../../src/cli/everyday-boundary';

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

/** Modules of the bundle (under dist/src/) the read commands must not evaluate: those it leaves out. */
const FORBIDDEN = EVERYDAY_EXCLUDED;

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
    assert.equal(t.leftOut, undefined, 'the everyday bundle ran it without handing it to the full CLI');
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

test('commit and diff (the full CLI) evaluate no container service, runtime wrapper or networks, and load no node:child_process', async () => {
  await env.ok(['exec', 'reader', 'sh', '-c', 'echo changed > /changed.txt']);
  for (const args of [
    ['commit', 'reader', 'committed:1'],
    ['diff', 'reader'],
  ]) {
    const t = trace(['--full', ...args]);
    assert.equal(t.code, 0, args.join(' '));
    const ours = t.modules.map((m) => m.replace(/^dist\/src\//, ''));
    assert.ok(ours.includes('engine/commit.js'), `${args.join(' ')}: the trace saw the command run`);
    assert.deepEqual(
      ours.filter((m) => /^(engine\/(containers|container-network)|runtime\/(runc|attach)|network\/.*)\.js$/.test(m)),
      [],
      `modules ${args.join(' ')} should not evaluate`,
    );
    const builtins = t.builtins.map((b) => b.replace(/^NativeModule /, ''));
    assert.deepEqual(
      builtins.filter((b) => ['child_process', 'net', 'dgram'].includes(b)),
      [],
      `Node.js modules ${args.join(' ')} should not load`,
    );
  }
  assert.match(await env.ok(['diff', 'reader']), /A \/changed\.txt/);
  assert.match(await env.ok(['images', 'committed']), /committed\s+1/);
});

test('the read commands on a running container: the read side, and what they print', () => {
  const ps = trace(['ps', '--format', '{{.Names}} {{.Status}} {{.Ports}}']);
  assert.ok(ps.modules.includes('dist/src/engine/container-reads.js'));
  assert.match(ps.stdout, /^reader Up .* 127\.0\.0\.1:\d+->80\/tcp\n$/);
  assert.match(trace(['port', 'reader']).stdout, /^80\/tcp -> 127\.0\.0\.1:\d+\n$/);
  assert.equal(trace(['logs', 'reader']).stdout, 'one\n');
});

test('a read that reaches code the everyday bundle leaves out hands the command to the full CLI before writing', async () => {
  // ps --size measures the writable layer with the layer code
  const sizeArgs = ['ps', '-a', '-s', '--filter', 'name=reader', '--format', '{{.Names}} {{.Size}}'];
  const sized = trace(sizeArgs);
  assert.equal(sized.leftOut, 'layer/apply.js');
  assert.equal(sized.stdout, '', 'nothing written before the hand-over');
  assert.match(await env.ok(sizeArgs), /^reader \d+(\.\d+)?k?B \(virtual \d+(\.\d+)?[kM]B\)\n$/);
  // inspect of a network needs the network service
  const net = trace(['inspect', '--format', '{{.Name}} {{.Driver}}', 'bridge']);
  assert.notEqual(net.leftOut, undefined);
  assert.equal(await env.ok(['inspect', '--format', '{{.Name}} {{.Driver}}', 'bridge']), 'bridge bridge\n');
  // as docker, what was not found is said after the objects found: nothing is written before the hand-over
  const both = await env.run(['inspect', '--format', '{{.Name}}', 'no-such-thing', 'bridge']);
  assert.deepEqual([both.code, both.stdout, both.stderr], [1, 'bridge\n', 'Error: No such object: no-such-thing\n']);
});

test('an exit nobody recorded, found by ps, is recorded by the full CLI and then read by the everyday bundle', async () => {
  const id = (await env.ok(['run', '-d', '--network', 'none', '--name', 'unseen', 'busybox', 'sleep', '1000'])).trim();
  const pid = Number((await env.ok(['inspect', '-f', '{{.State.Pid}}', id])).trim());
  // the monitor first (nobody is left to record the exit), then the container
  process.kill(Number(fs.readFileSync(path.join(env.runroot, 'c', id.slice(0, 12), 'conmon.pid'), 'utf8')), 'SIGKILL');
  process.kill(pid, 'SIGKILL');
  const gone = (p: number) => {
    try {
      process.kill(p, 0);
      return false;
    } catch {
      return true;
    }
  };
  for (let i = 0; i < 200 && !gone(pid); i++) await new Promise((r) => setTimeout(r, 10));
  const args = ['ps', '-a', '--filter', 'name=unseen', '--format', '{{.Status}}'];
  const first = trace(args);
  assert.equal(first.leftOut, 'engine/containers.js', 'recording the exit is the container service’s');
  assert.equal(first.stdout, '');
  assert.match(await env.ok(args), /^Exited \(255\) /);
  const second = trace(args);
  assert.equal(second.leftOut, undefined, 'once recorded, the everyday bundle reads it');
  assert.match(second.stdout, /^Exited \(255\) /);
  await env.ok(['rm', 'unseen']);
});

test('every bundle is ASCII, as bin/stowage reads it (latin1, without decoding UTF-8)', () => {
  for (const name of ['stowage.js', 'stowage-everyday.js', 'stowage-dns.js']) {
    const bytes = fs.readFileSync(path.join(REPO, 'dist', name));
    const at = bytes.findIndex((b) => b > 0x7f);
    assert.equal(at, -1, `${name} has a non-ASCII byte at ${at}`);
  }
});
