// Stores removed by hand (`rm -rf` of their directory, as a CI job or a test
// does), a hundred times, some with a container killed outright: the next store
// removes what the gone ones left on the host (bridges, rules, portmap chains,
// namespace files, mounts), so names and subnets never run out and the host
// ends as it was. This process's test slot has eight default-bridge subnets:
// without the clean-up the ninth store could not make its default network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TestEnv, isRoot } from '../helpers';
import { testSlot } from '../../src/network/test-slot';
import { NetworkManager } from '../../src/network/manager';
import { linkOwner } from '../../src/network/owners';
import { contains, parseCidr } from '../../src/network/subnet';

const slot = testSlot();

/** What of this slot's stores is on the host: bridges, rules naming them, portmap chains forwarding into the pool. */
function leftOnHost(): { links: string[]; rules: string[] } {
  const stem = `stw${slot!.tag}-`;
  const pool = parseCidr(slot!.pool);
  const links = fs.readdirSync('/sys/class/net').filter((l) => l.startsWith(stem));
  const rules: string[] = [];
  for (const table of ['filter', 'nat']) {
    for (const line of spawnSync('iptables', ['-w', '-t', table, '-S'], { encoding: 'utf8' }).stdout.split('\n')) {
      const to = / --to-destination ([\d.]+)/.exec(line)?.[1];
      if (line.includes(stem) || (to && contains(pool, to))) rules.push(`${table}: ${line}`);
    }
  }
  return { links, rules };
}

const mountsUnder = (dir: string) =>
  fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[4]?.startsWith(dir));

/** Kills a container's conmon and its process outright: nothing gets to clean up. */
function killOutright(env: TestEnv, pid: number): void {
  for (const bundle of fs.readdirSync(path.join(env.runroot, 'c'))) {
    const conmon = Number(fs.readFileSync(path.join(env.runroot, 'c', bundle, 'conmon.pid'), 'utf8'));
    if (conmon > 0) process.kill(conmon, 'SIGKILL');
  }
  process.kill(pid, 'SIGKILL');
}

test(
  'a hundred stores removed by hand leave the host as it was, and run still works',
  { skip: !isRoot && 'needs root', timeout: 2_400_000 },
  async () => {
    assert.deepEqual(leftOnHost(), { links: [], rules: [] }, 'the slot starts clean');
    const dirs: string[] = [];
    for (let i = 0; i < 100; i++) {
      const env = new TestEnv('stowage-byhand-');
      dirs.push(env.dir);
      if (i % 25 !== 0 && i % 25 !== 12) {
        // most stores only make their networks (in this process: a CLI run costs a Node.js start)
        const m = new NetworkManager({ root: env.root, runroot: env.runroot });
        await m.ensureDefault();
        if (i % 5 === 1) await m.create('n');
        m.close();
      } else {
        await env.ok(['network', 'create', 'n']); // the default bridge and one of its own
      }
      if (i % 25 === 0) {
        // a container killed with its monitor: namespace, veth, portmap chain, overlay mount all stay
        await env.baseImage();
        const id = (await env.ok(['run', '-d', '-p', '80', 'busybox', 'sleep', '600'])).trim();
        const bridge = JSON.parse(await env.ok(['network', 'inspect', 'bridge']))[0].Options[
          'com.docker.network.bridge.name'
        ];
        assert.equal(linkOwner(bridge)?.root, env.root, 'the bridge names its store');
        killOutright(env, Number((await env.ok(['inspect', '-f', '{{.State.Pid}}', id])).trim()));
        assert.ok(mountsUnder(env.dir).length > 0, 'mounts a rm -rf cannot remove');
      } else if (i % 25 === 12) {
        await env.baseImage();
        await env.ok(['run', '--rm', 'busybox', 'true']); // the namespace directory stays a mount point
      }
      spawnSync('rm', ['-rf', env.dir]); // by hand: what is mounted stays
    }
    // a new store works: the last gone stores' bridges make room as it claims its own
    const env = new TestEnv('stowage-byhand-');
    try {
      await env.baseImage();
      assert.equal(await env.ok(['run', '--rm', '-p', '80', 'busybox', 'echo', 'still works']), 'still works\n');
    } finally {
      env.cleanup();
    }
    assert.deepEqual(leftOnHost(), { links: [], rules: [] });
    for (const dir of dirs) {
      assert.deepEqual(mountsUnder(dir), [], dir);
      spawnSync('rm', ['-rf', dir]);
      assert.ok(!fs.existsSync(dir), `${dir} goes with a second rm -rf`);
    }
  },
);
