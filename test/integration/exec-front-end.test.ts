// The native front end (native/launcher.c) runs plain `exec` without Node.js:
// it must give exactly what the Node CLI gives, and hand everything else over.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { processStart } from '../../src/util/proc';
import { TestEnv, type Result } from '../helpers';

const env = new TestEnv();
let id = '';
before(async () => {
  await env.baseImage('busybox:latest');
  id = (
    await env.ok([
      'run',
      '-d',
      '--network',
      'none',
      '--name',
      'fe',
      '-e',
      'FROM_RUN=1',
      '-w',
      '/tmp',
      'busybox',
      'sleep',
      '1000',
    ])
  ).trim();
  await env.ok(['create', '--name', 'stopped', 'busybox', 'true']);
});
after(() => env.cleanup());

/** The same command through the front end and through the Node CLI alone. */
async function both(args: string[], input?: string): Promise<[Result, Result]> {
  const fast = await env.run(args, { input, env: { HOME_ON_HOST: '/home/me' } });
  const slow = await env.run(args, { input, env: { HOME_ON_HOST: '/home/me', STOWAGE_NO_FASTPATH: '1' } });
  return [fast, slow];
}

const cases: Array<[string, string[], string?]> = [
  ['exit status and both streams', ['exec', 'fe', 'sh', '-c', 'echo out; echo err >&2; exit 3']],
  [
    'env and workdir, short and long, a variable taken from the host',
    [
      'exec',
      '-e',
      'A=1',
      '--env=B=2',
      '-e',
      'HOME_ON_HOST',
      '-e',
      'UNSET_ON_HOST',
      '-w',
      '/etc',
      'fe',
      'sh',
      '-c',
      'pwd; echo $A $B $HOME_ON_HOST $FROM_RUN ${UNSET_ON_HOST-unset}',
    ],
  ],
  [
    "an -e that overrides the container's own variable",
    ['exec', '-e', 'FROM_RUN=2', '--workdir=/', 'fe', 'sh', '-c', 'pwd; echo $FROM_RUN; env | grep -c FROM_RUN'],
  ],
  ['stdin with -i (clustered), none without', ['exec', '-ie', 'X=y', 'fe', 'sh', '-c', 'cat; echo $X'], 'from stdin\n'],
  ['no stdin without -i', ['exec', 'fe', 'cat'], 'not read\n'],
  ['a flag after the container belongs to the command', ['exec', 'fe', 'echo', '-e', 'x']],
  ['a command that does not exist (127)', ['exec', 'fe', 'nosuch']],
  ['a command that cannot run (126)', ['exec', 'fe', '/etc']],
  ['a relative working directory', ['exec', '-w', 'rel', 'fe', 'pwd']],
  ['no such container', ['exec', 'nosuch', 'true']],
  ['a container that is not running', ['exec', 'stopped', 'true']],
  ['an invalid variable', ['exec', '-e', '=x', 'fe', 'true']],
  ['no command', ['exec', 'fe']],
  ['an unknown user (126)', ['exec', '-u', 'nouser', 'fe', 'true']],
];

for (const [what, args, input] of cases) {
  test(`front end = Node CLI: ${what}`, async () => {
    const [fast, slow] = await both(args, input);
    assert.deepEqual(fast, slow);
  });
}

test('results are what Docker gives', async () => {
  const [r] = await both(cases[1][1]);
  assert.deepEqual(r, { code: 0, stdout: '/etc\n1 2 /home/me 1 unset\n', stderr: '' });
  const [over] = await both(cases[2][1]);
  assert.equal(over.stdout, '/\n2\n1\n', 'one FROM_RUN, the one given to exec');
  const [io] = await both(cases[3][1], cases[3][2]);
  assert.equal(io.stdout, 'from stdin\ny\n');
  const [missing] = await both(cases[6][1]);
  assert.equal(missing.code, 127);
  // as the docker CLI shows it: on stdout (the exec's own stream), without a prefix
  assert.match(
    missing.stdout,
    /^OCI runtime exec failed: exec failed: unable to start container process: exec: "\S+": executable file not found in \$PATH: unknown\n$/,
  );
  assert.equal(missing.stderr, '');
  const [nouser] = await both(cases[13][1]);
  assert.deepEqual(nouser, {
    code: 126,
    stdout: 'unable to find user nouser: no matching entries in passwd file\n',
    stderr: '',
  });
  const [stopped] = await both(cases[10][1]);
  assert.notEqual(stopped.code, 0);
  assert.match(stopped.stderr, /is not running/);
});

test("by ID prefix and by full ID; paused refused with Docker's words", async () => {
  assert.equal(await env.ok(['exec', id.slice(0, 12), 'hostname']), `${id.slice(0, 12)}\n`);
  assert.equal(await env.ok(['exec', id, 'hostname']), `${id.slice(0, 12)}\n`);
  await env.ok(['pause', 'fe']);
  try {
    const [fast, slow] = await both(['exec', 'fe', 'true']);
    assert.deepEqual(fast, slow);
    assert.equal(
      fast.stderr,
      'Error: Container fe is paused, unpause the container before exec\n',
      'named as the user named it, as Docker',
    );
  } finally {
    await env.ok(['unpause', 'fe']);
  }
});

test('plain exec runs without Node.js; everything else goes to the Node CLI', async () => {
  // runc is in /usr/sbin, node is not: only the native path can succeed
  const noNode = { PATH: '/usr/sbin:/sbin' };
  const r = await env.run(['exec', '-e', 'V=fast', 'fe', 'sh', '-c', 'echo $V'], { env: noNode });
  assert.deepEqual(r, { code: 0, stdout: 'fast\n', stderr: '' });
  const ps = await env.run(['ps'], { env: noNode });
  assert.equal(ps.code, 127);
  assert.match(ps.stderr, /node: not found in PATH/);
  const tty = await env.run(['exec', '-t', 'fe', 'true'], { env: noNode });
  assert.match(tty.stderr, /node: not found in PATH/, '-t is left to the Node CLI');
});

test("conmon's exit command ends without Node.js once the attached process released the run; else Node does the clean-up", async () => {
  const noNode = { PATH: '/usr/sbin:/sbin' };
  const db = new Database(path.join(env.root, 'stowage.db'), { readonly: true });
  const row = (name: string) =>
    db.prepare("SELECT id, json_extract(state, '$.RunId') AS run FROM containers WHERE name = ?").get(name) as {
      id: string;
      run: string;
    };
  const runOf = (name: string) => row(name).run;
  const fe = row('fe').id;
  const live = `${process.pid}:${processStart(process.pid)}`;
  const cleanup = (run: string, container: string, owner?: string) =>
    env.run(['container', 'cleanup', '--run', run, ...(owner ? ['--owner', owner] : []), container], { env: noNode });
  const nodeWasStarted = (r: Result) => r.code === 127 && /node: not found in PATH/.test(r.stderr);

  // an attached run, released by the CLI (its own clean-up at the exit, or the exit command's)
  await env.ok(['run', '--name', 'done', 'busybox', 'true']);
  const done = runOf('done');
  const doneId = row('done').id;
  for (let i = 0; i < 100; i++) {
    const s = db
      .prepare("SELECT json_extract(state, '$.ReleasedRun') AS r FROM containers WHERE name = 'done'")
      .get() as {
      r: string | null;
    };
    if (s.r === done) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(await cleanup(done, doneId, live), { code: 0, stdout: '', stderr: '' }, 'released: nothing left');
  assert.equal((await cleanup(runOf('fe'), 'f'.repeat(64), live)).code, 0, 'removed: nothing left');
  assert.equal((await cleanup('an-earlier-run', fe, live)).code, 0, 'a later run is not this command’s');
  // still running (not released): with the owner gone, or none named, the Node CLI cleans up
  assert.ok(nodeWasStarted(await cleanup(runOf('fe'), fe, '1:1')), 'owner gone');
  assert.ok(nodeWasStarted(await cleanup(runOf('fe'), fe)), 'no owner');
  assert.ok(nodeWasStarted(await cleanup(done, doneId)), 'without --owner the launcher never decides');
  assert.ok(nodeWasStarted(await cleanup(done, 'done', live)), 'a name is for the Node CLI to find');
  db.close();
});
