// The behaviour every Runtime owes the services: run against RuncRuntime with
// conmon and runc on a busybox bundle (test/integration/runtime-contract.test.ts,
// root) and against FakeRuntime (runtime.contract.test.ts, the unit suite).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKind } from '../errdefs';
import type { ContainerPaths } from './conmon';
import type { Runtime } from './runtime';

export interface RuntimeUnderTest {
  runtime: Runtime;
  /** A new container's bundle whose process runs `cmd` (with /bin/sleep and /bin/sh). */
  bundle(cmd: string[]): { id: string; paths: ContainerPaths };
  /** Removes every container made and their files. */
  cleanup(): Promise<void>;
}

const OPTS = { terminal: false, stdin: false };

async function eventually<T>(what: string, get: () => Promise<T> | T, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function runtimeContract(
  name: string,
  make: () => RuntimeUnderTest,
  opts: { skip?: string | false } = {},
): void {
  const withRuntime = (fn: (r: RuntimeUnderTest) => Promise<void>) => async () => {
    const r = make();
    try {
      await fn(r);
    } finally {
      await r.cleanup();
    }
  };
  const status = async (r: Runtime, id: string) => (await r.state(id))?.status;
  const skip = opts.skip;

  test(
    `${name}: create, start, pause, resume, SIGKILL, delete: the states runc reports`,
    { skip },
    withRuntime(async ({ runtime, bundle }) => {
      const { id, paths } = bundle(['sleep', '1000']);
      const { pid } = await runtime.create(id, 'contract', paths, OPTS);
      assert.ok(pid > 0);
      assert.deepEqual(await runtime.state(id).then((s) => s && { status: s.status, pid: s.pid }), {
        status: 'created',
        pid,
      });
      assert.equal(runtime.exitCode(paths, id), undefined);
      await runtime.start(id);
      assert.equal(await status(runtime, id), 'running');
      await runtime.pause(id);
      assert.equal(await status(runtime, id), 'paused');
      await runtime.resume(id);
      assert.equal(await status(runtime, id), 'running');
      await runtime.kill(id, 'SIGKILL');
      await eventually(
        'state after SIGKILL',
        () => status(runtime, id),
        (s) => s === 'stopped',
      );
      assert.equal(
        await eventually(
          'exit code',
          () => runtime.exitCode(paths, id),
          (c) => c !== undefined,
        ),
        137,
      );
      await runtime.delete(id);
      assert.equal(await runtime.state(id), undefined);
      await runtime.delete(id); // again: no error
    }),
  );

  test(
    `${name}: a stopped container: kill is conflict, start is refused`,
    { skip },
    withRuntime(async ({ runtime, bundle }) => {
      const { id, paths } = bundle(['sleep', '1000']);
      await runtime.create(id, 'contract', paths, OPTS);
      await runtime.start(id);
      await assert.rejects(runtime.start(id), 'a running container cannot be started again');
      await runtime.kill(id, 9);
      await eventually(
        'state after kill 9',
        () => status(runtime, id),
        (s) => s === 'stopped',
      );
      await assert.rejects(
        runtime.kill(id, 'SIGKILL'),
        (e: unknown) => isKind(e, 'conflict') && /is not running/.test((e as Error).message),
      );
      await assert.rejects(runtime.start(id));
      await runtime.delete(id);
    }),
  );

  test(
    `${name}: delete --force takes a running container away`,
    { skip },
    withRuntime(async ({ runtime, bundle }) => {
      const { id, paths } = bundle(['sleep', '1000']);
      await runtime.create(id, 'contract', paths, OPTS);
      await runtime.start(id);
      await runtime.delete(id, true);
      assert.equal(await runtime.state(id), undefined);
    }),
  );

  test(
    `${name}: an unknown container: state undefined; start, kill, pause are not-found; delete is no error`,
    { skip },
    withRuntime(async ({ runtime }) => {
      const id = 'st-never-made';
      const noSuch = (e: unknown) => isKind(e, 'not-found') && (e as Error).message === `No such container: ${id}`;
      assert.equal(await runtime.state(id), undefined);
      await assert.rejects(runtime.start(id), noSuch);
      await assert.rejects(runtime.kill(id, 'SIGKILL'), noSuch);
      await assert.rejects(runtime.pause(id), noSuch);
      await runtime.delete(id);
    }),
  );
}
