import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseLogLine, readLogs, tailRecords, type LogRecord } from './logs';

test('parseLogLine: conmon k8s-file line with a numeric offset', () => {
  const r = parseLogLine('2026-11-30T01:36:53.421001360+00:00 stdout F out');
  assert.deepEqual(r && { ...r, nanos: r.nanos.toString() }, {
    time: '2026-11-30T01:36:53.421001360Z',
    nanos: (BigInt(Date.UTC(2026, 10, 30, 1, 36, 53)) * 1_000_000n + 421_001_360n).toString(),
    timestamp: Date.UTC(2026, 10, 30, 1, 36, 53) + 421.00136,
    stream: 'stdout',
    partial: false,
    line: 'out',
  });
});

test('parseLogLine: offsets are converted to UTC; P is partial; text keeps spaces; empty lines', () => {
  const r = parseLogLine('2026-11-30T03:06:53.000000001+01:30 stderr P  two  spaces ');
  assert.equal(r?.time, '2026-11-30T01:36:53.000000001Z');
  assert.equal(r?.stream, 'stderr');
  assert.equal(r?.partial, true);
  assert.equal(r?.line, ' two  spaces ');
  assert.equal(parseLogLine('2026-11-30T01:36:53.5Z stdout F ')?.line, '');
  assert.equal(parseLogLine('2026-11-30T01:36:53.5Z stdout F')?.line, '');
  assert.equal(parseLogLine('2026-11-30T01:36:53.5Z stdout F ')?.time, '2026-11-30T01:36:53.500000000Z');
});

test('parseLogLine: not a log line', () => {
  assert.equal(parseLogLine(''), undefined);
  assert.equal(parseLogLine('hello'), undefined);
  assert.equal(parseLogLine('2026-11-30T01:36:53Z stdin F x'), undefined);
  assert.equal(parseLogLine('2026-11-30T01:36:53Z stdout X x'), undefined);
});

const rec = (stream: 'stdout' | 'stderr', partial: boolean, line: string): LogRecord => ({
  time: '',
  nanos: 0n,
  timestamp: 0,
  stream,
  partial,
  line,
});

test('tailRecords: a line is the partials of a stream and the F ending it, even interleaved', () => {
  const recs = [
    rec('stdout', false, 'a'),
    rec('stdout', true, 'b1'),
    rec('stderr', false, 'e'),
    rec('stdout', false, 'b2'),
    rec('stdout', true, 'c'),
  ];
  assert.deepEqual(
    tailRecords(recs, 1).map((r) => r.line),
    ['c'],
  );
  assert.deepEqual(
    tailRecords(recs, 2).map((r) => r.line),
    ['e', 'c'],
  );
  assert.deepEqual(
    tailRecords(recs, 3).map((r) => r.line),
    ['b1', 'e', 'b2', 'c'],
  );
  assert.deepEqual(
    tailRecords(recs, 10).map((r) => r.line),
    ['a', 'b1', 'e', 'b2', 'c'],
  );
  assert.deepEqual(tailRecords(recs, 0), []);
});

test('readLogs: skips what is not a log line, reads a missing file as empty, follows appends', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-logs-'));
  try {
    const file = path.join(dir, 'ctr.log');
    const none: LogRecord[] = [];
    for await (const r of readLogs(file)) none.push(r);
    assert.deepEqual(none, []);

    fs.writeFileSync(
      file,
      '2026-11-30T01:36:53.1Z stdout F one\ngarbage\n2026-11-30T01:36:54.1Z stderr F två\n2026-11-30T01:36:55.1Z stdout F unfini',
    );
    const got: string[] = [];
    let running = true;
    const follow = (async () => {
      for await (const r of readLogs(file, { follow: true, isRunning: () => running, pollMs: 10 })) got.push(r.line);
    })();
    // (no time limit: on a loaded machine the first reads may take long; the
    // follower is stopped in any case, so a failure cannot leave it spinning)
    try {
      while (got.length < 2) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(got, ['one', 'två'], 'an unfinished line waits for its newline');
      fs.appendFileSync(file, 'shed\n2026-11-30T01:36:56.1Z stdout F last\n');
    } finally {
      running = false;
      await follow;
    }
    assert.deepEqual(got, ['one', 'två', 'unfinished', 'last']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('readLogs: the rotated files first, oldest first; a follower goes on into the files that replace the log', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-logs-'));
  const line = (n: number) => `2026-11-30T01:36:${String(n).padStart(2, '0')}.1Z stdout F l${n}\n`;
  try {
    const file = path.join(dir, 'ctr.log');
    fs.writeFileSync(`${file}.2`, line(1));
    fs.writeFileSync(`${file}.1`, line(2));
    fs.writeFileSync(`${file}.keep`, 'not a log file of its rotation\n');
    fs.writeFileSync(file, line(3));
    const all: string[] = [];
    for await (const r of readLogs(file)) all.push(r.line);
    assert.deepEqual(all, ['l1', 'l2', 'l3']);

    const got: string[] = [];
    let running = true;
    const follow = (async () => {
      for await (const r of readLogs(file, { follow: true, isRunning: () => running, pollMs: 10 })) got.push(r.line);
    })();
    for (let i = 0; i < 500 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    // two rotations before the follower looks again: l4 in the file that became .1, l5 in one that became .1 next
    fs.appendFileSync(file, line(4));
    fs.renameSync(`${file}.1`, `${file}.2`);
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, line(5));
    fs.renameSync(`${file}.1`, `${file}.2`);
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, line(6));
    running = false;
    await follow;
    assert.deepEqual(got, ['l1', 'l2', 'l3', 'l4', 'l5', 'l6']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
