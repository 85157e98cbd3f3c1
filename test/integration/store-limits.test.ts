// What keeps the store sound over time and under hostile input: bounded work
// and memory whatever an archive holds, files on disk before rows name them,
// no scratch directories left behind, and no name that could add lines to
// another container's /etc/hosts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { encodeHeader, END_OF_ARCHIVE, paddingFor } from '../../src/tar/header';
import { FRONT_END, TestEnv } from '../helpers';
import { buildTar } from '../tar-builder';

const env = new TestEnv();
before(async () => {
  await env.baseImage('busybox:latest');
});
after(async () => {
  const ids = (await env.run(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
  if (ids.length) await env.run(['rm', '-f', ...ids]);
  await env.run(['network', 'rm', 'names-net']);
  env.cleanup();
});

test('a layer replacing one name 20,000 times over 20,000 files unpacks within a CPU budget linear in its entries', async () => {
  // Scanning every path on each replacement took a minute of CPU for this layer; a tree takes seconds.
  // The limit is CPU time (RLIMIT_CPU, a resource like memory), not time on the clock.
  const n = 20_000;
  const entries: Parameters<typeof buildTar>[0] = [{ name: 'd/' }];
  for (let i = 0; i < n; i++) entries.push({ name: `d/f${i}`, data: 'a' });
  for (let i = 0; i < n; i++) entries.push({ name: 'link', type: 'symlink', linkname: `d/f${i}` });
  const file = path.join(env.dir, 'replacing.tar');
  fs.writeFileSync(file, buildTar(entries));
  const r = spawnSync('prlimit', ['--cpu=30', FRONT_END, 'import', file, 'replacing:1'], {
    env: env.env,
    encoding: 'utf8',
  });
  assert.equal(r.signal, null, `killed by ${r.signal}: more than 30 s of CPU`);
  assert.equal(r.status, 0, r.stderr);
  await env.ok(['create', '--name', 'replacing', 'replacing:1', 'x']);
  const link = spawnSync('tar', ['-tvf', '-'], {
    input: spawnSync(FRONT_END, ['cp', 'replacing:/link', '-'], { env: env.env }).stdout,
    encoding: 'utf8',
  });
  assert.match(link.stdout, new RegExp(`link -> d/f${n - 1}\\n$`), 'the last entry of the name wins');
  await env.ok(['rm', 'replacing']);
  await env.ok(['rmi', 'replacing:1']);
});

test('load holds a bounded amount of memory however many small members an archive has', async () => {
  // a real image, and 300 members of 1 MiB each that no manifest names
  const saved = path.join(env.dir, 'bb.tar');
  await env.ok(['save', '-o', saved, 'busybox']);
  const tar = fs.readFileSync(saved);
  const members: Buffer[] = [];
  for (let off = 0; off + 512 <= tar.length && !tar.subarray(off, off + 512).every((b) => b === 0);) {
    const size = parseInt(
      tar
        .toString('latin1', off + 124, off + 136)
        .replace(/\0/g, '')
        .trim() || '0',
      8,
    );
    const len = 512 + size + paddingFor(size);
    members.push(tar.subarray(off, off + len));
    off += len;
  }
  const archive = path.join(env.dir, 'junk.tar');
  const fd = fs.openSync(archive, 'w');
  const junk = Buffer.alloc(1 << 20, 7);
  for (let i = 0; i < 300; i++) {
    fs.writeSync(
      fd,
      encodeHeader({ name: `junk/${i}`, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: junk.length }),
    );
    fs.writeSync(fd, junk);
  }
  for (const m of members) fs.writeSync(fd, m);
  fs.writeSync(fd, END_OF_ARCHIVE);
  fs.closeSync(fd);
  // the CLI's peak resident memory (VmHWM: of its own address space, not the forked test runner's), written as it exits
  const hook = path.join(env.dir, 'rss.js');
  fs.writeFileSync(
    hook,
    'process.on("exit", () => { const fs = require("fs"); fs.writeFileSync(process.env.RSS_FILE, /VmHWM:\\s+(\\d+)/.exec(fs.readFileSync("/proc/self/status", "utf8"))[1]); });\n',
  );
  for (const from of ['file', 'stdin'] as const) {
    await env.ok(['rmi', 'busybox']);
    const rssFile = path.join(env.dir, `rss-${from}`);
    const opts = { env: { NODE_OPTIONS: `--require ${hook}`, RSS_FILE: rssFile } };
    if (from === 'file') await env.ok(['load', '-q', '-i', archive], opts);
    else await env.ok(['load', '-q'], { ...opts, input: fs.readFileSync(archive) });
    const mb = Number(fs.readFileSync(rssFile, 'utf8')) / 1024;
    assert.ok(mb < 200, `load from a ${from} peaked at ${mb.toFixed(0)} MB for 300 MB of small members`);
    assert.deepEqual(
      fs.readdirSync(path.join(env.root, 'tmp')).filter((n) => n.startsWith('member-')),
      [],
      'its temporary files are gone',
    );
  }
});

test("a loaded layer and its image's config are on disk before their rows name them", async () => {
  const saved = path.join(env.dir, 'durable.tar');
  await env.ok(['save', '-o', saved, 'busybox']);
  await env.ok(['rmi', 'busybox']);
  const log = path.join(env.dir, 'strace.log');
  const r = spawnSync(
    'strace',
    [
      '-f',
      '-y',
      '-qq',
      '-e',
      'trace=syncfs,fsync,rename,renameat,renameat2',
      '-o',
      log,
      FRONT_END,
      'load',
      '-q',
      '-i',
      saved,
    ],
    { env: env.env, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const calls = fs.readFileSync(log, 'utf8').split('\n');
  const at = (re: RegExp) => calls.findIndex((l) => re.test(l));
  const layerRename = at(/rename\w*\(.*tmp\/layer-[^"]*", .*overlay\/[0-9a-f]{64}"/);
  assert.ok(layerRename >= 0, 'the layer was renamed into place');
  assert.ok(
    calls.slice(0, layerRename).some((l) => /syncfs\(/.test(l)),
    'its files were flushed before',
  );
  assert.ok(
    calls.slice(layerRename).some((l) => /fsync\(\d+<[^>]*\/overlay>\)/.test(l)),
    'and the rename after',
  );
  const blobRename = at(/rename\w*\(.*tmp\/blob-[^"]*", .*blobs\/sha256\/[0-9a-f]{64}"/);
  assert.ok(blobRename >= 0, 'the config blob was renamed into place');
  assert.ok(
    calls.slice(0, blobRename).some((l) => /fsync\(\d+<[^>]*tmp\/blob-/.test(l)),
    'its bytes were flushed before',
  );
  assert.ok(
    calls.slice(blobRename).some((l) => /fsync\(\d+<[^>]*blobs\/sha256>\)/.test(l)),
    'and the rename after',
  );
});

test('runc exec leaves no scratch directory behind: done, failed, interrupted or killed', async () => {
  await env.ok(['run', '-d', '--name', 'ex', 'busybox', 'sleep', '600']);
  // where an exec's pid file and log went: the system's temporary directory (here a private one)
  const tmpdir = path.join(env.dir, 'tmpdir');
  fs.mkdirSync(tmpdir);
  const node = { TMPDIR: tmpdir, STOWAGE_NO_FASTPATH: '1' };
  const fast = { TMPDIR: tmpdir };
  const scratch = () => [
    ...fs.readdirSync(tmpdir),
    ...fs.readdirSync(path.join(env.root, 'tmp')).filter((n) => n.startsWith('exec-')),
  ];
  for (const e of [node, fast]) {
    assert.equal(await env.ok(['exec', 'ex', 'echo', 'hi'], { env: e }), 'hi\n');
    assert.equal((await env.run(['exec', 'ex', 'no-such-command'], { env: e })).code, 127);
  }
  await env.ok(['exec', '-d', 'ex', 'true'], { env: node });
  assert.deepEqual(scratch(), []);
  // interrupted while the process runs
  const interrupted = spawn(FRONT_END, ['exec', 'ex', 'sleep', '100'], {
    env: { ...env.env, ...node },
    stdio: 'ignore',
  });
  while (scratch().length === 0 && interrupted.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  interrupted.kill('SIGTERM');
  await new Promise((r) => interrupted.once('exit', r));
  assert.deepEqual(scratch(), [], 'nothing left after SIGTERM');
  // killed outright: what it left is its own, and the next clean-up of the store removes it
  const killed = spawn(FRONT_END, ['exec', 'ex', 'sleep', '100'], { env: { ...env.env, ...fast }, stdio: 'ignore' });
  while (scratch().length === 0 && killed.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  killed.kill('SIGKILL');
  await new Promise((r) => killed.once('exit', r));
  assert.deepEqual(fs.readdirSync(tmpdir), [], 'nothing in the system temporary directory');
  await env.ok(['rm', '-f', 'ex']);
  assert.deepEqual(scratch(), [], 'the clean-up took what the killed exec left');
});

test('a hostname, network alias or hosts name with a newline is refused before it reaches any /etc/hosts', async () => {
  await env.ok(['network', 'create', 'names-net']);
  const evil = 'x\n10.9.9.9 injected';
  const bad = await env.run([
    'run',
    '-d',
    '--name',
    'evil-host',
    '--network',
    'names-net',
    '-h',
    evil,
    'busybox',
    'sleep',
    '600',
  ]);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /invalid hostname format: "x\\n10\.9\.9\.9 injected"/);
  const addHost = await env.run(['run', '--rm', '--add-host', `${evil}:10.1.1.1`, 'busybox', 'true']);
  assert.equal(addHost.code, 125);
  assert.match(addHost.stderr, /invalid host name in add-host/);
  const option = await env.run(['run', '--rm', '--dns-option', 'ndots:1\nnameserver 10.9.9.9', 'busybox', 'true']);
  assert.equal(option.code, 125);
  assert.match(option.stderr, /invalid DNS option/);
  // a peer on the network: its /etc/hosts has no line anyone else chose
  await env.ok(['run', '-d', '--name', 'peer', '--network', 'names-net', 'busybox', 'sleep', '600']);
  await env.ok(['run', '-d', '--name', 'other', 'busybox', 'sleep', '600']);
  const runAlias = await env.run(['run', '--rm', '--network', 'names-net', '--network-alias', evil, 'busybox', 'true']);
  assert.equal(runAlias.code, 125);
  assert.match(runAlias.stderr, /invalid network alias/);
  const linkAlias = await env.run(['run', '--rm', '--link', `other:${evil}`, 'busybox', 'true']);
  assert.equal(linkAlias.code, 125);
  assert.match(linkAlias.stderr, /invalid link alias/);
  const alias = await env.run(['network', 'connect', '--alias', evil, 'names-net', 'other']);
  assert.equal(alias.code, 1);
  assert.match(alias.stderr, /invalid network alias/);
  assert.doesNotMatch(await env.ok(['exec', 'peer', 'cat', '/etc/hosts']), /injected/);
  // names Docker takes keep working
  assert.equal(
    await env.ok(['run', '--rm', '-h', 'web-1.example', '--add-host', 'my_db:10.1.1.1', 'busybox', 'hostname']),
    'web-1.example\n',
  );
  await env.ok(['rm', '-f', 'peer', 'other']);
});
