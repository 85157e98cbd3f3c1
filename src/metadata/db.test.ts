import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDb, readTx, SCHEMA } from './db';
import { ContainerTable } from './containers';
import { ImageTable } from './images';
import type { Digest } from '../digest';

/** The schema as stowage wrote it before the networks table went and the C front end's view came. */
const BEFORE = 14;

function tmpFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-db-'));
  test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'stowage.db');
}

test('a store made by the earlier schema opens, migrates and keeps its rows', () => {
  const file = tmpFile();
  const old = new Database(file);
  old.pragma('journal_mode = WAL');
  for (const sql of SCHEMA.slice(0, BEFORE)) old.exec(sql);
  old.pragma(`user_version = ${BEFORE}`);
  const id = `sha256:${'a'.repeat(64)}`;
  old.prepare('INSERT INTO images (id, top_layer, parent, size, added_at) VALUES (?, NULL, NULL, 5, 1)').run(id);
  old.prepare("INSERT INTO tags (name, image_id, is_digest) VALUES ('docker.io/library/x:latest', ?, 0)").run(id);
  const config = JSON.stringify({ id: 'c1', hostConfig: { Runtime: 'crun', UsernsMode: 'keep-id' } });
  old
    .prepare(
      "INSERT INTO containers (id, name, image_id, created_at, config, state) VALUES ('c1', 'one', ?, 't', ?, ?)",
    )
    .run(id, config, JSON.stringify({ Status: 'running' }));
  old
    .prepare(
      "INSERT INTO containers (id, name, image_id, created_at, config, state) VALUES ('c2', 'two', ?, 't', ?, ?)",
    )
    .run(id, JSON.stringify({ id: 'c2', hostConfig: {} }), JSON.stringify({ Status: 'exited' }));
  old.prepare("INSERT INTO networks (name, id, config) VALUES ('n', 'nid', '{}')").run();
  old.close();

  const db = openDb(file);
  try {
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA.length);
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>
    ).map((r) => r.name);
    assert.ok(!tables.includes('networks'), 'the networks table is dropped');
    const images = new ImageTable(db);
    assert.equal(images.get(id as Digest)?.size, 5);
    assert.equal(images.resolveRef('docker.io/library/x:latest'), id);
    assert.deepEqual(
      new ContainerTable(db)
        .list()
        .map((c) => c.name)
        .sort(),
      ['one', 'two'],
    );
    // what the C front end reads
    assert.deepEqual(db.prepare('SELECT id, name, runtime, status, keep_id FROM exec_targets ORDER BY id').all(), [
      { id: 'c1', name: 'one', runtime: 'crun', status: 'running', keep_id: 1 },
      { id: 'c2', name: 'two', runtime: '', status: 'exited', keep_id: 0 },
    ]);
    // what conmon's exit command in C reads
    assert.deepEqual(db.prepare('SELECT id, run_id, released_run, status FROM container_runs ORDER BY id').all(), [
      { id: 'c1', run_id: null, released_run: null, status: 'running' },
      { id: 'c2', run_id: null, released_run: null, status: 'exited' },
    ]);
  } finally {
    db.close();
  }
  // opening again changes nothing
  const again = openDb(file);
  assert.equal(again.pragma('user_version', { simple: true }), SCHEMA.length);
  again.close();
});

test('a new store gets the whole schema', () => {
  const db = openDb(tmpFile());
  try {
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA.length);
    const views = db.prepare("SELECT name FROM sqlite_master WHERE type = 'view'").all();
    assert.deepEqual(views.map((v) => (v as { name: string }).name).sort(), [
      'container_health',
      'container_runs',
      'exec_targets',
      'health_probes',
    ]);
  } finally {
    db.close();
  }
});

test('the keeper reads container_health and writes a probe through health_probes', () => {
  const db = openDb(tmpFile());
  try {
    const log = [1, 2, 3, 4, 5].map((i) => ({ Start: `s${i}`, End: `e${i}`, ExitCode: 1, Output: `o${i}` }));
    const state = { Status: 'running', RunId: 'r1', Health: { Status: 'starting', FailingStreak: 2, Log: log } };
    const config = { config: { Labels: { a: 'b' } }, imageRef: 'busybox' };
    new ContainerTable(db).insert({
      id: 'c1',
      name: 'one',
      imageId: 'sha256:x',
      createdAt: 't',
      config: JSON.stringify(config),
      state: JSON.stringify(state),
    });
    const read = () => db.prepare('SELECT * FROM container_health WHERE id = ?').get('c1');
    assert.deepEqual(read(), {
      id: 'c1',
      name: 'one',
      run_id: 'r1',
      status: 'running',
      health_status: 'starting',
      failing_streak: 2,
      labels: '{"a":"b"}',
      image: 'busybox',
    });
    db.prepare(
      'INSERT INTO health_probes (id, status, failing_streak, started, ended, exit_code, output, keep) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run('c1', 'healthy', 0, 's6', 'e6', 0, 'ok', 5);
    const health = (JSON.parse(new ContainerTable(db).get('c1')!.state) as typeof state).Health;
    assert.equal(health.Status, 'healthy');
    assert.equal(health.FailingStreak, 0);
    assert.deepEqual(
      health.Log.map((l) => l.Start),
      ['s2', 's3', 's4', 's5', 's6'],
    );
    assert.deepEqual(health.Log[4], { Start: 's6', End: 'e6', ExitCode: 0, Output: 'ok' });
    // a container without health yet
    db.prepare('UPDATE containers SET state = \'{"Status":"running"}\' WHERE id = \'c1\'').run();
    db.prepare(
      'INSERT INTO health_probes (id, status, failing_streak, started, ended, exit_code, output, keep) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run('c1', 'starting', 1, 's', 'e', 1, 'no', 5);
    assert.deepEqual(JSON.parse(new ContainerTable(db).get('c1')!.state), {
      Status: 'running',
      Health: { Status: 'starting', FailingStreak: 1, Log: [{ Start: 's', End: 'e', ExitCode: 1, Output: 'no' }] },
    });
  } finally {
    db.close();
  }
});

test('a connection keeps its statements: the same text gives the same statement, which answers fresh rows', () => {
  const db = openDb(tmpFile());
  const images = new ImageTable(db);
  const sql = 'SELECT * FROM images WHERE id = ?';
  assert.equal(db.prepare(sql), db.prepare(sql));
  const id: Digest = `sha256:${'c'.repeat(64)}`;
  assert.equal(images.get(id), undefined);
  images.insert({ id, topLayer: null, parent: null, size: 7, addedAt: 1 });
  assert.equal(images.get(id)?.size, 7);
  // a statement made before a change of schema still runs (SQLite prepares it again)
  db.exec('CREATE TABLE later (x INTEGER)');
  assert.equal(images.get(id)?.size, 7);
  db.close();
});

test("readTx: the reads inside see one snapshot (another connection's write lands after), and nest", () => {
  const file = tmpFile();
  const db = openDb(file);
  const other = openDb(file);
  const images = new ImageTable(db);
  const id = (c: string): Digest => `sha256:${c.repeat(64)}`;
  images.insert({ id: id('a'), topLayer: null, parent: null, size: 1, addedAt: 1 });
  const seen = readTx(db, () => {
    const before = images.list().length;
    new ImageTable(other).insert({ id: id('b'), topLayer: null, parent: null, size: 2, addedAt: 2 });
    return [before, readTx(db, () => images.list().length), images.get(id('b'))?.size];
  });
  assert.deepEqual(seen, [1, 1, undefined]);
  assert.equal(
    readTx(db, () => images.list().length),
    2,
    'the next read transaction sees the write',
  );
  assert.equal(db.inTransaction, false);
  assert.throws(() => readTx(db, () => assert.fail('thrown inside')), /thrown inside/);
  assert.equal(db.inTransaction, false, 'a throw ends the transaction');
  db.close();
  other.close();
});
