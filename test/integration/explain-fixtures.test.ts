// `image explain --archive` on every archive of the shared fixtures (Docker's
// old and new layouts, podman's docker-archive and oci-archive, skopeo's OCI
// archives, compressed ones): the same report as from the store after `load`,
// and what it says a container sees is what the kernel's overlayfs shows.
// Hostile archives are refused or explained, never written anywhere.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, TestEnv, listTree } from '../helpers';
import type { ExplainReport } from '../../src/explain/types';

interface Expected {
  kind: 'good' | 'hostile';
  images?: Array<{ id: string }>;
  details?: { must_not_create_host_paths?: string[] };
}

assert.ok(FIXTURES, 'the fixture archives are present');
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, Expected>;

let env: TestEnv;
before(() => {
  env = new TestEnv();
});
after(() => env.cleanup());

async function explain(args: string[]): Promise<ExplainReport> {
  return JSON.parse(await env.ok(['image', 'explain', '--format', 'json', ...args])) as ExplainReport;
}

/** Non-directories and their bytes (hard links once) in the image as overlayfs stacks its layers. */
function seenByOverlay(layerDirs: string[]): { files: number; bytes: number } {
  const walk = (root: string) => {
    const inodes = new Set<number>();
    let files = 0;
    let bytes = 0;
    for (const rel of listTree(root)) {
      const st = fs.lstatSync(path.join(root, rel));
      if (st.isDirectory()) continue;
      files++;
      if (!inodes.has(st.ino)) bytes += st.size;
      inodes.add(st.ino);
    }
    return { files, bytes };
  };
  if (layerDirs.length === 1) return walk(layerDirs[0]);
  const mnt = fs.mkdtempSync(path.join(env.dir, 'mnt-'));
  const r = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${layerDirs.join(':')}`, mnt], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `mount overlay: ${r.stderr}`);
  try {
    return walk(mnt);
  } finally {
    spawnSync('umount', [mnt]);
  }
}

for (const [file, exp] of Object.entries(expected)) {
  const archive = () => path.join(FIXTURES!, file);
  if (exp.kind === 'good') {
    test(`explains ${file} from the archive as from the store, and as overlayfs shows it`, async () => {
      const fromArchive = new Map<string, ExplainReport>();
      for (const img of exp.images!) fromArchive.set(img.id, await explain(['--archive', archive(), img.id]));
      await env.ok(['load', '-i', archive()]);
      for (const img of exp.images!) {
        const a = fromArchive.get(img.id)!;
        const s = await explain([img.id]);
        assert.equal(a.image.id, img.id);
        const { sharedBytes: _a1, uniqueBytes: _a2, layers: la, ...restA } = { ...a, image: null };
        const { sharedBytes: _s1, uniqueBytes: _s2, layers: ls, ...restS } = { ...s, image: null };
        assert.deepEqual(restA, restS, 'the same analysis');
        assert.deepEqual(
          la.map((l) => ({ ...l, sharedWith: [] })),
          ls.map((l) => ({ ...l, sharedWith: [] })),
          'the same layers',
        );
        const [inspect] = JSON.parse(await env.ok(['image', 'inspect', img.id]));
        assert.equal(s.size, inspect.Size, 'the size `images` shows');
        const data = inspect.GraphDriver.Data;
        const dirs = [data.UpperDir as string, ...((data.LowerDir as string | undefined)?.split(':') ?? [])];
        const seen = seenByOverlay(dirs);
        assert.deepEqual({ files: s.files, bytes: s.visibleBytes }, seen, 'what a container sees');
      }
    });
  } else {
    test(`explaining ${file} refuses it or reads it, and writes nothing`, async () => {
      const before = listTree(env.root);
      const r = await env.run(['image', 'explain', '--archive', archive()]);
      if (r.code !== 0) assert.match(r.stderr, /^Error: invalid archive: .{20,}/);
      assert.deepEqual(listTree(env.root), before);
      for (const p of exp.details?.must_not_create_host_paths ?? [])
        assert.ok(!fs.existsSync(p), `${p} was not created`);
    });
  }
}
