// Every archive in the shared fixtures: good ones load to exactly what
// expected.json says (IDs, tags, diff IDs, config, flattened filesystem);
// hostile ones are refused with a clear error and change nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, TestEnv, listTree } from '../helpers';

interface FsEntry {
  path: string;
  type: string;
  mode?: string;
  uid: number;
  gid: number;
  size?: number;
  sha256?: string;
  target?: string;
  hardlinks?: string[];
}
interface Expected {
  kind: 'good' | 'hostile';
  images?: Array<{
    id: string;
    repo_tags: string[] | null;
    diff_ids: string[];
    config: Record<string, unknown>;
    history_entries: number;
    architecture: string;
    os: string;
  }>;
  filesystem?: Record<
    string,
    { complete: boolean; must_exist: FsEntry[]; must_not_exist: string[]; no_whiteout_entries?: boolean }
  >;
  must_not_register?: { repo_tags?: string[]; image_ids?: string[] };
  details?: { must_not_create_host_paths?: string[] };
}

assert.ok(FIXTURES, 'the fixture archives are present');
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, Expected>;
const envs: TestEnv[] = [];
after(() => envs.forEach((e) => e.cleanup()));

function typeOf(st: fs.Stats): string {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  return 'file';
}

/** The image's flattened filesystem: its layers mounted as a read-only overlay. */
function withFlattened<T>(env: TestEnv, lowers: string[], fn: (root: string) => T): T {
  if (lowers.length === 1) return fn(lowers[0]);
  const mnt = fs.mkdtempSync(path.join(env.dir, 'mnt-'));
  const r = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${lowers.join(':')}`, mnt], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `mount overlay: ${r.stderr}`);
  try {
    return fn(mnt);
  } finally {
    spawnSync('umount', [mnt]);
  }
}

function checkFilesystem(root: string, truth: NonNullable<Expected['filesystem']>[string]) {
  const inodes = new Map<number, string[]>();
  const all = listTree(root);
  for (const rel of all) {
    const st = fs.lstatSync(path.join(root, rel));
    if (!st.isDirectory()) inodes.set(st.ino, [...(inodes.get(st.ino) ?? []), `/${rel}`]);
  }
  for (const e of truth.must_exist) {
    const p = path.join(root, e.path);
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    assert.ok(st, `${e.path} exists`);
    assert.equal(typeOf(st), e.type, `${e.path} type`);
    assert.equal(st.uid, e.uid, `${e.path} uid`);
    assert.equal(st.gid, e.gid, `${e.path} gid`);
    if (e.mode) assert.equal((st.mode & 0o7777).toString(8).padStart(4, '0'), e.mode, `${e.path} mode`);
    if (e.type === 'symlink') assert.equal(fs.readlinkSync(p), e.target, `${e.path} target`);
    if (e.type === 'file') {
      assert.equal(st.size, e.size, `${e.path} size`);
      assert.equal(createHash('sha256').update(fs.readFileSync(p)).digest('hex'), e.sha256, `${e.path} content`);
    }
    if (e.hardlinks)
      assert.deepEqual((inodes.get(st.ino) ?? []).sort(), [...e.hardlinks].sort(), `${e.path} hard links`);
  }
  for (const p of truth.must_not_exist) assert.ok(!fs.existsSync(path.join(root, p)), `${p} is absent`);
  if (truth.complete)
    assert.deepEqual(
      all.map((r) => `/${r}`),
      truth.must_exist.map((e) => e.path).sort(),
      'the flattened filesystem is complete and has nothing more',
    );
  if (truth.no_whiteout_entries) assert.ok(!all.some((r) => path.basename(r).startsWith('.wh.')), 'no whiteout names');
}

for (const [file, exp] of Object.entries(expected)) {
  if (exp.kind === 'good') {
    test(`loads ${file} as expected.json says`, async () => {
      const env = new TestEnv();
      envs.push(env);
      const out = await env.ok(['load', '-i', path.join(FIXTURES!, file)]);
      for (const img of exp.images!) {
        const tags = img.repo_tags ?? [];
        if (tags.length === 0) assert.match(out, new RegExp(`Loaded image ID: ${img.id}`));
        for (const t of tags)
          assert.match(out, new RegExp(`Loaded image: ${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:latest)?\\n`));
        const [inspect] = JSON.parse(await env.ok(['image', 'inspect', img.id]));
        assert.equal(inspect.Id, img.id);
        assert.deepEqual(inspect.RootFS.Layers, img.diff_ids);
        assert.equal(inspect.Architecture, img.architecture);
        assert.equal(inspect.Os, img.os);
        for (const [k, v] of Object.entries(img.config)) assert.deepEqual(inspect.Config[k], v, `Config.${k}`);
        const history = (await env.ok(['history', '-q', img.id])).trim().split('\n');
        assert.equal(history.length, img.history_entries);
        for (const t of tags) {
          const tagged = t.includes(':') ? t : `${t}:latest`;
          assert.equal(
            (await env.ok(['image', 'inspect', '-f', '{{.Id}}', tagged])).trim(),
            img.id,
            `${tagged} names the image`,
          );
        }
        const truth = exp.filesystem?.[img.id];
        if (truth) {
          const upper = inspect.GraphDriver.Data.UpperDir as string;
          const lower = (inspect.GraphDriver.Data.LowerDir as string | undefined)?.split(':') ?? [];
          withFlattened(env, [upper, ...lower], (root) => checkFilesystem(root, truth));
        }
      }
    });
  } else {
    test(`refuses ${file} and changes nothing`, async () => {
      const env = new TestEnv();
      envs.push(env);
      await env.baseImage('busybox:latest');
      const before = {
        images: await env.ok([
          'images',
          '-a',
          '--no-trunc',
          '--format',
          '{{.Repository}}:{{.Tag}} {{.ID}} {{.CreatedAt}} {{.Size}}',
        ]),
        tree: listTree(env.root).filter((p) => !p.startsWith('stowage.db')),
      };
      const r = await env.run(['load', '-i', path.join(FIXTURES!, file)]);
      assert.equal(r.code, 1, `exit status (stderr: ${r.stderr})`);
      assert.match(r.stderr, /^Error: invalid archive: .{20,}/);
      assert.equal(r.stdout, '');
      assert.equal(
        await env.ok([
          'images',
          '-a',
          '--no-trunc',
          '--format',
          '{{.Repository}}:{{.Tag}} {{.ID}} {{.CreatedAt}} {{.Size}}',
        ]),
        before.images,
      );
      assert.deepEqual(
        listTree(env.root).filter((p) => !p.startsWith('stowage.db')),
        before.tree,
        'no layer, blob or temporary file left',
      );
      const forbidden = [...(exp.must_not_register?.repo_tags ?? []), ...(exp.must_not_register?.image_ids ?? [])];
      for (const name of forbidden) {
        const i = await env.run(['image', 'inspect', name]);
        assert.equal(i.code, 1, `${name} is not registered`);
      }
      for (const p of exp.details?.must_not_create_host_paths ?? [])
        assert.ok(!fs.existsSync(p), `${p} was not created`);
    });
  }
}
