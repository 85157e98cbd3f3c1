// The README's first command runs this lesson: here it runs twice in a row,
// non-interactively, each step checking its own outcome, and leaves nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { walkthrough } from '../../src/lesson/walkthrough';
import { linkGone } from '../../src/network/host-state';

test('the image lesson runs end to end, twice, and leaves the machine as it found it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-walkthrough-'));
  const root = path.join(dir, 'root');
  const runroot = path.join(dir, 'run');
  try {
    for (let round = 1; round <= 2; round++) {
      let out = '';
      const { bridges } = await walkthrough({ root, runroot, write: (s) => (out += s), color: false });
      // every step ran and checked its outcome
      for (const mark of [
        'busybox:latest has one layer',
        'lottery:v1 = the busybox layer + one layer with the page',
        "the page's layer holds its",
        'lottery:fat ships 5 MiB that no container sees: /www/cache.bin',
        'the loaded image has the same ID',
        'the page answers on the host',
        'rmi was refused and names the container',
        'the new image serves hello.html',
        'lottery:v3 has /www/data but not notes.txt',
      ]) {
        assert.ok(out.includes(`✔ ${mark}`), `round ${round}: ${mark}`);
      }
      // built from the Dockerfile: one step each, COPY the only one with a layer
      assert.match(
        out,
        /\$ stowage build -t lottery:v1 \S+\nStep 1\/4 : FROM busybox\n[\s\S]*Successfully tagged lottery:v1\n/,
      );
      assert.match(
        out,
        /\$ stowage history lottery:v1\nIMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT\n[0-9a-f]{12} .*#\(nop\) {2}CMD \["httpd" .* 0B .*\n[0-9a-f]{12} .*EXPOSE 80 .* 0B .*\n[0-9a-f]{12} .*COPY file:.* 344B .*\n[0-9a-f]{12} .*busybox-static base image\n/,
      );
      // explain's picture: the page's layer on top of the shared busybox layer; the fat image's hidden 5 MiB
      assert.match(
        out,
        /\$ stowage image explain lottery:v1\nImage: +lottery:v1 [\s\S]*?\n2 +344B +0B +1 +0 +0 +\/bin\/sh -c #\(nop\) COPY file:[\s\S]*?\n1 +1\.986MB +0B +\d+ +0 +0 +busybox:latest +\(busybox-static base image\)\n/,
      );
      assert.match(
        out,
        /\$ stowage image explain lottery:fat\n[\s\S]*?Wasted: +5\.243MB [\s\S]*?\n5\.243MB +\/www\/cache\.bin +layer 3 \(deleted in layer 4\)\n/,
      );
      assert.match(out, /\$ stowage image explain lottery:fat\n[\s\S]*?\n {2}3 ▕░{40}▏ 5\.243MB, 5\.243MB hidden\n/);
      assert.match(
        out,
        /Error: conflict: unable to remove repository reference "lottery:v1" \(must force\) - container [0-9a-f]{12} is using its referenced image/,
      );
      assert.ok(!fs.existsSync(root) && !fs.existsSync(runroot), `round ${round}: the lesson's store is gone`);
      assert.equal(bridges.length, 1, `round ${round}: the default network's bridge`);
      assert.ok(linkGone(bridges[0]), `round ${round}: bridge ${bridges[0].name} removed`);
      assert.ok(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(dir), `round ${round}: no mount left`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
