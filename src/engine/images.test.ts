// The image service's rules (lookups, tags, rmi's conflicts and untagging, parent
// pruning, image prune) on the in-memory fakes: no store on disk, no root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shortId, type Digest } from '../digest';
import { isKind } from '../errdefs';
import { layerTar } from '../layer/layers-contract';
import { parseTagTarget } from '../reference';
import { FakeStorage } from './fake-storage';
import { ImageService, type ContainerUse } from './images';

interface World {
  storage: FakeStorage;
  svc: ImageService;
  /** a container of `image` (running or not): rmi's users, and a top layer the store keeps */
  use(image: Digest, id: string, running: boolean): void;
  /** an image with its own layer (content `seed`) on `parent`'s layers, tagged as given */
  image(seed: string, opts?: { tags?: string[]; parent?: Digest; digests?: string[] }): Promise<Digest>;
}

function world(): World {
  const users = new Map<Digest, ContainerUse[]>();
  const containerTops = new Set<Digest>();
  const storage = new FakeStorage(() => containerTops);
  const svc = new ImageService(storage, (id) => users.get(id) ?? []);
  return {
    storage,
    svc,
    use(image, id, running) {
      users.set(image, [{ id, running }]);
      const top = storage.images.get(image)?.topLayer;
      if (top) containerTops.add(top);
    },
    async image(seed, opts = {}) {
      const parentTop = opts.parent ? storage.images.get(opts.parent)!.topLayer : null;
      const layer = await storage.layers.register(once(layerTar({ [`${seed}.txt`]: seed.repeat(10) })), parentTop);
      const config = {
        os: 'linux',
        architecture: 'amd64',
        config: { Labels: { seed } },
        created: '2024-01-01T00:00:00Z',
      };
      return svc.commitImage(Buffer.from(JSON.stringify(config)), {
        topLayer: layer.chainId,
        parent: opts.parent ?? null,
        tags: (opts.tags ?? []).map(parseTagTarget),
        digests: opts.digests,
      });
    },
  };
}

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

const conflictWith = (text: string) => (e: unknown) => isKind(e, 'conflict') && (e as Error).message.includes(text);

test('resolveId: by familiar tag, full ID (with or without sha256:), unique prefix; otherwise not-found', async () => {
  const w = world();
  const id = await w.image('a', { tags: ['busybox', 'example.com/team/app:v1'] });
  assert.equal(w.svc.resolveId('busybox'), id);
  assert.equal(w.svc.resolveId('busybox:latest'), id);
  assert.equal(w.svc.resolveId('docker.io/library/busybox'), id);
  assert.equal(w.svc.resolveId('example.com/team/app:v1'), id);
  assert.equal(w.svc.resolveId(id), id);
  assert.equal(w.svc.resolveId(id.slice(7)), id);
  assert.equal(w.svc.resolveId(id.slice(7, 19)), id);
  assert.equal(w.svc.resolveId(`sha256:${id.slice(7, 19)}`), id);
  assert.throws(
    () => w.svc.resolveId('nosuch'),
    (e: unknown) => isKind(e, 'not-found') && (e as Error).message === 'No such image: nosuch:latest',
  );
  assert.throws(
    () => w.svc.resolveId('busybox:other'),
    (e: unknown) => isKind(e, 'not-found'),
  );
  assert.deepEqual(w.svc.repoTags(id), ['busybox:latest', 'example.com/team/app:v1']);
});

test('commitImage: size is the sum of the stack; a tag moves from the image that had it (onRetag); leases released', async () => {
  const w = world();
  const base = await w.image('base', { tags: ['base'] });
  const child = await w.image('child', { parent: base });
  const stack = w.storage.layers.stack(w.storage.images.get(child)!.topLayer);
  assert.equal(stack.length, 2);
  assert.equal(
    w.storage.images.get(child)!.size,
    stack.reduce((n, l) => n + l.size, 0),
  );
  const retagged: string[] = [];
  const raw = Buffer.from(JSON.stringify({ os: 'linux', config: { Labels: { other: '1' } } }));
  const other = w.svc.commitImage(raw, {
    topLayer: null,
    tags: [parseTagTarget('base')],
    onRetag: (ref, old) => retagged.push(`${ref.path}:${old === base}`),
  });
  assert.deepEqual(retagged, ['library/base:true']);
  assert.equal(w.svc.resolveId('base'), other);
  assert.deepEqual(w.svc.repoTags(base), []);
  // no lease is left: what no image references is collected
  assert.deepEqual(w.storage.gc(), []);
});

test('tag: a new name for an image; a missing source is not-found', async () => {
  const w = world();
  const id = await w.image('a', { tags: ['a'] });
  w.svc.tag('a', 'b:2');
  assert.equal(w.svc.resolveId('b:2'), id);
  assert.throws(
    () => w.svc.tag('nosuch', 'c'),
    (e: unknown) => isKind(e, 'not-found'),
  );
});

test('rmi of one of several tags only untags; of the last tag untags and deletes, layers collected', async () => {
  const w = world();
  const id = await w.image('a', { tags: ['a:1', 'a:2'] });
  const top = w.storage.images.get(id)!.topLayer!;
  assert.deepEqual(w.svc.remove('a:1'), [{ untagged: 'a:1' }]);
  assert.ok(w.storage.images.get(id));
  assert.deepEqual(w.svc.remove('a:2'), [{ untagged: 'a:2' }, { deleted: id }, { deleted: top }]);
  assert.equal(w.storage.images.get(id), undefined);
  assert.ok(!w.storage.blobs.has(id), 'the config blob is gone');
  assert.equal(w.storage.layers.get(top), undefined);
});

test('rmi of a tag takes the digest references of the same repository along', async () => {
  const w = world();
  const dig = `docker.io/library/a@sha256:${'d'.repeat(64)}`;
  const id = await w.image('a', { tags: ['a:1', 'other:1'], digests: [dig] });
  const records = w.svc.remove('a:1');
  assert.deepEqual(records, [{ untagged: 'a:1' }, { untagged: `a@sha256:${'d'.repeat(64)}` }]);
  assert.deepEqual(w.storage.images.refsOf(id), [{ name: 'docker.io/library/other:1', isDigest: false }]);
});

test("rmi of a container's only tag: conflict unless forced; forced, a stopped container's image goes", async () => {
  const w = world();
  const id = await w.image('a', { tags: ['a'] });
  const cid = 'c'.repeat(64);
  w.use(id, cid, false);
  assert.throws(
    () => w.svc.remove('a'),
    conflictWith(
      `unable to remove repository reference "a" (must force) - container ${shortId(cid)} is using its referenced image ${shortId(id)}`,
    ),
  );
  assert.equal(w.svc.resolveId('a'), id, 'nothing changed');
  const records = w.svc.remove('a', { force: true });
  assert.deepEqual(records.slice(0, 2), [{ untagged: 'a:latest' }, { deleted: id }]);
  // the image goes from under the stopped container, which keeps its layers
  const top = w.storage.images.get(id)?.topLayer;
  assert.equal(top, undefined);
  assert.equal(records.length, 2, 'no layer collected');
  assert.equal(w.storage.layers.list().length, 1);
});

test('rmi by ID: several repositories must be forced; children and running containers cannot be', async () => {
  const w = world();
  const id = await w.image('a', { tags: ['a', 'b'] });
  assert.throws(
    () => w.svc.remove(id.slice(7, 19)),
    conflictWith(`unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`),
  );
  assert.deepEqual(w.svc.repoTags(id), ['a:latest', 'b:latest'], 'nothing untagged');

  const child = await w.image('child', { parent: id, tags: ['child'] });
  assert.throws(
    () => w.svc.remove(id, { force: true }),
    conflictWith(`unable to delete ${shortId(id)} (cannot be forced) - image has dependent child images`),
  );

  const busy = await w.image('busy', { tags: ['busy'] });
  w.use(busy, 'f'.repeat(64), true);
  assert.throws(
    () => w.svc.remove(busy, { force: true }),
    conflictWith(`(cannot be forced) - image is being used by running container ${'f'.repeat(12)}`),
  );
  assert.ok(w.storage.images.get(busy));

  w.use(busy, 'f'.repeat(64), false);
  assert.throws(
    () => w.svc.remove(busy),
    conflictWith(`(must be forced) - image is being used by stopped container ${'f'.repeat(12)}`),
  );
  const forced = w.svc.remove(busy, { force: true });
  assert.deepEqual(forced.slice(0, 2), [{ untagged: 'busy:latest' }, { deleted: busy }]);
  assert.ok(w.storage.images.get(child));
});

test('rmi by ID with several repositories, forced: every tag untagged, then deleted', async () => {
  const w = world();
  const id = await w.image('a', { tags: ['a', 'b'] });
  const records = w.svc.remove(id, { force: true });
  assert.deepEqual(records.slice(0, 3), [{ untagged: 'a:latest' }, { untagged: 'b:latest' }, { deleted: id }]);
  assert.equal(w.storage.images.list().length, 0);
});

test('rmi of a child takes its untagged parent along, unless --no-prune; a tagged parent stays', async () => {
  const w = world();
  const parent = await w.image('p');
  const child = await w.image('c', { parent, tags: ['c'] });
  const [childTop, parentTop] = [child, parent].map((id) => w.storage.images.get(id)!.topLayer);
  const records = w.svc.remove('c');
  assert.deepEqual(records.slice(0, 3), [{ untagged: 'c:latest' }, { deleted: child }, { deleted: parent }]);
  assert.deepEqual(
    records
      .slice(3)
      .map((r) => r.deleted)
      .sort(),
    [childTop, parentTop].sort(),
    'their layers collected',
  );
  assert.equal(w.storage.images.list().length, 0);
  assert.equal(w.storage.layers.list().length, 0, 'both layers collected');

  const p2 = await w.image('p2');
  await w.image('c2', { parent: p2, tags: ['c2'] });
  w.svc.remove('c2', { noPrune: true });
  assert.ok(w.storage.images.get(p2), '--no-prune keeps the parent');

  const p3 = await w.image('p3', { tags: ['p3'] });
  await w.image('c3', { parent: p3, tags: ['c3'] });
  w.svc.remove('c3');
  assert.ok(w.storage.images.get(p3), 'a tagged parent stays');
});

test('image prune: dangling images only; with all, every unused one; reclaimed bytes; bad filters refused', async () => {
  const w = world();
  const dangling = await w.image('dangling');
  const tagged = await w.image('tagged', { tags: ['tagged'] });
  const used = await w.image('used');
  w.use(used, 'e'.repeat(64), true);
  const sizeOf = (id: Digest) => w.storage.images.get(id)!.size;
  const danglingSize = sizeOf(dangling);

  const first = w.svc.prune();
  assert.deepEqual(first.records[0], { deleted: dangling });
  assert.equal(first.records.length, 2, 'the image and its layer');
  assert.equal(first.reclaimed, danglingSize);
  assert.ok(w.storage.images.get(tagged) && w.storage.images.get(used));

  const taggedSize = sizeOf(tagged);
  const all = w.svc.prune({ all: true });
  assert.ok(all.records.some((r) => r.deleted === tagged));
  assert.ok(all.records.some((r) => r.untagged === 'tagged:latest'));
  assert.equal(all.reclaimed, taggedSize);
  assert.ok(w.storage.images.get(used), 'an image a container uses stays');

  assert.throws(
    () => w.svc.prune({ filters: new Map([['nosuch', ['x']]]) }),
    (e: unknown) => isKind(e, 'invalid-argument') && /Invalid filter 'nosuch'/.test((e as Error).message),
  );
});

test('image prune --filter label: only the images whose labels match', async () => {
  const w = world();
  const a = await w.image('a');
  const b = await w.image('b');
  const out = w.svc.prune({ filters: new Map([['label', ['seed=a']]]) });
  assert.ok(out.records.some((r) => r.deleted === a));
  assert.ok(!out.records.some((r) => r.deleted === b));
  assert.ok(w.storage.images.get(b));
});

test('refsByImage: every image with references, familiar and sorted by full name, as repoTags and repoDigests give them one by one', async () => {
  const w = world();
  const digest = `sha256:${'c'.repeat(64)}`;
  const a = await w.image('a', {
    tags: ['zeta:1', 'example.com/team/app:v1', 'busybox'],
    digests: [`docker.io/library/busybox@${digest}`],
  });
  const b = await w.image('b', { tags: ['alpha'] });
  const untagged = await w.image('c');
  const refs = w.svc.refsByImage();
  assert.deepEqual(refs.get(a), {
    tags: ['busybox:latest', 'zeta:1', 'example.com/team/app:v1'], // docker.io/library/... first
    digests: [`busybox@${digest}`],
  });
  assert.deepEqual(refs.get(b), { tags: ['alpha:latest'], digests: [] });
  assert.equal(refs.has(untagged), false);
  for (const id of [a, b]) {
    assert.deepEqual(refs.get(id)?.tags, w.svc.repoTags(id));
    assert.deepEqual(refs.get(id)?.digests, w.svc.repoDigests(id));
  }
});
