// The container service's rules (names, rename, rm, kill and stop, restart
// policies, prune, ps filters) on the in-memory fakes (fake-container-parts.ts):
// no runc, no mounts, no root; the fake runtime says what runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Digest } from '../digest';
import { isKind } from '../errdefs';
import { layerTar } from '../layer/layers-contract';
import { parseTagTarget } from '../reference';
import type { CreateOptions } from './container-create';
import { containerInspect } from './container-inspect';
import { listContainers } from './container-queries';
import { ContainerService } from './containers';
import { FakeContainerParts, FakeEvents } from './fake-container-parts';
import { ImageService } from './images';

interface World {
  parts: FakeContainerParts;
  events: FakeEvents;
  images: ImageService;
  svc: ContainerService<FakeContainerParts>;
  /** an image with a layer of its own (content `seed`) on `parent`'s, tagged as given */
  image(seed: string, opts?: { tags?: string[]; parent?: Digest }): Promise<Digest>;
  create(over?: Partial<CreateOptions>): Promise<string>;
  status(id: string): string;
  /** ps as `docker ps -a --filter` lists them: names, newest first */
  ps(filters: Record<string, string[]>): string[];
}

/** A moment, so that containers made one after the other differ in their creation time. */
const tick = () => new Promise((r) => setTimeout(r, 3));

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

/** What `docker create busybox sh` asks for. */
const baseOptions = (): CreateOptions => ({
  image: 'busybox',
  cmd: ['sh'],
  env: [],
  tty: false,
  interactive: false,
  autoRemove: false,
  readOnly: false,
  privileged: false,
  capAdd: [],
  capDrop: [],
  securityOpt: [],
  memory: 0,
  cpus: 0,
  init: false,
  labels: {},
  runtime: '',
  networkMode: 'default',
  portBindings: {},
  publishAll: false,
  exposedPorts: {},
  mounts: [],
  binds: [],
});

async function world(): Promise<World> {
  const parts = new FakeContainerParts();
  const events = new FakeEvents();
  const images = new ImageService(parts.storage);
  const svc = new ContainerService(parts, images, events, { runtime: 'runc', selfCommand: ['stowage'] });
  const w: World = {
    parts,
    events,
    images,
    svc,
    async image(seed, opts = {}) {
      const parentTop = opts.parent ? (parts.storage.images.get(opts.parent)?.topLayer ?? null) : null;
      const layer = await parts.storage.layers.register(
        once(layerTar({ [`${seed}.txt`]: seed.repeat(10) })),
        parentTop,
      );
      const config = {
        os: 'linux',
        architecture: 'amd64',
        config: { Cmd: ['sh'], Labels: { seed } },
        created: '2024-01-01T00:00:00Z',
      };
      return images.commitImage(Buffer.from(JSON.stringify(config)), {
        topLayer: layer.chainId,
        parent: opts.parent ?? null,
        tags: (opts.tags ?? []).map(parseTagTarget),
      });
    },
    async create(over = {}) {
      return (await svc.create({ ...baseOptions(), ...over })).record.id;
    },
    status: (id) => svc.find(id).state.Status,
    ps: (filters) =>
      listContainers(
        { containerReads: svc.reads, images },
        { all: true, filters: new Map(Object.entries(filters)) },
      ).map((c) => c.record.name),
  };
  await w.image('base', { tags: ['busybox'] });
  return w;
}

/** Runs `fn` on a new world, removing its temporary root after. */
const inWorld = (fn: (w: World) => Promise<void>) => async () => {
  const w = await world();
  try {
    await fn(w);
  } finally {
    await w.svc.flush();
    w.parts.cleanup();
  }
};

const kindAndText = (kind: string, text: string) => (e: unknown) =>
  isKind(e, kind as never) && (e as Error).message === text;

test(
  'create: a free random name when none is asked; a taken name is a conflict naming its owner; a bad one is refused',
  inWorld(async (w) => {
    const a = await w.create();
    const b = await w.create();
    const [na, nb] = [w.svc.find(a).record.name, w.svc.find(b).record.name];
    assert.match(na, /^[a-z]+_[a-z]+$/);
    assert.notEqual(na, nb);
    const web = await w.create({ name: 'web' });
    assert.equal(w.svc.find('web').record.id, web);
    assert.equal(w.svc.find('/web').record.id, web);
    await assert.rejects(
      w.create({ name: 'web' }),
      kindAndText(
        'conflict',
        `Conflict. The container name "/web" is already in use by container "${web}". You have to remove (or rename) that container to be able to reuse that name.`,
      ),
    );
    await assert.rejects(
      w.create({ name: '-bad' }),
      kindAndText('invalid-argument', 'Invalid container name (-bad), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed'),
    );
    assert.equal(w.svc.list().length, 3, 'a refused create records nothing');
    assert.equal(w.status(web), 'created');
    assert.deepEqual(w.events.of('container', web), ['create']);
  }),
);

test(
  'create: an unknown image or network is not-found, and nothing is recorded',
  inWorld(async (w) => {
    await assert.rejects(w.create({ image: 'nosuch' }), kindAndText('not-found', 'No such image: nosuch:latest'));
    await assert.rejects(w.create({ networkMode: 'nonet' }), kindAndText('not-found', 'network nonet not found'));
    assert.deepEqual(w.svc.list(), []);
  }),
);

test(
  'rename: to a taken name, to its own name, to a bad name: refused; otherwise found by the new name only',
  inWorld(async (w) => {
    const a = await w.create({ name: 'one' });
    const b = await w.create({ name: 'two' });
    await assert.rejects(
      w.svc.rename('one', 'two'),
      kindAndText(
        'conflict',
        `Error when allocating new name: Conflict. The container name "/two" is already in use by container "${b}". You have to remove (or rename) that container to be able to reuse that name.`,
      ),
    );
    await assert.rejects(
      w.svc.rename('one', 'one'),
      kindAndText('invalid-argument', 'Renaming a container with the same name as its current name'),
    );
    await assert.rejects(w.svc.rename('one', 'no/slash'), (e: unknown) => isKind(e, 'invalid-argument'));
    await assert.rejects(w.svc.rename('nosuch', 'three'), kindAndText('not-found', 'No such container: nosuch'));
    await w.svc.rename('one', 'three');
    assert.equal(w.svc.find('three').record.id, a);
    assert.throws(() => w.svc.find('one'), kindAndText('not-found', 'No such container: one'));
    const renamed = w.events.log.find((e) => e.id === a && e.event === 'container rename');
    assert.equal(renamed?.attributes.oldName, '/one');
    assert.equal(renamed?.attributes.name, 'three');
  }),
);

test(
  'start: the runtime creates and starts it; running with its pids, a bridge endpoint and a held root filesystem',
  inWorld(async (w) => {
    const id = await w.create({ name: 'up' });
    const { container } = await w.svc.start('up');
    assert.equal(container.state.Status, 'running');
    assert.ok(container.state.Pid > 0);
    // (a run's leftovers are deleted first: none here)
    assert.deepEqual(w.parts.runtime.calls, [`delete ${id} --force`, `create ${id}`, `start ${id}`]);
    assert.equal((await w.parts.runtime.state(id))?.status, 'running');
    assert.equal(w.parts.rootfsHolders.mounted(id), true);
    const ep = w.svc.find(id).state.Networks?.bridge;
    assert.ok(ep?.IPAddress, 'an address on the default bridge');
    assert.deepEqual(
      w.parts.networks.endpoints(id).map((e) => e.IPAddress),
      [ep.IPAddress],
    );
    // started again while it runs: nothing happens
    await w.svc.start(id);
    assert.equal(w.parts.runtime.calls.filter((c) => c.startsWith('start')).length, 1);
    assert.deepEqual(w.events.of('container', id), ['create', 'start']);
  }),
);

test(
  'rm: a running container is refused without force; with it, killed and removed with all it held',
  inWorld(async (w) => {
    const id = await w.create({ name: 'busy' });
    await w.svc.start(id);
    await assert.rejects(
      w.svc.remove('busy'),
      kindAndText(
        'conflict',
        `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`,
      ),
    );
    assert.equal(w.status(id), 'running', 'a refused rm leaves it running');
    await w.svc.remove('busy', { force: true });
    assert.throws(() => w.svc.find(id), kindAndText('not-found', `No such container: ${id}`));
    assert.ok(w.parts.runtime.calls.includes(`kill ${id} KILL --all`));
    assert.equal(await w.parts.runtime.state(id), undefined, 'the runtime forgot it');
    assert.equal(w.parts.rootfsHolders.mounted(id), false);
    assert.deepEqual(w.parts.networks.endpoints(id), []);
    assert.deepEqual(w.events.of('container', id), ['create', 'start', 'kill', 'die', 'destroy']);
    // the name is free again
    await w.create({ name: 'busy' });
  }),
);

test(
  'rm: a stopped container goes without force; -v takes its anonymous volumes, named ones stay',
  inWorld(async (w) => {
    const id = await w.create();
    assert.equal(w.svc.volumeUsers('data').length, 0);
    const withVolumes = await w.svc.create(baseOptions(), [
      { Type: 'volume', Source: '', Destination: '/anon', RW: true, Mode: '', Propagation: '', Anonymous: true },
      { Type: 'volume', Name: 'data', Source: '', Destination: '/data', RW: true, Mode: '', Propagation: '' },
    ] as never);
    const anon = withVolumes.record.mounts.find((m) => m.Destination === '/anon')?.Name;
    assert.ok(anon && w.parts.volumes.get(anon));
    assert.deepEqual(w.svc.volumeUsers('data'), [withVolumes.record.id]);
    await w.svc.remove(id);
    await w.svc.remove(withVolumes.record.id, { volumes: true });
    assert.deepEqual(w.svc.list(), []);
    assert.equal(w.parts.volumes.get(anon), undefined, 'the anonymous volume went with it');
    assert.ok(w.parts.volumes.get('data'), 'the named volume stays');
  }),
);

test(
  'kill: SIGKILL ends it (exited, 137); a signal it ignores leaves it running; a stopped one is a conflict',
  inWorld(async (w) => {
    const id = await w.create({ name: 'kk' });
    await w.svc.start(id);
    await w.svc.kill('kk', 'SIGUSR1');
    assert.equal(w.status(id), 'running');
    await w.svc.kill('kk', 'SIGKILL');
    const s = w.svc.find(id).state;
    assert.equal(s.Status, 'exited');
    assert.equal(s.ExitCode, 137);
    assert.equal(s.ManuallyStopped, true);
    assert.equal(w.parts.rootfsHolders.mounted(id), false, 'the exit released the root filesystem');
    await assert.rejects(
      w.svc.kill('kk'),
      kindAndText('conflict', `Cannot kill container: kk: Container ${id} is not running`),
    );
    await assert.rejects(w.svc.kill('kk', 'SIGNOPE'), kindAndText('invalid-argument', 'Invalid signal: SIGNOPE'));
    await assert.rejects(
      w.svc.kill('nosuch'),
      kindAndText('not-found', 'Cannot kill container: nosuch: No such container: nosuch'),
    );
  }),
);

test(
  'stop: the stop signal first, SIGKILL when it is ignored; a stopped container stops again with no signal',
  inWorld(async (w) => {
    const id = await w.create({ name: 'ss', stopSignal: 'SIGUSR2' });
    await w.svc.start(id);
    const stopped = await w.svc.stop('ss', 0);
    assert.equal(stopped.state.Status, 'exited');
    assert.equal(stopped.state.ExitCode, 137);
    assert.deepEqual(
      w.parts.runtime.calls.filter((c) => c.startsWith('kill')),
      [`kill ${id} SIGUSR2`, `kill ${id} KILL --all`],
    );
    const calls = w.parts.runtime.calls.length;
    await w.svc.stop('ss', 0);
    assert.equal(w.parts.runtime.calls.length, calls, 'nothing asked of the runtime');
    assert.deepEqual(w.events.of('container', id), ['create', 'start', 'kill', 'die', 'stop'], 'no second stop event');
  }),
);

test(
  'an exit of its own is seen at the next look: exited with its code, the run released',
  inWorld(async (w) => {
    const id = await w.create();
    await w.svc.start(id);
    w.parts.runtime.exit(id, 3);
    assert.equal(w.svc.isRunning(id), false);
    const s = w.svc.find(id).state;
    assert.equal(s.Status, 'exited');
    assert.equal(s.ExitCode, 3);
    assert.equal(await w.svc.wait(id), 3);
    await w.svc.flush();
    assert.equal(await w.parts.runtime.state(id), undefined, 'the runtime state was deleted');
    assert.deepEqual(w.parts.networks.endpoints(id), []);
  }),
);

test(
  'wait gives up when its waiter goes away (the signal aborts), and still answers a running container that exits',
  inWorld(async (w) => {
    const id = await w.create();
    await w.svc.start(id);
    const left = new AbortController();
    const given = w.svc.wait(id, left.signal);
    left.abort();
    await given; // (without the signal it would look for an hour)
    assert.equal(w.status(id), 'running');
    const waited = w.svc.wait(id);
    w.parts.runtime.exit(id, 4);
    assert.equal(await waited, 4);
  }),
);

test(
  'an exit recorded by a read while the exit command waits for it: its clean-up still removes a --rm container',
  inWorld(async (w) => {
    const id = await w.create({ autoRemove: true });
    await w.svc.start(id);
    const runId = w.svc.find(id).state.RunId;
    const cleaning = w.svc.cleanup(id, runId); // what conmon's exit command runs, waiting for the exit code
    w.parts.runtime.exit(id, 0);
    assert.equal(w.svc.isRunning(id), false); // a read records the exit first and releases the run
    await w.svc.flush();
    w.parts.runtime.forgetExit(id); // (and its exit file went with the release)
    await cleaning;
    assert.equal(w.svc.records.get(id), undefined, 'removed');
    assert.deepEqual(w.parts.networks.endpoints(id), []);
  }),
);

test(
  'a clean-up while the container still runs (an attached client went away) leaves it running, its run held',
  inWorld(async (w) => {
    const id = await w.create({ autoRemove: true });
    await w.svc.start(id);
    await w.svc.cleanup(id, w.svc.find(id).state.RunId);
    assert.equal(w.status(id), 'running');
    assert.equal((await w.parts.runtime.state(id))?.status, 'running', 'the runtime state was not deleted');
    assert.equal(w.parts.networks.endpoints(id).length, 1, 'the network stays attached');
  }),
);

test(
  'restart policy: an exit under "always" shows restarting, and the exit command starts it again (RestartCount 1)',
  inWorld(async (w) => {
    const id = await w.create({ restartPolicy: { Name: 'always', MaximumRetryCount: 0 } });
    await w.svc.start(id);
    const runId = w.svc.find(id).state.RunId;
    w.parts.runtime.exit(id, 1);
    assert.equal(w.status(id), 'restarting', 'shown so until the exit command records it');
    await w.svc.cleanup(id, runId); // what conmon's exit command runs
    const s = w.svc.find(id).state;
    assert.equal(s.Error, '');
    assert.equal(s.Status, 'running');
    assert.equal(s.RestartCount, 1);
    assert.notEqual(s.RunId, runId);
    assert.equal(w.parts.runtime.calls.filter((c) => c === `create ${id}`).length, 2);
  }),
);

test(
  'rm of an exit whose exit command is still deciding waits for the decision: a restart is refused, as Docker',
  inWorld(async (w) => {
    const id = await w.create({ restartPolicy: { Name: 'always', MaximumRetryCount: 0 } });
    await w.svc.start(id);
    const runId = w.svc.find(id).state.RunId;
    w.parts.runtime.exit(id, 1);
    // the exit recorded, the policy not yet applied nor the run released: the exit command's first step
    w.parts.records.updateState(id, (s) => ({
      ...s,
      Status: 'exited',
      ExitCode: 1,
      FinishedAt: new Date().toISOString(),
    }));
    const rm = w.svc.remove(id);
    rm.catch(() => {}); // (asserted below, once the exit command has run)
    await w.svc.cleanup(id, runId);
    await assert.rejects(rm, /You cannot remove a restarting container/);
    assert.equal(w.svc.find(id).state.RestartCount, 1);
  }),
);

test(
  'restart policy: on-failure leaves a clean exit alone, and a stopped container is not restarted',
  inWorld(async (w) => {
    const clean = await w.create({ restartPolicy: { Name: 'on-failure', MaximumRetryCount: 0 } });
    await w.svc.start(clean);
    const run = w.svc.find(clean).state.RunId;
    w.parts.runtime.exit(clean, 0);
    await w.svc.cleanup(clean, run);
    assert.equal(w.status(clean), 'exited');
    assert.equal(w.svc.find(clean).state.RestartCount ?? 0, 0);

    const always = await w.create({ restartPolicy: { Name: 'always', MaximumRetryCount: 0 } });
    await w.svc.start(always);
    const run2 = w.svc.find(always).state.RunId;
    await w.svc.stop(always, 0);
    await w.svc.cleanup(always, run2);
    assert.equal(w.status(always), 'exited');
    assert.equal(w.svc.find(always).state.ManuallyStopped, true);
    assert.equal(w.parts.runtime.calls.filter((c) => c === `create ${always}`).length, 1);
  }),
);

test(
  'restart policy: update refuses one with --rm, and keeps a valid one in the record',
  inWorld(async (w) => {
    const rm = await w.create({ autoRemove: true });
    await assert.rejects(
      w.svc.update(rm, { restartPolicy: { Name: 'always', MaximumRetryCount: 0 } }),
      kindAndText(
        'invalid-argument',
        'Restart policy cannot be updated because AutoRemove is enabled for the container',
      ),
    );
    const id = await w.create();
    await w.svc.update(id, { restartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } });
    assert.deepEqual(w.svc.find(id).record.hostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  }),
);

test(
  'prune: removes stopped containers only, those the label filters pick, created before until',
  inWorld(async (w) => {
    const keepRunning = await w.create({ name: 'running', labels: { tier: 'web' } });
    await w.svc.start(keepRunning);
    const webId = await w.create({ name: 'web', labels: { tier: 'web' } });
    const dbId = await w.create({ name: 'db', labels: { tier: 'db', keep: '1' } });
    const plainId = await w.create({ name: 'plain' });
    await assert.rejects(
      w.svc.prune(new Map([['status', ['exited']]])),
      kindAndText('invalid-argument', "Invalid filter 'status'"),
    );

    const past = new Map([['until', ['2000-01-01T00:00:00Z']]]);
    assert.deepEqual((await w.svc.prune(past)).removed, [], 'all were created after until');

    const web = await w.svc.prune(new Map([['label', ['tier=web']]]));
    assert.deepEqual(web.removed, [webId]);
    assert.deepEqual(w.ps({}).sort(), ['db', 'plain', 'running']);

    const notKept = await w.svc.prune(new Map([['label!', ['keep']]]));
    assert.deepEqual(notKept.removed, [plainId]);
    assert.deepEqual(w.ps({}).sort(), ['db', 'running']);

    const all = await w.svc.prune();
    assert.deepEqual(all.removed, [dbId]);
    assert.deepEqual(w.ps({}), ['running'], 'a running container is never pruned');
  }),
);

test(
  'ps filters: status, name, label, ancestor; an unknown filter or status is refused',
  inWorld(async (w) => {
    const base = w.images.resolveId('busybox');
    const child = await w.image('child', { tags: ['app'], parent: base });
    await w.create({ name: 'made', labels: { tier: 'web' } });
    await tick();
    const up = await w.create({ name: 'up', image: 'app' });
    await tick();
    await w.svc.start(up);
    const gone = await w.create({ name: 'gone', labels: { tier: 'db' } });
    await w.svc.start(gone);
    await w.svc.kill(gone);
    assert.deepEqual(w.ps({}), ['gone', 'up', 'made'], 'newest first');
    assert.deepEqual(w.ps({ status: ['running'] }), ['up']);
    assert.deepEqual(w.ps({ status: ['exited', 'created'] }), ['gone', 'made']);
    assert.deepEqual(w.ps({ name: ['^/u'] }), ['up']);
    assert.deepEqual(w.ps({ name: ['a'] }), ['made']);
    assert.deepEqual(w.ps({ label: ['tier'] }), ['gone', 'made']);
    assert.deepEqual(w.ps({ label: ['tier=db'] }), ['gone']);
    assert.deepEqual(w.ps({ ancestor: ['busybox'] }), ['gone', 'up', 'made'], 'app is built on busybox');
    assert.deepEqual(w.ps({ ancestor: ['app'] }), ['up']);
    assert.deepEqual(w.ps({ ancestor: [child] }), ['up']);
    assert.deepEqual(w.ps({ ancestor: ['nosuch'] }), []);
    assert.deepEqual(w.ps({ exited: ['137'] }), ['gone']);
    // without -a: the running ones only
    assert.deepEqual(
      listContainers({ containerReads: w.svc.reads, images: w.images }).map((c) => c.record.name),
      ['up'],
    );
    assert.throws(() => w.ps({ color: ['red'] }), kindAndText('invalid-argument', "Invalid filter 'color'"));
    assert.throws(
      () => w.ps({ status: ['sleeping'] }),
      kindAndText('invalid-argument', "Invalid filter 'status=sleeping'"),
    );
  }),
);

test(
  "inspect: Docker's top-level order and the state, network and layers of a running, then a stopped container",
  inWorld(async (w) => {
    const store = { runroot: w.parts.runroot, layers: w.parts.storage.layers, images: w.parts.storage.images };
    const id = await w.create({
      name: 'web',
      labels: { tier: 'web' },
      restartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 },
    });
    await w.svc.start(id);
    const running = containerInspect(store, w.svc, w.svc.find(id), true);
    assert.deepEqual(Object.keys(running), [
      'Id',
      'Created',
      'Path',
      'Args',
      'State',
      'Image',
      'ResolvConfPath',
      'HostnamePath',
      'HostsPath',
      'LogPath',
      'Name',
      'RestartCount',
      'Driver',
      'Platform',
      'MountLabel',
      'ProcessLabel',
      'AppArmorProfile',
      'ExecIDs',
      'HostConfig',
      'GraphDriver',
      'SizeRw',
      'SizeRootFs',
      'Mounts',
      'Config',
      'NetworkSettings',
    ]);
    const c = w.svc.find(id);
    const state = running.State as Record<string, unknown>;
    assert.equal(state.Status, 'running');
    assert.equal(state.Running, true);
    assert.equal(state.Pid, c.state.Pid);
    assert.equal(running.Name, '/web');
    assert.equal(running.Image, w.images.resolveId('busybox'));
    assert.deepEqual((running.HostConfig as Record<string, unknown>).RestartPolicy, {
      Name: 'on-failure',
      MaximumRetryCount: 2,
    });
    assert.equal((running.Config as Record<string, Record<string, string>>).Labels.tier, 'web');
    const rootfs = w.svc.rootfs(id);
    const top = w.parts.storage.images.get(w.images.resolveId('busybox'))?.topLayer;
    assert.ok(top);
    assert.deepEqual((running.GraphDriver as Record<string, unknown>).Data, {
      LowerDir: `${rootfs.init}:${w.parts.storage.layers.diffDir(top)}`,
      MergedDir: rootfs.merged,
      UpperDir: rootfs.upper,
      WorkDir: rootfs.work,
    });
    assert.equal(running.SizeRw, 0);
    const net = (running.NetworkSettings as { Networks: Record<string, { IPAddress: string }> }).Networks;
    assert.equal(net.bridge.IPAddress, c.state.Networks?.bridge?.IPAddress);

    await w.svc.stop(id, 0);
    const stopped = containerInspect(store, w.svc, w.svc.find(id));
    const after = stopped.State as Record<string, unknown>;
    assert.deepEqual([after.Status, after.Running, after.Pid, after.ExitCode], ['exited', false, 0, 137]);
    assert.equal('SizeRw' in stopped, false, 'sizes only when asked');
  }),
);
