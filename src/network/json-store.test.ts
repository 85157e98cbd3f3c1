import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JsonNetworkStore } from './json-store';
import type { NetworkConfig } from './types';

const net = (name: string, c: string): NetworkConfig => ({
  name,
  id: c.repeat(64),
  driver: 'bridge',
  internal: false,
  labels: {},
  options: {},
  created: '',
});

test('list skips a definition removed after the directory was read (another process ran `network rm`)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'json-store-'));
  try {
    const store = new JsonNetworkStore(dir);
    store.put(net('kept', 'a'));
    store.put(net('gone', 'b'));
    // a name the directory lists whose file cannot be opened any more: what a removal between
    // readdir and open leaves (a dangling link makes it happen every time)
    store.delete('b'.repeat(64));
    fs.symlinkSync(path.join(dir, 'missing'), path.join(dir, `${'b'.repeat(64)}.json`));
    assert.deepEqual(
      store.list().map((n) => n.name),
      ['kept'],
    );
    // anything but a vanished file is still an error
    fs.writeFileSync(path.join(dir, `${'c'.repeat(64)}.json`), '{not json');
    assert.throws(() => store.list(), SyntaxError);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
