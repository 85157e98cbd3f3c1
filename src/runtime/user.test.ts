import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveUser } from './user';
import { isKind } from '../errdefs';

let tmp: string;
let rootfs: string;

const PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
app:x:1000:1000:App:/home/app:/bin/sh
nohome:x:1001:1001::
`;
const GROUP = `# comment
root:x:0:root
daemon:x:1:root,daemon
wheel:x:10:root,app
app:x:1000:
audio:x:29:app
staff:x:50:
`;

/** A fresh rootfs with the given files (relative paths) and symlinks. */
function makeRoot(name: string, files: Record<string, string>, links: Record<string, string> = {}): string {
  const root = path.join(tmp, name);
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  }
  for (const [p, target] of Object.entries(links)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.symlinkSync(target, path.join(root, p));
  }
  return root;
}

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-user-'));
  rootfs = makeRoot('rootfs', { 'etc/passwd': PASSWD, 'etc/group': GROUP });
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('default user is root with its supplementary groups, primary gid first', () => {
  assert.deepEqual(resolveUser(rootfs, undefined), { uid: 0, gid: 0, additionalGids: [0, 1, 10], home: '/root' });
  assert.deepEqual(resolveUser(rootfs, ''), resolveUser(rootfs, 'root'));
});

test('user by name and by uid', () => {
  assert.deepEqual(resolveUser(rootfs, 'app'), {
    uid: 1000,
    gid: 1000,
    additionalGids: [1000, 10, 29],
    home: '/home/app',
  });
  assert.deepEqual(resolveUser(rootfs, '1000'), resolveUser(rootfs, 'app'));
  assert.equal(resolveUser(rootfs, 'nohome').home, '/');
});

test('user:group forms: explicit group wins, no supplementary groups', () => {
  assert.deepEqual(resolveUser(rootfs, 'app:staff'), { uid: 1000, gid: 50, additionalGids: [50], home: '/home/app' });
  assert.deepEqual(resolveUser(rootfs, '1000:50'), { uid: 1000, gid: 50, additionalGids: [50], home: '/home/app' });
  assert.deepEqual(resolveUser(rootfs, 'daemon:4242'), {
    uid: 1,
    gid: 4242,
    additionalGids: [4242],
    home: '/usr/sbin',
  });
});

test('numeric uid without passwd entry is allowed, gid 0 unless given', () => {
  assert.deepEqual(resolveUser(rootfs, '4321'), { uid: 4321, gid: 0, additionalGids: [0], home: '/' });
  assert.deepEqual(resolveUser(rootfs, '4321:77'), { uid: 4321, gid: 77, additionalGids: [77], home: '/' });
  assert.throws(() => resolveUser(rootfs, '-1'), /uids and gids must be in range 0-2147483647/);
});

test('unknown user or group name: Docker’s wording', () => {
  assert.throws(
    () => resolveUser(rootfs, 'nobody'),
    (err: Error) =>
      isKind(err, 'invalid-argument') &&
      err.message === 'unable to find user nobody: no matching entries in passwd file',
  );
  assert.throws(() => resolveUser(rootfs, 'app:nogroup'), {
    message: 'unable to find group nogroup: no matching entries in group file',
  });
});

test('no /etc/passwd: root and numeric ids still work, names do not', () => {
  const empty = makeRoot('empty', { 'bin/sh': '' });
  assert.deepEqual(resolveUser(empty, undefined), { uid: 0, gid: 0, additionalGids: [0], home: '/' });
  assert.deepEqual(resolveUser(empty, '5:6'), { uid: 5, gid: 6, additionalGids: [6], home: '/' });
  assert.throws(() => resolveUser(empty, 'root'), /unable to find user root: no matching entries in passwd file/);
});

test('an /etc/passwd symlink to the host’s /etc/passwd is not followed out of the rootfs', () => {
  // inside the rootfs, "/etc/passwd" is the link itself: a loop, never the host file
  const evil = makeRoot('evil-abs', { 'etc/group': GROUP }, { 'etc/passwd': '/etc/passwd' });
  assert.throws(
    () => resolveUser(evil, 'root'),
    (err: Error) => isKind(err, 'failed-precondition'),
  );
  assert.throws(() => resolveUser(evil, undefined), /too many links/);
});

test('escaping symlinks (absolute or ..) resolve inside the rootfs', () => {
  fs.mkdirSync(path.join(tmp, 'outside'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'outside/passwd'), 'evil:x:0:0::/:/bin/sh\n');
  const abs = makeRoot('evil-out', {}, { 'etc/passwd': path.join(tmp, 'outside/passwd') });
  assert.throws(() => resolveUser(abs, 'evil'), /unable to find user evil/);
  // "../../outside/passwd" from <root>/etc stops at the root: <root>/outside/passwd
  const rel = makeRoot(
    'evil-rel',
    { 'outside/passwd': 'inside:x:7:8::/home/in:/bin/sh\n' },
    { 'etc/passwd': '../../outside/passwd' },
  );
  assert.throws(() => resolveUser(rel, 'evil'), /unable to find user evil/);
  assert.deepEqual(resolveUser(rel, 'inside'), { uid: 7, gid: 8, additionalGids: [8], home: '/home/in' });
});

test('symlinked /etc directory inside the rootfs is followed in scope', () => {
  const root = makeRoot('etc-link', { 'real/etc/passwd': 'u:x:3:4::/h:/bin/sh\n' }, { etc: '/real/etc' });
  assert.equal(resolveUser(root, 'u').uid, 3);
  const up = makeRoot('etc-up', { 'real/etc/passwd': 'v:x:5:6::/h:/bin/sh\n' }, { etc: '../../../real/etc' });
  assert.equal(resolveUser(up, 'v').uid, 5, '".." stops at the root');
});
