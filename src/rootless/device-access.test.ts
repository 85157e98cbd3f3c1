import { test } from 'node:test';
import assert from 'node:assert/strict';
import type fs from 'node:fs';
import { checkDevice } from './device-access';

const denied = (mode?: number) =>
  ({
    accessSync: () => {
      throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
    },
    statSync: () => {
      if (mode === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return { mode };
    },
  }) as unknown as Pick<typeof fs, 'accessSync' | 'statSync'>;

test('a device this user may open passes', () => {
  const open = { accessSync: () => undefined, statSync: () => ({ mode: 0o20666 }) } as unknown as Pick<
    typeof fs,
    'accessSync' | 'statSync'
  >;
  assert.doesNotThrow(() => checkDevice('/dev/fuse', 'rootless storage', '', open));
});

test('a device this user may not open is named with its mode and the fix', () => {
  assert.throws(
    () => checkDevice('/dev/fuse', 'rootless storage (fuse-overlayfs)', '', denied(0o20600)),
    (e: Error & { kind?: string }) => {
      assert.equal(e.kind, 'failed-precondition');
      assert.equal(
        e.message,
        "/dev/fuse is not usable by this user (mode 0600): rootless storage (fuse-overlayfs) needs it. As root: chmod 0666 /dev/fuse (Debian's default), or scripts/setup.sh --rootless-user NAME",
      );
      return true;
    },
  );
  assert.throws(
    () => checkDevice('/dev/net/tun', 'rootless networking', '; or use --network none', denied()),
    (e: Error) =>
      /^\/dev\/net\/tun is not usable by this user: rootless networking needs it\. .*; or use --network none$/.test(
        e.message,
      ),
  );
});
