// `--restart`: conmon's exit command applies the policy (no daemon watches the
// containers); stop and kill call it off, as in Docker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv } from '../helpers';

const env = new TestEnv();
before(async () => {
  await env.baseImage('busybox:latest');
});
after(() => env.cleanup());

const inspect = async (name: string, format: string) => (await env.ok(['inspect', '-f', format, name])).trim();

/** Polls until `ok` holds for the container's inspect line (a generous limit: this is not a timing test). */
async function until(name: string, format: string, ok: (line: string) => boolean, what: string): Promise<string> {
  let line = '';
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    line = await inspect(name, format);
    if (ok(line)) return line;
  }
  assert.fail(`${name}: ${what}; last seen: ${line}`);
}

const run = (args: string[]) => env.ok(['run', '-d', '--network', 'none', ...args]);

test('on-failure:N restarts a failing container N times, then it stays exited with its code', async () => {
  await run(['--name', 'flaky', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 3']);
  await until('flaky', '{{.State.Status}} {{.RestartCount}}', (l) => l === 'exited 2', 'two restarts, then exited');
  assert.equal(
    await inspect('flaky', '{{.State.ExitCode}} {{.HostConfig.RestartPolicy}} {{json .HostConfig.RestartPolicy}}'),
    '3 {on-failure 2} {"Name":"on-failure","MaximumRetryCount":2}',
  );
  assert.match(await env.ok(['ps', '-a', '--filter', 'name=flaky', '--format', '{{.Status}}']), /^Exited \(3\) /);
  // a success is not a failure
  await run(['--name', 'fine', '--restart', 'on-failure', 'busybox', 'true']);
  await until('fine', '{{.State.Status}}', (l) => l === 'exited', 'exited');
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await inspect('fine', '{{.State.Status}} {{.RestartCount}}'), 'exited 0');
  await env.ok(['rm', 'flaky', 'fine']);
});

test('always restarts whatever the code; stop calls it off until the next start; a restarting container is refused to rm', async () => {
  await run(['--name', 'loop', '--restart', 'always', 'busybox', 'sh', '-c', 'exit 0']);
  // the wait doubles from 100 ms: soon it sits in "restarting" long enough to be seen (after two restarts, 400 ms;
  // a quick reader may also catch the first 100 ms, before any restart)
  await until(
    'loop',
    '{{.State.Status}} {{.State.Restarting}} {{.State.Running}} {{.RestartCount}}',
    (l) => /^restarting true true \d+$/.test(l) && Number(l.split(' ')[3]) >= 2,
    'seen restarting after two restarts',
  );
  let listed = '';
  for (let i = 0; i < 100 && !/^Restarting \(0\) /.test(listed); i++)
    listed = await env.ok(['ps', '--filter', 'name=loop', '--format', '{{.Status}}']);
  assert.match(listed, /^Restarting \(0\) /, 'listed without -a, as Docker');
  const rm = await env.run(['rm', 'loop']);
  assert.equal(rm.code, 1);
  assert.match(
    rm.stderr,
    /^Error: You cannot remove a restarting container [0-9a-f]{64}\. Stop the container before attempting removal or force remove\n$/,
  );
  await env.ok(['stop', 'loop']);
  const count = await inspect('loop', '{{.RestartCount}}');
  assert.ok(Number(count) >= 2, count);
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(
    await inspect('loop', '{{.State.Status}} {{.RestartCount}}'),
    `exited ${count}`,
    'stopped by a user: not restarted',
  );
  await env.ok(['start', 'loop']);
  await until('loop', '{{.RestartCount}}', (l) => Number(l) > Number(count), 'restarted again after a start');
  await env.ok(['rm', '-f', 'loop']);
});

test('unless-stopped: a crash restarts it, a kill does not', async () => {
  await run([
    '--name',
    'us',
    '--restart',
    'unless-stopped',
    'busybox',
    'sh',
    '-c',
    'if [ -e /crashed ]; then exec sleep 1000; fi; touch /crashed; exit 1',
  ]);
  await until(
    'us',
    '{{.State.Status}} {{.RestartCount}}',
    (l) => l === 'running 1',
    'restarted once after the crash, then running',
  );
  await env.ok(['kill', 'us']);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await inspect('us', '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}'), 'exited 1 137');
  await env.ok(['rm', 'us']);
});

test('an attached run returns the first exit code; the policy goes on in the background', async () => {
  const r = await env.run([
    'run',
    '--name',
    'att',
    '--network',
    'none',
    '--restart',
    'on-failure:1',
    'busybox',
    'sh',
    '-c',
    'echo ran; exit 4',
  ]);
  assert.deepEqual([r.code, r.stdout], [4, 'ran\n']);
  await until('att', '{{.State.Status}} {{.RestartCount}}', (l) => l === 'exited 1', 'restarted once');
  assert.equal(await env.ok(['logs', 'att']), 'ran\nran\n');
  await env.ok(['rm', 'att']);
});

test("bad policies are refused with the docker CLI's and engine's words, and nothing is created", async () => {
  const cases: Array<[string[], string]> = [
    [['--rm', '--restart', 'always'], 'stowage: conflicting options: cannot specify both --restart and --rm'],
    [
      ['--restart', 'bogus'],
      "stowage: Error: invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'",
    ],
    [
      ['--restart', 'always:3'],
      "stowage: Error: invalid restart policy: maximum retry count can only be used with 'on-failure'",
    ],
    [['--restart', 'on-failure:-1'], 'stowage: Error: invalid restart policy: maximum retry count cannot be negative'],
    [['--restart', 'on-failure:x'], 'stowage: invalid restart policy format: maximum retry count must be an integer'],
    [['--restart', ':3'], 'stowage: invalid restart policy format: no policy provided before colon'],
  ];
  for (const [flags, message] of cases) {
    const r = await env.run(['run', '-d', ...flags, 'busybox', 'true']);
    assert.deepEqual(
      [r.code, r.stdout, r.stderr],
      [125, '', `${message}\n\nRun 'stowage run --help' for more information\n`],
      flags.join(' '),
    );
  }
  assert.equal(await env.ok(['ps', '-aq']), '');
});
