// Acceptance check of the foundation: the same rootfs tarball imported into
// stowage and into a real Docker 20.10 gives the same diff ID, the same SIZE,
// and `inspect` output with the same keys.
//
// Needs root and Debian's docker.io (scripts/setup.sh --with-references): the
// test fails, never skips, when the reference daemon cannot start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestEnv, baseTarball, sha256File, type Result } from '../helpers';
import { buildTar } from '../tar-builder';
import { startDockerDaemon, type DockerDaemon } from '../reference/docker-daemon';

const env = new TestEnv('stowage-interop-');
let docker: DockerDaemon;

before(async () => {
  docker = await startDockerDaemon();
});
after(async () => {
  await docker?.stop();
  env.cleanup();
});

/** A small layer with every shape whose size accounting can go wrong. */
function linksTarball(): string {
  const file = path.join(env.dir, 'links.tar');
  fs.writeFileSync(
    file,
    buildTar([
      { name: 'dir/', type: 'directory' },
      { name: 'dir/sub/', type: 'directory', mode: 0o700 },
      { name: 'dir/file', data: 'hello, world\n' },
      { name: 'dir/hard', type: 'link', linkname: 'dir/file' },
      { name: 'dir/sub/hard2', type: 'link', linkname: 'dir/file' },
      { name: 'dir/sym', type: 'symlink', linkname: 'file' },
      { name: 'abs-sym', type: 'symlink', linkname: '/dir/sub/nowhere/at/all' },
      { name: 'empty', data: '' },
      { name: 'dir/sub/empty-hard', type: 'link', linkname: 'empty' },
      { name: 'big', data: Buffer.alloc(70_000, 'x') },
      { name: 'emptydir/', type: 'directory' },
    ]),
  );
  return file;
}

type Side = 'docker' | 'stowage';
type Runner = (args: string[]) => Promise<Result>;

function runners(): Record<Side, Runner> {
  return { docker: (a) => docker.docker(a), stowage: (a) => env.run(a) };
}

async function ok(side: Side, args: string[]): Promise<string> {
  const r = await runners()[side](args);
  if (r.code !== 0)
    throw new Error(`${side} ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/** Cells of a docker CLI table, columns located by the header's words (a header may hold one space: "IMAGE ID"). */
function parseTable(out: string): { header: string[]; rows: Record<string, string>[] } {
  const lines = out.replace(/\n$/, '').split('\n');
  const cols: { name: string; start: number }[] = [];
  for (const m of lines[0].matchAll(/\S+(?: \S+)*/g)) cols.push({ name: m[0], start: m.index ?? 0 });
  const rows = lines.slice(1).map((l) => {
    const row: Record<string, string> = {};
    cols.forEach(
      (c, i) => (row[c.name] = l.slice(c.start, i + 1 < cols.length ? cols[i + 1].start : undefined).trim()),
    );
    return row;
  });
  return { header: cols.map((c) => c.name), rows };
}

/** Every key path of a JSON value: objects by key, array elements as []. */
function keyPaths(v: unknown, prefix = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((e) => keyPaths(e, `${prefix}[]`));
  if (v && typeof v === 'object') {
    return Object.entries(v).flatMap(([k, e]) => {
      const p = prefix ? `${prefix}.${k}` : k;
      return [p, ...keyPaths(e, p)];
    });
  }
  return [];
}

/** Key order of every object, as "path: k1,k2,…". */
function keyOrders(v: unknown, prefix = '$'): string[] {
  if (Array.isArray(v)) return v.flatMap((e) => keyOrders(e, `${prefix}[]`));
  if (v && typeof v === 'object') {
    return [
      `${prefix}: ${Object.keys(v).join(',')}`,
      ...Object.entries(v).flatMap(([k, e]) => keyOrders(e, `${prefix}.${k}`)),
    ];
  }
  return [];
}

function setDiff(docker: string[], stowage: string[]): string {
  const d = new Set(docker);
  const s = new Set(stowage);
  const onlyD = [...d].filter((k) => !s.has(k)).sort();
  const onlyS = [...s].filter((k) => !d.has(k)).sort();
  return [
    onlyD.length ? `only in Docker: ${onlyD.join(', ')}` : '',
    onlyS.length ? `only in stowage: ${onlyS.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

interface Case {
  name: string;
  file: () => string;
  /** Extra import flags, identical on both sides. */
  flags?: string[];
}

const cases: Case[] = [
  { name: 'busybox base tarball', file: () => baseTarball() },
  { name: 'tarball with hardlinks, symlinks, 0-byte files and directories', file: () => linksTarball() },
  {
    name: 'busybox base tarball with -m and -c (as the base image is made)',
    file: () => baseTarball(),
    flags: [
      '-m',
      'busybox-static base image',
      '-c',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '-c',
      'CMD ["sh"]',
    ],
  },
];

for (const c of cases) {
  test(`import of the same ${c.name}: same diff ID, SIZE and inspect keys as Docker 20.10`, async (t) => {
    const file = c.file();
    const ref = 't:1';
    const sides: Side[] = ['docker', 'stowage'];
    const id: Record<string, string> = {};
    for (const s of sides) id[s] = (await ok(s, ['import', ...(c.flags ?? []), file, ref])).trim();
    t.after(async () => {
      for (const s of sides) await runners()[s](['rmi', '-f', ref]);
    });
    for (const s of sides) assert.match(id[s], /^sha256:[0-9a-f]{64}$/, `${s} import prints the image ID`);

    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- both engines' inspect documents, compared field by field
    const inspect: Record<string, Record<string, any>> = {};
    for (const s of sides) {
      const arr = JSON.parse(await ok(s, ['image', 'inspect', ref]));
      assert.equal(arr.length, 1, `${s} image inspect returns one object`);
      inspect[s] = arr[0];
      assert.equal(inspect[s].Id, id[s], `${s} inspect Id is the ID import printed`);
    }
    const [d, st] = [inspect.docker, inspect.stowage];

    await t.test('diff ID (RootFS.Layers) is the same, and is the sha256 of the uncompressed tarball', () => {
      assert.deepEqual(st.RootFS, d.RootFS, 'RootFS differs');
      assert.deepEqual(d.RootFS.Layers, [sha256File(file)]);
    });

    await t.test('Size and VirtualSize from inspect are the same', () => {
      assert.equal(st.Size, d.Size, `inspect Size: Docker ${d.Size}, stowage ${st.Size}`);
      assert.equal(
        st.VirtualSize,
        d.VirtualSize,
        `inspect VirtualSize: Docker ${d.VirtualSize}, stowage ${st.VirtualSize}`,
      );
    });

    await t.test('`images` shows the same header and SIZE string', async () => {
      const tables: Record<string, ReturnType<typeof parseTable>> = {};
      for (const s of sides) tables[s] = parseTable(await ok(s, ['images', 't']));
      assert.deepEqual(tables.stowage.header, tables.docker.header, 'images header');
      assert.equal(tables.docker.rows.length, 1);
      assert.equal(tables.stowage.rows.length, 1, `stowage images t rows: ${JSON.stringify(tables.stowage.rows)}`);
      const [dr, sr] = [tables.docker.rows[0], tables.stowage.rows[0]];
      assert.equal(sr.SIZE, dr.SIZE, `images SIZE: Docker "${dr.SIZE}", stowage "${sr.SIZE}"`);
      assert.equal(sr.REPOSITORY, dr.REPOSITORY);
      assert.equal(sr.TAG, dr.TAG);
      assert.equal(sr['IMAGE ID'], id.stowage.slice(7, 19));
      const fmt: Record<string, string> = {};
      for (const s of sides)
        fmt[s] = await ok(s, ['images', '--format', '{{.Size}}|{{.VirtualSize}}|{{.Repository}}|{{.Tag}}', ref]);
      assert.equal(fmt.stowage, fmt.docker, 'images --format {{.Size}}|{{.VirtualSize}}|…');
    });

    await t.test('`history` has the same rows, SIZE column, CREATED BY and COMMENT', async () => {
      const tables: Record<string, ReturnType<typeof parseTable>> = {};
      for (const s of sides) tables[s] = parseTable(await ok(s, ['history', ref]));
      assert.deepEqual(tables.stowage.header, tables.docker.header, 'history header');
      assert.equal(tables.stowage.rows.length, tables.docker.rows.length, 'history row count');
      assert.deepEqual(
        tables.stowage.rows.map((r) => r.SIZE),
        tables.docker.rows.map((r) => r.SIZE),
        'history SIZE column',
      );
      assert.deepEqual(
        tables.stowage.rows.map((r) => r['CREATED BY']),
        tables.docker.rows.map((r) => r['CREATED BY']),
        'history CREATED BY column',
      );
      assert.deepEqual(
        tables.stowage.rows.map((r) => r.COMMENT),
        tables.docker.rows.map((r) => r.COMMENT),
        'history COMMENT column',
      );
      const fmt: Record<string, string> = {};
      for (const s of sides)
        fmt[s] = await ok(s, ['history', '--no-trunc', '--format', '{{.Size}}|{{.CreatedBy}}|{{.Comment}}', ref]);
      assert.equal(fmt.stowage, fmt.docker, 'history --no-trunc --format {{.Size}}|{{.CreatedBy}}|{{.Comment}}');
    });

    await t.test('`image inspect` has the same set of keys, recursively', () => {
      const diff = setDiff(keyPaths(d), keyPaths(st));
      assert.equal(diff, '', `image inspect keys differ: ${diff}`);
      for (const k of ['Config', 'ContainerConfig', 'GraphDriver', 'RootFS', 'Metadata']) {
        const kd = setDiff(keyPaths(d[k]), keyPaths(st[k]));
        assert.equal(kd, '', `image inspect ${k} keys differ: ${kd}`);
      }
    });

    await t.test('`image inspect` keys come in the same order', () => {
      assert.deepEqual(keyOrders(st), keyOrders(d), 'key order of image inspect objects');
    });

    await t.test('`image inspect` values that do not depend on time, store paths or engine agree', (st2) => {
      // DockerVersion is the daemon's own version ("20.10.24+dfsg1"): expected to differ, shown for the record
      if (st.DockerVersion !== d.DockerVersion)
        st2.diagnostic(
          `DockerVersion: Docker ${JSON.stringify(d.DockerVersion)}, stowage ${JSON.stringify(st.DockerVersion)}`,
        );
      for (const k of [
        'RepoTags',
        'RepoDigests',
        'Parent',
        'Comment',
        'Container',
        'ContainerConfig',
        'Author',
        'Config',
        'Architecture',
        'Variant',
        'Os',
      ]) {
        assert.deepEqual(
          st[k],
          d[k],
          `image inspect ${k}: Docker ${JSON.stringify(d[k])}, stowage ${JSON.stringify(st[k])}`,
        );
      }
      assert.equal(st.GraphDriver.Name, d.GraphDriver.Name, 'GraphDriver.Name');
      // RFC 3339 with up to nanoseconds, UTC, as Go writes time.Time
      const goTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;
      for (const [n, v] of [
        ['Created', st.Created],
        ['Metadata.LastTagTime', st.Metadata?.LastTagTime],
      ]) {
        assert.match(String(v), goTime, `stowage ${n} ${v} is Go's time format`);
      }
    });
  });
}
