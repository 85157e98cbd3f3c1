import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { JsonMessageDisplay, progressString } from './json-messages';

const sink = () => {
  const out = { text: '' };
  const w = new Writable({
    write(c, _e, cb) {
      out.text += String(c);
      cb();
    },
  });
  return { w, out };
};

test('progress as Docker draws it: a 50-column bar past 110 columns, sizes, time left', () => {
  assert.equal(progressString(0, 0, 200), '');
  assert.equal(progressString(0, 1000, 200), `[>${' '.repeat(50)}]       0B/1kB`);
  assert.equal(progressString(500_000, 1_000_000, 200), `[${'='.repeat(25)}>${' '.repeat(25)}]    500kB/1MB`);
  assert.equal(progressString(1_000_000, 1_000_000, 200), `[${'='.repeat(50)}>]      1MB/1MB`);
  assert.equal(progressString(500_000, 1_000_000, 80), '   500kB/1MB', 'no bar on a narrow terminal');
  assert.equal(progressString(2_000_000, 1_000_000, 80), '     2MB', 'no total when it is passed');
  assert.equal(
    progressString(250_000, 1_000_000, 200, 0, 10_000).endsWith(' 30s'),
    true,
    '10 s for a quarter: 30 s left',
  );
});

test('piped: a line per message without a moving bar; a terminal: a line per layer rewritten in place', () => {
  const msgs = [
    { id: 'latest', status: 'Pulling from library/busybox' },
    { id: 'aaa', status: 'Pulling fs layer', progressDetail: {} },
    { id: 'bbb', status: 'Pulling fs layer', progressDetail: {} },
    { id: 'aaa', status: 'Downloading', progressDetail: { current: 10, total: 100 } },
    { id: 'aaa', status: 'Pull complete', progressDetail: {} },
    { status: 'Digest: sha256:x' },
  ];
  const piped = sink();
  const d = new JsonMessageDisplay(piped.w, false);
  msgs.forEach(d.write);
  assert.equal(
    piped.out.text,
    'latest: Pulling from library/busybox\naaa: Pulling fs layer\nbbb: Pulling fs layer\naaa: Pull complete\nDigest: sha256:x\n',
  );
  const tty = sink();
  const t = new JsonMessageDisplay(tty.w, true, 120);
  msgs.forEach(t.write);
  const up = (n: number) => `\x1b[${n}A`;
  const down = (n: number) => `\x1b[${n}B`;
  assert.equal(
    tty.out.text,
    'latest: Pulling from library/busybox\n' +
      `\n${up(1)}\x1b[2K\raaa: Pulling fs layer \r${down(1)}` +
      `\n${up(1)}\x1b[2K\rbbb: Pulling fs layer \r${down(1)}` +
      `${up(2)}\x1b[2K\raaa: Downloading [=====>${' '.repeat(45)}]      10B/100B 0s\r${down(2)}` +
      `${up(2)}\x1b[2K\raaa: Pull complete \r${down(2)}` +
      'Digest: sha256:x\n',
  );
});
