// Persistent network namespaces (root only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createNetns, isNetns, netnsDir, removeNetns } from '../../src/network/netns';
import { isKind } from '../../src/errdefs';

const skip = process.getuid?.() !== 0 ? 'needs root' : false;

function withRunroot(fn: (runroot: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-netns-'));
    try {
      await fn(dir);
    } finally {
      for (const f of fs.existsSync(netnsDir(dir)) ? fs.readdirSync(netnsDir(dir)) : [])
        await removeNetns(path.join(netnsDir(dir), f));
      spawnSync('umount', ['-R', '-l', netnsDir(dir)], { stdio: 'ignore' });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

const nsLinks = (ns: string) =>
  (
    JSON.parse(spawnSync('nsenter', [`--net=${ns}`, 'ip', '-j', 'link'], { encoding: 'utf8' }).stdout) as Array<{
      ifname: string;
    }>
  ).map((l) => l.ifname);

test(
  'create: a namespace of its own, only lo inside, in a shared-propagation directory',
  { skip },
  withRunroot(async (runroot) => {
    const a = await createNetns(runroot, 'a');
    const b = await createNetns(runroot, 'b');
    assert.equal(a, path.join(runroot, 'netns', 'a'));
    assert.ok(isNetns(a) && isNetns(b));
    assert.deepEqual(nsLinks(a), ['lo']);
    const inode = (p: string) => fs.statSync(p).ino;
    assert.notEqual(inode(a), inode(b));
    assert.notEqual(inode(a), fs.statSync('/proc/self/ns/net').ino);
    const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    const dirLine = mountinfo.split('\n').find((l) => l.split(' ')[4] === fs.realpathSync(netnsDir(runroot)));
    assert.ok(dirLine && / shared:\d+/.test(dirLine), dirLine);
    await assert.rejects(createNetns(runroot, 'a'), (e: unknown) => isKind(e, 'already-exists'));
  }),
);

test(
  'remove: unmounted and deleted, the namespace is gone; removing twice is fine',
  { skip },
  withRunroot(async (runroot) => {
    const a = await createNetns(runroot, 'a');
    await removeNetns(a);
    assert.ok(!fs.existsSync(a));
    assert.ok(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(`${a} `));
    await removeNetns(a);
    // a leftover plain file of that name (a crash between create and mount) is reused
    fs.writeFileSync(a, '');
    const again = await createNetns(runroot, 'a');
    assert.ok(isNetns(again));
  }),
);
