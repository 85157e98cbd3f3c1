// `system check [--repair]`: a clean store reports nothing; each kind of leftover,
// made by hand as a crash or a careless hand would leave it, is found, named,
// removed by --repair, and the check afterwards is clean again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { TestEnv, isRoot } from '../helpers';
import { testSlot } from '../../src/network/test-slot';
import { linkOwner } from '../../src/network/owners';
import { netNaming } from '../../src/network/naming';
import { parseCidr, formatCidr } from '../../src/network/subnet';

const skip = !isRoot && 'needs root';
const slot = testSlot();
const env = new TestEnv();
const hex64 = () => randomBytes(32).toString('hex');
const iptables = (...args: string[]) => spawnSync('iptables', ['-w', ...args], { encoding: 'utf8' });

/** The rows of the check's table: [kind, object, problem]. */
function rows(out: string): string[][] {
  return out
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(/ {3,}/));
}

before(async () => {
  if (skip) return;
  await env.baseImage('busybox:latest');
});
after(() => env.cleanup());

test('a clean store in use reports nothing', { skip }, async () => {
  await env.ok(['network', 'create', 'appnet']);
  await env.ok(['run', '-d', '--name', 'up', '--network', 'appnet', '-p', '80', 'busybox', 'sleep', '600']);
  await env.ok(['run', '--name', 'done', 'busybox', 'true']);
  const r = await env.run(['system', 'check']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  await env.ok(['rm', '-f', 'up', 'done']);
});

test('each kind of leftover is found, named and repaired', { skip, timeout: 600_000 }, async () => {
  const made: Array<[string, RegExp]> = [];

  // layers (first: removing a container collects stray layer directories and temporary files):
  // a record whose files are gone (and the image on it), a directory without a record, a stray short link
  await env.ok(['tag', 'busybox:latest', 'doomed:1']);
  const commitFrom = (await env.ok(['run', '-d', 'busybox', 'sh', '-c', 'echo x > /x'])).trim();
  await env.ok(['wait', commitFrom]);
  const doomed = (await env.ok(['commit', commitFrom, 'doomed:2'])).trim();
  await env.ok(['rm', commitFrom]);
  const top = JSON.parse(await env.ok(['image', 'inspect', 'doomed:2']))[0].RootFS.Layers.length;
  assert.equal(top, 2);
  const chain = (JSON.parse(await env.ok(['image', 'inspect', 'doomed:2']))[0].GraphDriver.Data.UpperDir as string)
    .split('/')
    .at(-2)!;
  fs.rmSync(path.join(env.root, 'overlay', chain), { recursive: true });
  made.push(
    ['layer', new RegExp(`^layer sha256:${chain} record without its directory$`)],
    ['image', new RegExp(`^image ${doomed} stands on a damaged layer$`)],
  );
  const strayLink = path.join(env.root, 'overlay', 'l', 'ffffffffffffffffffff');
  fs.symlinkSync('../nothing/diff', strayLink);
  made.push(['layer', new RegExp(`^layer ${strayLink} short link of no layer$`)]);

  const strayLayer = path.join(env.root, 'overlay', hex64());
  fs.mkdirSync(path.join(strayLayer, 'diff'), { recursive: true });
  made.push(['layer', new RegExp(`^layer ${strayLayer} directory without a layer record$`)]);

  // a network whose definition was deleted by hand: its bridge is this store's, used by none
  const lost = JSON.parse(
    await env.ok(['network', 'create', 'lost']).then(() => env.ok(['network', 'inspect', 'lost'])),
  )[0];
  fs.rmSync(path.join(env.root, 'networks', `${lost.Id}.json`));
  const lostBridge = netNaming().userBridge(lost.Id);
  made.push(['bridge', new RegExp(`^bridge ${lostBridge} no network of this store uses it$`)]);

  // a rule naming a bridge that is gone; a portmap chain forwarding to no network of this host
  const pool = parseCidr(slot!.pool);
  const nowhere = formatCidr({ base: pool.base + 2 ** (32 - pool.prefix) - 512, prefix: 24 });
  const deadBridge = `stw${slot!.tag}-dead0`;
  assert.equal(
    iptables('-t', 'nat', '-A', 'POSTROUTING', '-s', nowhere, '!', '-o', deadBridge, '-j', 'MASQUERADE').status,
    0,
  );
  made.push([
    'rule',
    new RegExp(
      `^rule nat: -A POSTROUTING -s ${nowhere.replace(/\./g, '\\.')} ! -o ${deadBridge} -j MASQUERADE names bridge ${deadBridge}, which does not exist$`,
    ),
  ]);
  const dn = `CNI-DN-${randomBytes(10).toString('hex').slice(0, 21)}`;
  const target = nowhere.replace(/0\/24$/, '9');
  iptables('-t', 'nat', '-N', 'CNI-HOSTPORT-DNAT'); // exists already when a port was published before
  iptables('-t', 'nat', '-N', dn);
  assert.equal(
    iptables(
      '-t',
      'nat',
      '-A',
      dn,
      '-p',
      'tcp',
      '-m',
      'tcp',
      '--dport',
      '9',
      '-j',
      'DNAT',
      '--to-destination',
      `${target}:80`,
    ).status,
    0,
  );
  assert.equal(
    iptables(
      '-t',
      'nat',
      '-A',
      'CNI-HOSTPORT-DNAT',
      '-p',
      'tcp',
      '-m',
      'comment',
      '--comment',
      `dnat name: "${hex64()}" id: "${hex64()}"`,
      '-m',
      'multiport',
      '--dports',
      '9',
      '-j',
      dn,
    ).status,
    0,
  );
  made.push([
    'chain',
    new RegExp(`^chain nat: ${dn} forwards to ${target.replace(/\./g, '\\.')}, on no network of this host$`),
  ]);

  // a container killed outright whose record is gone too: attachment, namespace, overlay mount, its hold
  const id = (await env.ok(['run', '-d', '-p', '80', 'busybox', 'sleep', '600'])).trim();
  const pid = Number((await env.ok(['inspect', '-f', '{{.State.Pid}}', id])).trim());
  const conmon = Number(fs.readFileSync(path.join(env.runroot, 'c', id.slice(0, 12), 'conmon.pid'), 'utf8'));
  process.kill(conmon, 'SIGKILL');
  process.kill(pid, 'SIGKILL');
  const db = new Database(path.join(env.root, 'stowage.db'));
  db.prepare('DELETE FROM containers WHERE id = ?').run(id);
  // a lease and a layer record of gone processes and files
  const deadLayer = `sha256:${hex64()}`;
  db.prepare('INSERT INTO leases (chain_id, pid, start) VALUES (?, ?, ?)').run(deadLayer, 999_999_999, '1');
  db.close();
  made.push(
    [
      'attachment',
      new RegExp(`^attachment ${id.slice(0, 12)} the container is not running \\(or gone\\) but still attached$`),
    ],
    [
      'netns',
      new RegExp(`^netns ${path.join(env.runroot, 'netns', id)} namespace of a container that is not running$`),
    ],
    [
      'mount',
      new RegExp(
        `^mount ${path.join(env.root, 'containers', id, 'merged')} root filesystem of a container that is gone$`,
      ),
    ],
    ['lease', new RegExp(`^lease ${id.slice(0, 12)} rootfs held for a container that is gone$`)],
    ['lease', new RegExp(`^lease ${deadLayer} held by process 999999999, which is gone$`)],
  );

  // host-local: a directory of no network
  const ipamDir = path.join(env.runroot, 'network', 'ipam', hex64());
  fs.mkdirSync(ipamDir, { recursive: true });
  made.push(['ipam', new RegExp(`^ipam ${ipamDir} no network of this store has that ID$`)]);

  // a blob of no image, a temporary directory of a gone process, a mount nobody knows
  const blob = hex64();
  fs.writeFileSync(path.join(env.root, 'blobs', 'sha256', blob), '{}');
  made.push(['blob', new RegExp(`^blob sha256:${blob} referenced by no image$`)]);
  const tmp = path.join(env.root, 'tmp', 'layer-999999999-1-abcdef');
  fs.mkdirSync(tmp);
  made.push(['tmp', new RegExp(`^tmp ${tmp} left by a process that is gone$`)]);
  const stray = path.join(env.root, 'stray');
  fs.mkdirSync(stray);
  assert.equal(spawnSync('mount', ['-t', 'tmpfs', 'none', stray]).status, 0);
  made.push(['mount', new RegExp(`^mount ${stray} mounted in the store by no one stowage knows$`)]);

  // another store, removed by hand: its bridges are found from here (last: a network
  // created here would have removed them as it claimed its bridge)
  const gone = new TestEnv('stowage-gone-');
  await gone.ok(['network', 'create', 'n']);
  const goneBridges = fs.readdirSync('/sys/class/net').filter((l) => linkOwner(l)?.root === gone.root);
  assert.equal(goneBridges.length, 2, 'the default bridge and n');
  spawnSync('rm', ['-rf', gone.dir]);
  for (const b of goneBridges) made.push(['bridge', new RegExp(`^bridge ${b} its store \\(${gone.root}\\) is gone$`)]);

  const r = await env.run(['system', 'check']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^Error: \d+ problems found \('stowage system check --repair' removes them\)\n$/);
  assert.deepEqual(r.stdout.split('\n')[0].split(/ {3,}/), ['KIND', 'OBJECT', 'PROBLEM']);
  const found = rows(r.stdout).map((c) => c.join(' '));
  for (const [kind, re] of made)
    assert.ok(
      found.some((l) => re.test(l)),
      `${kind}: ${re} in\n${r.stdout}`,
    );

  const fixed = await env.run(['system', 'check', '--repair']);
  assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
  assert.ok(
    rows(fixed.stdout).every((c) => c.at(-1) === 'yes'),
    fixed.stdout,
  );
  const again = await env.run(['system', 'check']);
  assert.deepEqual([again.code, again.stdout, again.stderr], [0, '', '']);

  // and on the host: bridges, rules, chains, namespaces, mounts gone
  for (const b of [...goneBridges, lostBridge]) assert.ok(!fs.existsSync(`/sys/class/net/${b}`), b);
  const nat = iptables('-t', 'nat', '-S').stdout;
  assert.ok(!nat.includes(deadBridge) && !nat.includes(dn) && !nat.includes(id), nat);
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  assert.ok(!mounts.includes(id) && !mounts.includes(stray) && !mounts.includes(gone.dir));
  assert.ok(!fs.existsSync(path.join(env.runroot, 'netns', id)));
  assert.equal((await env.run(['image', 'inspect', 'doomed:2'])).code, 1, 'the damaged image is gone');
  assert.equal(await env.ok(['run', '--rm', 'doomed:1', 'echo', 'the rest works']), 'the rest works\n');
  spawnSync('rm', ['-rf', gone.dir]);
  assert.ok(!fs.existsSync(gone.dir), "the gone store's directory goes with a second rm -rf");
});
