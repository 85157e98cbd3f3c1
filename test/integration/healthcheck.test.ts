// Healthchecks without a daemon: --health-* flags and images' HEALTHCHECK, the
// per-container keeper (build/Release/stowage-keeper), State.Health in inspect,
// `(healthy)` in ps, the health filter and the health_status events.
// Waits poll the recorded state (no timing is asserted).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestEnv } from '../helpers';

const env = new TestEnv();
before(async () => {
  await env.baseImage('busybox:latest');
});
after(() => env.cleanup());

interface Health {
  Status: string;
  FailingStreak: number;
  Log: Array<{ Start: string; End: string; ExitCode: number; Output: string }>;
}

async function health(name: string): Promise<Health | null> {
  return JSON.parse(await env.ok(['inspect', '-f', '{{json .State.Health}}', name]));
}

/** Polls the container's health until `ok` holds (a minute at most). */
async function waitHealth(name: string, ok: (h: Health) => boolean): Promise<Health> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const h = await health(name);
    if (h && ok(h)) return h;
    if (Date.now() > deadline) throw new Error(`health of ${name} never got there: ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const runners = (id: string) =>
  fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs
          .readFileSync(`/proc/${p}/cmdline`, 'utf8')
          .includes(`stowage-keeper\0--db\0${path.join(env.root, 'stowage.db')}\0--id\0${id}`);
      } catch {
        return false;
      }
    });

const events = async (name: string) =>
  (
    await env.ok([
      'events',
      '--since',
      '0',
      '--until',
      String(Math.ceil(Date.now() / 1000) + 1),
      '--filter',
      `container=${name}`,
      '--format',
      '{{.Action}}',
    ])
  )
    .trim()
    .split('\n');

test('a passing check: starting, then healthy with its log; ps shows it, the filter finds it, one health_status event', async () => {
  const id = (
    await env.ok([
      'run',
      '-d',
      '--network',
      'none',
      '--name',
      'ok',
      '--health-cmd',
      'echo probe-ran',
      '--health-interval',
      '200ms',
      'busybox',
      'sleep',
      '300',
    ])
  ).trim();
  assert.equal(runners(id).length, 1, 'one runner beside the container');
  const first = await health('ok');
  assert.ok(first && ['starting', 'healthy'].includes(first.Status));
  const h = await waitHealth('ok', (x) => x.Status === 'healthy');
  assert.equal(h.FailingStreak, 0);
  const entry = h.Log[h.Log.length - 1];
  assert.deepEqual(Object.keys(entry), ['Start', 'End', 'ExitCode', 'Output']);
  assert.equal(entry.ExitCode, 0);
  assert.equal(entry.Output, 'probe-ran\n');
  assert.ok(Date.parse(entry.End) >= Date.parse(entry.Start));
  assert.match(await env.ok(['ps', '--format', '{{.Status}}', '--filter', 'name=ok']), /^Up .* \(healthy\)\n$/);
  assert.equal(await env.ok(['ps', '--filter', 'health=healthy', '--format', '{{.Names}}']), 'ok\n');
  assert.equal(await env.ok(['ps', '--filter', 'health=unhealthy', '--format', '{{.Names}}']), '');
  assert.deepEqual(JSON.parse(await env.ok(['inspect', '-f', '{{json .Config.Healthcheck}}', 'ok'])), {
    Test: ['CMD-SHELL', 'echo probe-ran'],
    Interval: 200_000_000,
  });
  await waitHealth('ok', (x) => x.Log.length === 5);
  const more = await waitHealth('ok', (x) => x.Log[0].Start !== h.Log[0].Start && x.Log.length === 5);
  assert.equal(more.Log.length, 5, 'the last five probes are kept');
  const actions = await events('ok');
  assert.equal(
    actions.filter((a) => a === 'health_status: healthy').length,
    1,
    'an event when the status changes, not at each probe',
  );
  assert.ok(actions.includes('exec_create: /bin/sh -c echo probe-ran'), actions.join('\n'));
  assert.ok(actions.includes('exec_die'));
  await env.ok(['rm', '-f', 'ok']);
  assert.deepEqual(runners(id), [], 'the runner ends with the container');
});

test('failures: unhealthy after --health-retries in a row; a stop keeps the status, a start begins "starting" again with the log kept', async () => {
  await env.ok([
    'run',
    '-d',
    '--network',
    'none',
    '--name',
    'bad',
    '--health-cmd',
    'echo no; exit 3',
    '--health-interval',
    '200ms',
    '--health-retries',
    '2',
    'busybox',
    'sleep',
    '300',
  ]);
  const h = await waitHealth('bad', (x) => x.Status === 'unhealthy');
  assert.ok(h.FailingStreak >= 2);
  assert.ok(h.Log.every((e) => e.ExitCode === 3 && e.Output === 'no\n'));
  const before = (await events('bad')).filter((a) => a.startsWith('exec_die')).length;
  assert.ok(before >= 2, 'two failures before it is unhealthy');
  assert.equal((await events('bad')).filter((a) => a === 'health_status: unhealthy').length, 1);
  assert.match(await env.ok(['ps', '-a', '--format', '{{.Status}}', '--filter', 'name=bad']), /\(unhealthy\)/);
  await env.ok(['stop', '-t', '0', 'bad']);
  const stopped = await health('bad');
  assert.equal(stopped?.Status, 'unhealthy', 'kept after the stop, as Docker');
  assert.doesNotMatch(
    await env.ok(['ps', '-a', '--format', '{{.Status}}', '--filter', 'name=bad']),
    /healthy/,
    'ps shows health only while up',
  );
  const startedAt = Date.now();
  await env.ok(['start', 'bad']);
  // the start made it "starting" again (no event for that) with no failures: unhealthy again
  // after two new failures, with a second event; the last run's log stays
  const again = await waitHealth(
    'bad',
    (x) => x.Status === 'unhealthy' && Date.parse(x.Log[x.Log.length - 1].Start) > startedAt,
  );
  assert.equal((await events('bad')).filter((a) => a === 'health_status: unhealthy').length, 2);
  assert.ok(
    again.Log.some((e) => Date.parse(e.Start) < startedAt),
    "the last run's log is kept",
  );
  await env.ok(['rm', '-f', 'bad']);
});

test('the start period: failures before the first success do not count while it lasts', async () => {
  await env.ok([
    'run',
    '-d',
    '--network',
    'none',
    '--name',
    'slow',
    '--health-cmd',
    'test -e /ready',
    '--health-interval',
    '200ms',
    '--health-retries',
    '1',
    '--health-start-period',
    '10m',
    'busybox',
    'sleep',
    '300',
  ]);
  const h = await waitHealth('slow', (x) => x.Log.length >= 3);
  assert.equal(h.Status, 'starting', 'still starting after failed probes');
  assert.equal(h.FailingStreak, 0);
  assert.ok(h.Log.every((e) => e.ExitCode === 1));
  await env.ok(['exec', 'slow', 'touch', '/ready']);
  await waitHealth('slow', (x) => x.Status === 'healthy');
  await env.ok(['exec', 'slow', 'rm', '/ready']);
  // after a success the start period no longer shields failures
  const after = await waitHealth('slow', (x) => x.Status === 'unhealthy');
  assert.ok(after.FailingStreak >= 1);
  await env.ok(['rm', '-f', 'slow']);
});

test("a probe past its timeout is killed and fails with Docker's message; output is capped at 4096 bytes", async () => {
  await env.ok([
    'run',
    '-d',
    '--network',
    'none',
    '--name',
    'hang',
    '--health-cmd',
    'sleep 60',
    '--health-interval',
    '200ms',
    '--health-timeout',
    '300ms',
    '--health-retries',
    '1',
    'busybox',
    'sleep',
    '300',
  ]);
  const h = await waitHealth('hang', (x) => x.Status === 'unhealthy');
  assert.deepEqual([h.Log[0].ExitCode, h.Log[0].Output], [-1, 'Health check exceeded timeout (300ms)']);
  const ps = await env.ok(['exec', 'hang', 'ps', '-o', 'args']);
  // (Docker 20.10 leaves them running; later Dockers kill them, as the healthcheck's documentation says)
  assert.ok(
    ps.split('\n').filter((l) => l.trim() === 'sleep 60').length <= 1,
    `timed-out probes are killed, they do not pile up:\n${ps}`,
  );
  await env.ok(['rm', '-f', 'hang']);

  await env.ok([
    'run',
    '-d',
    '--network',
    'none',
    '--name',
    'loud',
    '--health-cmd',
    'head -c 5000 /dev/zero | tr "\\0" a',
    '--health-interval',
    '200ms',
    'busybox',
    'sleep',
    '300',
  ]);
  const loud = await waitHealth('loud', (x) => x.Status === 'healthy');
  assert.equal(loud.Log[0].Output, `${'a'.repeat(4096)}...`);
  await env.ok(['rm', '-f', 'loud']);
});

test('no probes while paused', async () => {
  await env.ok([
    'run',
    '-d',
    '--network',
    'none',
    '--name',
    'frozen',
    '--health-cmd',
    'true',
    '--health-interval',
    '200ms',
    'busybox',
    'sleep',
    '300',
  ]);
  await waitHealth('frozen', (x) => x.Log.length >= 1);
  await env.ok(['pause', 'frozen']);
  const paused = (await health('frozen'))!;
  await new Promise((r) => setTimeout(r, 1500));
  const later = (await health('frozen'))!;
  assert.equal(
    later.Log[later.Log.length - 1].Start,
    paused.Log[paused.Log.length - 1].Start,
    'nothing probed the frozen container',
  );
  await env.ok(['unpause', 'frozen']);
  await waitHealth('frozen', (x) => x.Log[x.Log.length - 1].Start !== paused.Log[paused.Log.length - 1].Start);
  await env.ok(['rm', '-f', 'frozen']);
});

test("an image's HEALTHCHECK runs; run flags change its timings; --no-healthcheck turns it off; bad values get Docker's errors", async () => {
  const ctx = path.join(env.dir, 'hc-ctx');
  fs.mkdirSync(ctx, { recursive: true });
  fs.writeFileSync(
    path.join(ctx, 'Dockerfile'),
    'FROM busybox\nHEALTHCHECK --interval=30m --retries=1 CMD ["sh", "-c", "exit 0"]\n',
  );
  await env.ok(['build', '-q', '-t', 'checked', ctx]);
  assert.deepEqual(JSON.parse(await env.ok(['image', 'inspect', '-f', '{{json .Config.Healthcheck}}', 'checked'])), {
    Test: ['CMD', 'sh', '-c', 'exit 0'],
    Interval: 1_800_000_000_000,
    Retries: 1,
  });
  await env.ok([
    'run',
    '-d',
    '--network',
    'none',
    '--name',
    'img',
    '--health-interval',
    '200ms',
    'checked',
    'sleep',
    '300',
  ]);
  assert.deepEqual(JSON.parse(await env.ok(['inspect', '-f', '{{json .Config.Healthcheck}}', 'img'])), {
    Test: ['CMD', 'sh', '-c', 'exit 0'],
    Interval: 200_000_000,
    Retries: 1,
  });
  await waitHealth('img', (x) => x.Status === 'healthy');
  const id = (
    await env.ok(['run', '-d', '--network', 'none', '--name', 'off', '--no-healthcheck', 'checked', 'sleep', '300'])
  ).trim();
  // as Docker's merge: NONE, with the image's other fields
  assert.equal(
    await env.ok(['inspect', '-f', '{{json .State.Health}} {{json .Config.Healthcheck}}', 'off']),
    'null {"Test":["NONE"],"Interval":1800000000000,"Retries":1}\n',
  );
  assert.deepEqual(runners(id), []);
  await env.ok(['rm', '-f', 'img', 'off']);
  assert.equal(
    await env.ok([
      'inspect',
      '-f',
      '{{json .State.Health}}',
      (await env.ok(['create', '--health-cmd', 'true', 'busybox'])).trim(),
    ]),
    'null\n',
    'no health before a start',
  );

  for (const [args, message] of [
    [['--no-healthcheck', '--health-cmd', 'true'], 'stowage: --no-healthcheck conflicts with --health-* options'],
    [['--health-interval', '-1s'], 'stowage: --health-interval cannot be negative'],
    [['--health-retries', '-1'], 'stowage: --health-retries cannot be negative'],
    [['--health-interval', '100us'], 'stowage: Error: Interval in Healthcheck cannot be less than 1ms'],
  ] as const) {
    const r = await env.run(['run', '--rm', ...args, 'busybox', 'true']);
    assert.equal(r.code, 125, r.stderr);
    assert.ok(r.stderr.startsWith(`${message}\n`), r.stderr);
  }
  const bad = await env.run(['run', '--rm', '--health-timeout', '5', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /invalid argument "5" for "--health-timeout" flag: time: missing unit in duration "5"/);
});
