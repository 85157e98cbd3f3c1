// Containers on real runc, conmon and overlayfs, from the busybox base image.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI, freePort, TestEnv } from '../helpers';

const env = new TestEnv();
before(async () => {
  await env.baseImage('busybox:latest');
});
after(async () => {
  const ids = (await env.run(['ps', '-aq', '--no-trunc'])).stdout.trim().split('\n').filter(Boolean);
  if (ids.length) await env.run(['rm', '-f', ...ids]);
  env.cleanup();
});

const mountsUnder = (dir: string) =>
  fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(dir)).length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('run in the foreground streams stdout and stderr apart and exits with the container code', async () => {
  const r = await env.run(['run', '--rm', 'busybox', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 3']);
  assert.equal(r.code, 3);
  assert.equal(r.stdout, 'to-out\n');
  assert.equal(r.stderr, 'to-err\n');
  const ok = await env.run(['run', '--rm', 'busybox', 'true']);
  assert.equal(ok.code, 0);
  assert.equal((await env.ok(['ps', '-aq'])).trim(), '', '--rm removed both containers');
});

test('run -i passes stdin through and closes it at its end', async () => {
  const r = await env.run(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'cat; echo done'], {
    input: 'line one\nline two\n',
  });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'line one\nline two\ndone\n');
});

test('exit codes: 125 for stowage, 126 cannot invoke, 127 not found', async () => {
  const nf = await env.run(['run', '--rm', 'busybox', 'no-such-command']);
  assert.equal(nf.code, 127);
  assert.match(nf.stderr, /executable file not found in \$PATH/);
  const ni = await env.run(['run', '--rm', 'busybox', '/etc/passwd']);
  assert.equal(ni.code, 126);
  assert.match(ni.stderr, /permission denied/);
  // not in the store: pulled, from a registry that is not there
  const port = await freePort();
  const missing = await env.run(['run', '--rm', `127.0.0.1:${port}/no-such-image:1`]);
  assert.equal(missing.code, 125);
  // as Docker 20.10: the registry is asked for before anything is pulled, https then http
  assert.match(
    missing.stderr,
    new RegExp(
      `^Unable to find image '127.0.0.1:${port}/no-such-image:1' locally\nstowage: Error: Get "http://127.0.0.1:${port}/v2/": dial tcp 127.0.0.1:${port}: connect: connection refused\n`,
    ),
  );
  const badFlag = await env.run(['run', '--bogus', 'busybox']);
  assert.equal(badFlag.code, 125);
  assert.match(badFlag.stderr, /unknown flag: --bogus/);
  const own = await env.run(['run', '--rm', 'busybox', 'sh', '-c', 'exit 42']);
  assert.equal(own.code, 42);
});

test('run -id keeps a shell up; exec writes a file that a second exec reads', async () => {
  const id = (await env.ok(['run', '-id', '--name', 'web', 'busybox'])).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  await sleep(300);
  assert.match(await env.ok(['ps', '--format', '{{.Names}} {{.Status}}']), /^web Up /m);
  await env.ok(['exec', 'web', 'sh', '-c', 'echo hello > /tmp/hello.html']);
  assert.equal(await env.ok(['exec', 'web', 'cat', '/tmp/hello.html']), 'hello\n');
  const e = await env.run(['exec', '-e', 'X=1', '-w', '/tmp', 'web', 'sh', '-c', 'echo $X $(pwd); exit 5']);
  assert.equal(e.code, 5);
  assert.equal(e.stdout, '1 /tmp\n');
  assert.equal((await env.run(['exec', 'web', 'nope'])).code, 127);
  const inspect = JSON.parse(await env.ok(['inspect', 'web']))[0];
  assert.equal(inspect.State.Status, 'running');
  assert.ok(inspect.State.Pid > 0);
  assert.equal(inspect.Name, '/web');
  assert.equal(inspect.Config.Hostname, id.slice(0, 12));
  assert.equal(fs.readFileSync(path.join(inspect.GraphDriver.Data.UpperDir, 'tmp', 'hello.html'), 'utf8'), 'hello\n');
  // name conflicts are refused with Docker's message
  const dup = await env.run(['run', '-d', '--name', 'web', 'busybox']);
  assert.equal(dup.code, 125);
  assert.match(dup.stderr, new RegExp(`Conflict. The container name "/web" is already in use by container "${id}"`));
});

test('exec -it gives a real terminal', async () => {
  await env.ok(['run', '-id', '--name', 'tty', 'busybox']);
  // script's terminal has no size of its own: give it one, exec must pass it on
  const cmd = `stty rows 40 cols 100; ${process.execPath} ${CLI} exec -it tty sh`;
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], {
    env: env.env,
    input: 'tty; stty size; exit 7\n',
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.match(r.stdout, /\/dev\/pts\/\d+/);
  // (output written before runc puts script's terminal in raw mode goes through two line disciplines: \r\r\n)
  assert.match(r.stdout, /\r*\n40 100\r*\n/);
  assert.equal(r.status, 7);
  const run = spawnSync(
    'script',
    [
      '-qec',
      `stty rows 30 cols 90; ${process.execPath} ${CLI} run --rm -it busybox sh -c "tty && test -t 0 && stty size"`,
      '/dev/null',
    ],
    { env: env.env, encoding: 'utf8', timeout: 20_000 },
  );
  assert.match(run.stdout, /\/dev\/pts\/0/);
  assert.match(run.stdout, /30 90/);
});

/** Runs `cmd` on a terminal (script's pty), types `line`, waits for `expect` in the output, then types ctrl-p ctrl-q. */
function typeThenDetach(cmd: string, line: string, expect: RegExp): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('script', ['-qec', cmd, '/dev/null'], { env: env.env });
    let out = '';
    let detaching = false;
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // the keys once the terminal is in raw mode (before, the tty driver would take ctrl-q as XON)
      if (!detaching && expect.test(out)) {
        detaching = true;
        setTimeout(() => p.stdin.write('\x10\x11'), 200);
      }
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
    setTimeout(() => p.stdin.write(line), 500);
  });
}

test('attach: to a terminal (left with ctrl-p ctrl-q, the container still running), to stdin and output, refused when stopped', async () => {
  await env.ok(['run', '-dit', '--name', 'att-tty', 'busybox', 'sh']);
  const r = await typeThenDetach(`${process.execPath} ${CLI} attach att-tty`, 'echo marker-$((40+2))\n', /marker-42/);
  assert.equal(r.code, 0, r.out);
  assert.equal(
    (await env.ok(['inspect', '-f', '{{.State.Status}}', 'att-tty'])).trim(),
    'running',
    'detached, not stopped',
  );
  // the same keys leave `run -it` too
  const run = await typeThenDetach(
    `${process.execPath} ${CLI} run -it --name run-tty busybox sh`,
    'echo in-$((1+1))-run\n',
    /in-2-run/,
  );
  assert.equal(run.code, 0, run.out);
  assert.equal((await env.ok(['inspect', '-f', '{{.State.Status}}', 'run-tty'])).trim(), 'running');
  // without a tty: stdin to the container, its output back, its exit code ours
  // (the end of our stdin does not close the container's: it was not started attached)
  await env.ok(['run', '-di', '--name', 'att-cat', 'busybox', 'sh', '-c', 'read line; echo "got $line"; exit 3']);
  const cat = await env.run(['attach', 'att-cat'], { input: 'through attach\n' });
  assert.deepEqual([cat.code, cat.stdout], [3, 'got through attach\n']);
  const stopped = await env.run(['attach', 'att-cat']);
  assert.deepEqual(
    [stopped.code, stopped.stderr],
    [1, 'Error: You cannot attach to a stopped container, start it first\n'],
  );
  await env.ok(['rm', '-f', 'att-tty', 'run-tty', 'att-cat']);
});

test('pause and unpause freeze and thaw the processes', async () => {
  await env.ok([
    'run',
    '-d',
    '--name',
    'freezer',
    'busybox',
    'sh',
    '-c',
    'while true; do date +%s%N > /tmp/tick; sleep 0.05; done',
  ]);
  await sleep(300);
  assert.equal(await env.ok(['pause', 'freezer']), 'freezer\n');
  assert.match(await env.ok(['ps', '--filter', 'name=freezer', '--format', '{{.Status}}']), /^Up .* \(Paused\)$/m);
  const upper = (await env.ok(['inspect', '-f', '{{.GraphDriver.Data.UpperDir}}', 'freezer'])).trim();
  const frozen = fs.readFileSync(path.join(upper, 'tmp', 'tick'), 'utf8');
  await sleep(300);
  assert.equal(fs.readFileSync(path.join(upper, 'tmp', 'tick'), 'utf8'), frozen, 'nothing ran while paused');
  const again = await env.run(['pause', 'freezer']);
  assert.match(again.stderr, /is already paused/);
  await env.ok(['unpause', 'freezer']);
  await sleep(300);
  assert.notEqual(fs.readFileSync(path.join(upper, 'tmp', 'tick'), 'utf8'), frozen);
  // a paused container can still be stopped and removed
  await env.ok(['pause', 'freezer']);
  await env.ok(['stop', '-t', '1', 'freezer']);
  assert.equal((await env.ok(['inspect', '-f', '{{.State.Status}}', 'freezer'])).trim(), 'exited');
  await env.ok(['rm', '-f', 'freezer']);
});

test('logs of a detached container, with --tail and -t', async () => {
  await env.ok([
    'run',
    '-d',
    '--name',
    'logger',
    'busybox',
    'sh',
    '-c',
    'echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three',
  ]);
  assert.equal((await env.ok(['wait', 'logger'])).trim(), '0');
  const r = await env.run(['logs', 'logger']);
  assert.equal(r.stdout, 'one\nthree\n');
  assert.equal(r.stderr, 'two\n');
  assert.equal((await env.run(['logs', '--tail', '1', 'logger'])).stdout, 'three\n');
  assert.match((await env.run(['logs', '-t', 'logger'])).stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z one\n/);
  const f = await env.run(['logs', '-f', 'logger']);
  assert.equal(f.stdout, 'one\nthree\n');
});

test('stop sends SIGTERM, then SIGKILL after the timeout', async () => {
  await env.ok([
    'run',
    '-d',
    '--name',
    'stubborn',
    'busybox',
    'sh',
    '-c',
    'trap "" TERM; while true; do sleep 0.1; done',
  ]);
  await sleep(300);
  const t0 = Date.now();
  assert.equal(await env.ok(['stop', '-t', '1', 'stubborn']), 'stubborn\n');
  const took = Date.now() - t0;
  assert.ok(took >= 900, `waited the timeout (${took} ms)`);
  assert.equal(
    (await env.ok(['inspect', '-f', '{{.State.ExitCode}} {{.State.Status}}', 'stubborn'])).trim(),
    '137 exited',
  );
  // PID 1 ignores SIGTERM unless it handles it: with --init, tini passes it on
  await env.ok(['run', '-d', '--init', '--name', 'polite', 'busybox', 'sleep', '100']);
  await sleep(200);
  await env.ok(['stop', 'polite']);
  // 143 = 128 + SIGTERM: it went at the signal, not at the timeout's SIGKILL (137)
  assert.equal((await env.ok(['inspect', '-f', '{{.State.ExitCode}}', 'polite'])).trim(), '143');
});

test('rm -f of a running container leaves no mount, process or state behind', async () => {
  const id = (await env.ok(['run', '-d', 'busybox', 'sleep', '1000'])).trim();
  await sleep(200);
  const pid = Number((await env.ok(['inspect', '-f', '{{.State.Pid}}', id])).trim());
  assert.ok(pid > 0);
  assert.ok(mountsUnder(id) > 0, 'its rootfs is mounted while it runs');
  const refused = await env.run(['rm', id]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /You cannot remove a running container/);
  await env.ok(['rm', '-f', id]);
  assert.equal(mountsUnder(id), 0);
  assert.ok(!fs.existsSync(`/proc/${pid}`), 'the process is gone');
  assert.ok(!fs.existsSync(path.join(env.root, 'containers', id)));
  assert.ok(!fs.existsSync(path.join(env.runroot, 'c', id.slice(0, 12))));
  assert.ok(!fs.existsSync(path.join(env.runroot, 'runc', id)));
  assert.equal((await env.run(['inspect', id])).code, 1);
});

test('rmi is refused while a container uses the image, and accepted after rm', async () => {
  const layer = path.join(env.dir, 'app.tar');
  spawnSync('tar', ['-C', '/', '-cf', layer, 'bin/busybox']);
  await env.ok(['import', '-c', 'CMD ["/bin/busybox","sleep","1000"]', layer, 'app:v1']);
  const id = (await env.ok(['run', '-d', 'app:v1'])).trim();
  const r = await env.run(['rmi', 'app:v1']);
  assert.equal(r.code, 1);
  const imageId = (await env.ok(['image', 'inspect', '-f', '{{.Id}}', 'app:v1'])).trim();
  assert.equal(
    r.stderr,
    `Error: conflict: unable to remove repository reference "app:v1" (must force) - container ${id.slice(0, 12)} is using its referenced image ${imageId.slice(7, 19)}\n`,
  );
  const byId = await env.run(['rmi', imageId.slice(7, 19)]);
  assert.match(byId.stderr, /cannot be forced\) - image is being used by running container/);
  await env.ok(['rm', '-f', id]);
  assert.match(await env.ok(['rmi', 'app:v1']), /^Untagged: app:v1\nDeleted: sha256:/);
});

test('after conmon is killed, ps tells the truth and rm -f cleans up', async () => {
  const id = (await env.ok(['run', '-d', 'busybox', 'sleep', '1000'])).trim();
  await sleep(200);
  const conmon = Number(fs.readFileSync(path.join(env.runroot, 'c', id.slice(0, 12), 'conmon.pid'), 'utf8'));
  process.kill(conmon, 'SIGKILL');
  await sleep(200);
  // the container itself still runs
  assert.match(await env.ok(['ps', '--format', '{{.ID}} {{.Status}}']), new RegExp(`^${id.slice(0, 12)} Up`, 'm'));
  const pid = Number((await env.ok(['inspect', '-f', '{{.State.Pid}}', id])).trim());
  process.kill(pid, 'SIGKILL');
  await sleep(300);
  const status = (await env.ok(['ps', '-a', '--filter', `id=${id}`, '--format', '{{.Status}}'])).trim();
  assert.match(status, /^Exited/);
  await env.ok(['rm', '-f', id]);
  assert.equal(mountsUnder(id), 0);
});

test('a CLI killed with SIGKILL during an attached run leaves the container running, and rm -f cleans up', async () => {
  const child = spawn(process.execPath, [CLI, 'run', '--name', 'orphan', 'busybox', 'sleep', '1000'], {
    env: env.env,
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    if ((await env.run(['ps', '-q', '--filter', 'name=orphan'])).stdout.trim()) break;
    await sleep(50);
  }
  child.kill('SIGKILL');
  await sleep(200);
  assert.match(await env.ok(['ps', '--filter', 'name=orphan', '--format', '{{.Status}}']), /^Up/);
  await env.ok(['rm', '-f', 'orphan']);
  assert.equal((await env.ok(['ps', '-aq', '--filter', 'name=orphan'])).trim(), '');
});

test('ps filters, -q, -n, -l and --no-trunc', async () => {
  const a = (await env.ok(['run', '-d', '--name', 'filt-a', '-l', 'tier=web', 'busybox', 'sleep', '100'])).trim();
  const b = (await env.ok(['create', '--name', 'filt-b', 'busybox', 'true'])).trim();
  assert.match(await env.ok(['ps', '-q', '--no-trunc']), new RegExp(a));
  assert.doesNotMatch(await env.ok(['ps', '-q']), new RegExp(b.slice(0, 12)));
  assert.equal(
    (await env.ok(['ps', '-aq', '--filter', 'status=created', '--filter', 'name=filt'])).trim(),
    b.slice(0, 12),
  );
  assert.equal((await env.ok(['ps', '-q', '--filter', 'label=tier=web'])).trim(), a.slice(0, 12));
  assert.equal((await env.ok(['ps', '-lq'])).trim(), b.slice(0, 12));
  assert.equal((await env.ok(['ps', '-n', '2', '-q'])).trim().split('\n').length, 2);
  assert.match(await env.ok(['ps', '-a', '--filter', 'ancestor=busybox', '--format', '{{.Names}}']), /filt-a/);
  const header = (await env.ok(['ps'])).split('\n')[0];
  assert.match(header, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
  await env.ok(['rm', '-f', a, b]);
});

// Each expectation is what the docker CLI 28 printed against a dockerd 20.10 for the
// same command ("Error response from daemon: " being stowage's "Error: ").
test("errors worded, streamed and coded as docker's", async () => {
  const expect = async (args: string[], out: { code: number; stdout?: string; stderr: string }) => {
    const r = await env.run(args);
    assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { stdout: '', ...out }, args.join(' '));
  };
  await expect(['kill', 'nonexist'], {
    code: 1,
    stderr: 'Error: Cannot kill container: nonexist: No such container: nonexist\n',
  });
  await expect(['start', 'nonexist'], {
    code: 1,
    stderr: 'Error: No such container: nonexist\nError: failed to start containers: nonexist\n',
  });
  await expect(['rm', '-f', 'nonexist', 'other'], {
    code: 0,
    stderr: 'Error: No such container: nonexist\nError: No such container: other\n',
  });
  await expect(['run', '--network', 'none', '-v', 'data:/x:zz', 'busybox', 'true'], {
    code: 125,
    stderr: "stowage: Error: invalid mode: zz\n\nRun 'stowage run --help' for more information\n",
  });
  await expect(['run', '--memory', '10x', 'busybox', 'true'], {
    code: 125,
    stderr: `invalid argument "10x" for "-m, --memory" flag: invalid suffix: 'x'\n\nUsage:  stowage run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'stowage run --help' for more information\n`,
  });
  await expect(['inspect', '--type', 'bogus', 'busybox'], {
    code: 1,
    stderr:
      'unknown type: "bogus": must be one of "config", "container", "image", "network", "node", "plugin", "secret", "service", "task", "volume"\n',
  });
  await expect(['inspect', '--type', 'container', 'busybox'], {
    code: 1,
    stdout: '[]\n',
    stderr: 'Error: No such container: busybox\n',
  });
  await expect(['ps', '--filter', 'bogus=1'], { code: 1, stderr: "Error: Invalid filter 'bogus'\n" });
  await expect(['run', '--stop-signal', 'FOO', 'busybox', 'true'], {
    code: 125,
    stderr: "stowage: Error: Invalid signal: FOO\n\nRun 'stowage run --help' for more information\n",
  });
  await expect(['run', '-p', '99999:80', 'busybox', 'true'], {
    code: 125,
    stderr: "stowage: invalid hostPort: 99999\n\nRun 'stowage run --help' for more information\n",
  });
  await expect(['run', '--env-file', '/nonexistent', 'busybox', 'true'], {
    code: 125,
    stderr: "stowage: open /nonexistent: no such file or directory\n\nRun 'stowage run --help' for more information\n",
  });
  // -it with a stdin that is no terminal: refused before anything is created
  const before = await env.ok(['ps', '-aq']);
  await expect(['run', '-it', 'busybox', 'true'], { code: 1, stderr: 'the input device is not a TTY\n' });
  assert.equal(await env.ok(['ps', '-aq']), before, 'no container was created');
  // generic inspect finds networks too
  assert.equal(await env.ok(['inspect', '-f', '{{.Name}} {{.Driver}}', 'none']), 'none null\n');
  await env.ok(['run', '-d', '--name', 'quoted', '--network', 'none', 'busybox', 'sh', '-c', 'sleep 1000; exit 3']);
  await expect(['exec', '-it', 'quoted', 'true'], { code: 1, stderr: 'the input device is not a TTY\n' });
  await env.ok(['create', '--name', 'taken', 'busybox']);
  await expect(['kill', '-s', 'FOO', 'quoted'], { code: 1, stderr: 'Error: Invalid signal: FOO\n' });
  await expect(['port', 'quoted', '80'], { code: 1, stderr: "Error: No public port '80' published for quoted\n" });
  const rename = await env.run(['rename', 'quoted', 'taken']);
  assert.equal(rename.code, 1);
  assert.match(
    rename.stderr,
    /^Error: Error when allocating new name: Conflict\. The container name "\/taken" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\.\nError: failed to rename container named quoted\n$/,
  );
  await expect(['rename', 'quoted', 'bad name'], {
    code: 1,
    stderr:
      'Error: Error when allocating new name: Invalid container name (/bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed\nError: failed to rename container named quoted\n',
  });
  await expect(['cp', '/nonexistent', 'quoted:/'], {
    code: 1,
    stderr: 'lstat /nonexistent: no such file or directory\n',
  });
  await expect(['cp', 'quoted:/etc/passwd', '/nonexistent-dir/x'], {
    code: 1,
    stderr: 'invalid output path: directory "/nonexistent-dir" does not exist\n',
  });
  await expect(['cp', '/etc/passwd', '/tmp/x'], { code: 1, stderr: 'must specify at least one container source\n' });
  await expect(['export', '-o', '/nonexistent-dir/x.tar', 'quoted'], {
    code: 1,
    stderr: 'failed to export container: invalid output path: stat /nonexistent-dir: no such file or directory\n',
  });
  await expect(['network', 'create', '--subnet', 'bogus', 'badnet'], {
    code: 1,
    stderr: 'Error: Invalid subnet bogus : invalid CIDR address: bogus\n',
  });
  // the daemon quotes the arguments that hold a space
  assert.equal(
    (await env.ok(['ps', '--filter', 'name=quoted', '--format', '{{.Command}}', '--no-trunc'])).trim(),
    `"sh -c 'sleep 1000; exit 3'"`,
  );
  await env.ok(['rm', '-f', 'quoted', 'taken']);
});
