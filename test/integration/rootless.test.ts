// Rootless stowage (issue 13): an ordinary user made by the test runs the
// whole lesson, moves images in and out (archives byte-identical to root's),
// builds with RUN steps, runs containers with published ports, user-defined
// networks and --userns=keep-id, is refused what it cannot have with the fix
// named, and writes nothing outside its own directories.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { TestEnv, REPO, baseTarball, freePort } from '../helpers';
import { RootlessUser } from '../rootless-kit';
import { startRegistry } from '../reference/registry';

let user: RootlessUser;
let marker: string;
const root = new TestEnv('stowage-rootless-');

before(async () => {
  marker = path.join(root.dir, 'since');
  fs.writeFileSync(marker, '');
  user = new RootlessUser();
  user.give('rootfs.tar', baseTarball());
  await root.baseImage();
});
after(() => {
  user?.remove();
  root.cleanup();
});

function get(port: number, p = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p, timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (d: Buffer | string) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

async function answered(port: number, p = '/'): Promise<{ status: number; body: string }> {
  for (let i = 0; ; i++) {
    try {
      return await get(port, p);
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

test('the lesson runs end to end as an ordinary user, with its port answering on 127.0.0.1, and leaves nothing', async () => {
  // the lesson's own default store and run root for a user
  const lessonRoot = `${user.store}-lesson`;
  const lessonRun = path.join(user.runDir, 'lesson');
  const r = await user.exec(path.join(REPO, 'scripts', 'walkthrough.sh'), [], { timeoutMs: 600_000 });
  assert.equal(r.code, 0, `walkthrough as ${user.name}:\n${r.stdout}\n${r.stderr}`);
  for (const mark of [
    'busybox:latest has one layer',
    'lottery:v1 = the busybox layer + one layer with the page',
    'the top layer is a plain directory holding www/index.html',
    'lottery:fat ships 5 MiB that no container sees: /www/cache.bin',
    'the loaded image has the same ID',
    'the page answers on the host',
    'rmi was refused and names the container',
    'the new image serves hello.html',
    'lottery:v3 has /www/data but not notes.txt',
  ]) {
    assert.ok(r.stdout.includes(`✔ ${mark}`), mark);
  }
  // RUN steps ran in rootless containers (the fat image's two)
  assert.match(r.stdout, /\$ stowage build -q -t lottery:fat/);
  assert.ok(!fs.existsSync(lessonRoot) && !fs.existsSync(lessonRun), 'the lesson store is gone');
  assert.deepEqual(user.mounts(), [], 'no mount left');
  // system reset ended the user's namespace: no pause process, no slirp4netns, no conmon
  assert.deepEqual(user.processes(), [], `no process of the user left:\n${RootlessUser.describe(user.processes())}`);
});

test('images in and out: an archive saved by root loads with the same ID, and saves byte-identical; files keep their owners on disk', async () => {
  // root's image: a RUN step gives a file to nobody
  const ctx = path.join(root.dir, 'ctx');
  fs.mkdirSync(ctx);
  fs.writeFileSync(
    path.join(ctx, 'Dockerfile'),
    'FROM busybox\nRUN echo owned > /owned && chown 65534:65534 /owned && echo root > /rooted\nCMD ["cat", "/owned"]\n',
  );
  await root.ok(['build', '-q', '-t', 'owners:root', ctx]);
  const rootId = (await root.ok(['image', 'inspect', '-f', '{{.Id}}', 'owners:root'])).trim();
  const rootArchive = path.join(root.dir, 'owners.tar');
  await root.ok(['save', '-o', rootArchive, 'owners:root']);

  const given = user.give('owners.tar', rootArchive);
  assert.equal(await user.ok(['load', '-i', given]), 'Loaded image: owners:root\n');
  assert.equal((await user.ok(['image', 'inspect', '-f', '{{.Id}}', 'owners:root'])).trim(), rootId);
  const again = path.join(user.home, 'again.tar');
  await user.ok(['save', '-o', again, 'owners:root']);
  assert.ok(
    fs.readFileSync(again).equals(fs.readFileSync(rootArchive)),
    'saved rootless = saved as root, byte for byte',
  );

  // on disk the image's root is the user, its nobody the user's subordinate 65534
  const upper = (await user.ok(['image', 'inspect', '-f', '{{.GraphDriver.Data.UpperDir}}', 'owners:root'])).trim();
  assert.ok(upper.startsWith(user.store + '/'), upper);
  assert.equal(fs.statSync(path.join(upper, 'owned')).uid, user.subuids[0].start + 65533);
  assert.equal(fs.statSync(path.join(upper, 'owned')).gid, user.subgids[0].start + 65533);
  assert.equal(fs.statSync(path.join(upper, 'rooted')).uid, user.uid);
  // and a container sees them as the image says
  assert.equal(
    await user.ok(['run', '--rm', 'owners:root', 'stat', '-c', '%u:%g %n', '/owned', '/rooted']),
    '65534:65534 /owned\n0:0 /rooted\n',
  );

  // the other way: import, build with RUN steps, commit, save as the user; root loads the same image
  await user.ok(['import', '-c', 'CMD ["sh"]', path.join(user.home, 'rootfs.tar'), 'base:user']);
  fs.mkdirSync(path.join(user.home, 'app'));
  fs.writeFileSync(
    path.join(user.home, 'app', 'Dockerfile'),
    'FROM base:user\nRUN mkdir -p /srv && echo built > /srv/a && chown -R 65534:65534 /srv\nRUN echo app:x:1234:1234::/home/app:/bin/sh >> /etc/passwd && echo app:x:1234: >> /etc/group && id app\n',
  );
  spawnChown(path.join(user.home, 'app'), user);
  const build = await user.run(['build', '-t', 'app:user', path.join(user.home, 'app')]);
  assert.equal(build.code, 0, build.stderr);
  assert.match(build.stdout, /uid=1234\(app\) gid=1234\(app\)/);
  await user.ok(['run', '--name', 'changer', 'app:user', 'sh', '-c', 'echo changed > /srv/b && chown 1234 /srv/b']);
  await user.ok(['commit', 'changer', 'app:committed']);
  await user.ok(['rm', 'changer']);
  assert.equal(
    await user.ok(['run', '--rm', 'app:committed', 'stat', '-c', '%U %n', '/srv/a', '/srv/b']),
    'nobody /srv/a\napp /srv/b\n',
  );
  const userArchive = path.join(user.home, 'app.tar');
  await user.ok(['save', '-o', userArchive, 'app:committed']);
  const userId = (await user.ok(['image', 'inspect', '-f', '{{.Id}}', 'app:committed'])).trim();
  assert.match(await root.ok(['load', '-i', userArchive]), /Loaded image: app:committed/);
  assert.equal((await root.ok(['image', 'inspect', '-f', '{{.Id}}', 'app:committed'])).trim(), userId);
  const rootAgain = path.join(root.dir, 'app-again.tar');
  await root.ok(['save', '-o', rootAgain, 'app:committed']);
  assert.ok(
    fs.readFileSync(rootAgain).equals(fs.readFileSync(userArchive)),
    'saved as root = saved rootless, byte for byte',
  );
  assert.equal(
    await root.ok(['run', '--rm', 'app:committed', 'stat', '-c', '%u %n', '/srv/a', '/srv/b']),
    '65534 /srv/a\n1234 /srv/b\n',
  );

  // export, and push and pull through a registry on 127.0.0.1
  const exported = await user.run(['export', (await user.ok(['create', 'app:committed'])).trim()]);
  assert.equal(exported.code, 0);
  assert.ok(exported.stdout.includes('srv/b'));
  const reg = await startRegistry();
  try {
    await user.ok(['tag', 'app:committed', `${reg.host}/rootless/app:1`]);
    const push = await user.run(['push', `${reg.host}/rootless/app:1`]);
    assert.equal(push.code, 0, push.stderr);
    await user.ok(['rmi', `${reg.host}/rootless/app:1`]);
    await user.ok(['container', 'prune', '-f']);
    await user.ok(['rmi', 'app:committed']);
    const pull = await user.run(['pull', `${reg.host}/rootless/app:1`]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal((await user.ok(['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/rootless/app:1`])).trim(), userId);
    assert.equal(await user.ok(['run', '--rm', `${reg.host}/rootless/app:1`, 'cat', '/srv/b']), 'changed\n');
  } finally {
    await reg.stop();
  }
});

function spawnChown(dir: string, u: RootlessUser): void {
  for (const f of [dir, ...fs.readdirSync(dir).map((e) => path.join(dir, e))]) fs.chownSync(f, u.uid, u.gid);
}

test('containers: root of the namespace inside, --userns=keep-id, ports on 127.0.0.1, networks by name, limits refused', async () => {
  await user.ok(['import', '-c', 'CMD ["sh"]', path.join(user.home, 'rootfs.tar'), 'busybox:latest']);
  assert.equal(await user.ok(['run', '--rm', 'busybox', 'id']), 'uid=0(root) gid=0(root) groups=0(root)\n');
  // keep-id: the user's own IDs inside, as podman's
  const keep = await user.ok([
    'run',
    '--rm',
    '--userns=keep-id',
    'busybox',
    'sh',
    '-c',
    'id -u; id -g; id -un; echo $HOME; stat -c %u /bin/busybox',
  ]);
  assert.equal(keep, `${user.uid}\n${user.gid}\n${user.name}\n${user.home}\n0\n`);
  const kept = (await user.ok(['run', '-d', '--userns=keep-id', 'busybox', 'sleep', '1000'])).trim();
  assert.equal(
    (await user.ok(['inspect', '-f', '{{.HostConfig.UsernsMode}} {{.Config.User}}', kept])).trim(),
    `keep-id ${user.uid}:${user.gid}`,
  );
  // exec joins it (its network namespace belongs to the container's own user namespace): the container's address
  const ip = (await user.ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', kept])).trim();
  assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
  assert.equal(
    await user.ok(['exec', kept, 'sh', '-c', "id -u; id -un; ip -o -4 addr show eth0 | awk '{print $4}'"]),
    `${user.uid}\n${user.name}\n${ip}/16\n`,
  );
  assert.equal(await user.ok(['exec', '-u', '0', kept, 'id', '-u']), '0\n');
  const nsFiles = () => fs.readdirSync(path.join(user.runDir, 'netns')).filter((f) => f.startsWith(kept));
  assert.deepEqual(nsFiles().sort(), [kept, `${kept}.user`]);
  await user.ok(['rm', '-f', kept]);
  assert.deepEqual(nsFiles(), []);
  // the host's network namespace (the user's): exec joins no network namespace at all
  const hostNet = (
    await user.ok(['run', '-d', '--userns=keep-id', '--network', 'host', 'busybox', 'sleep', '1000'])
  ).trim();
  assert.equal(await user.ok(['exec', hostNet, 'id', '-u']), `${user.uid}\n`);
  // the host's network without keep-id, and through a container on it (container:X) with and without:
  // sysfs cannot be mounted for the host's namespace, so the user's /sys is bound, and no namespace is joined
  assert.match(await user.ok(['run', '--rm', '--network', 'host', 'busybox', 'ls', '/sys/class/net']), /^lo$/m);
  for (const keep of [[], ['--userns=keep-id']]) {
    const links = await user.ok([
      'run',
      '--rm',
      ...keep,
      '--network',
      `container:${hostNet}`,
      'busybox',
      'ls',
      '/sys/class/net',
    ]);
    assert.match(links, /^lo$/m);
  }
  // another container's, which the container's user namespace does not own: refused with the reason
  const plain = (await user.ok(['run', '-d', 'busybox', 'sleep', '1000'])).trim();
  const peerMode = `container:${plain.slice(0, 12)}`;
  const shared = (
    await user.ok(['run', '-d', '--userns=keep-id', '--network', peerMode, 'busybox', 'sleep', '1000'])
  ).trim();
  const refused = await user.run(['exec', shared, 'id']);
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr,
    `Error: cannot exec in container ${shared}: exec into a --userns=keep-id container with --network=${peerMode} is not supported with runc 1.1 (it cannot join that network namespace after the container's user namespace)\n`,
  );
  await user.ok(['rm', '-f', shared, plain, hostNet]);
  // overlayfs: the kernel's own in the user's namespace; fuse-overlayfs where it refuses (forced here)
  assert.match(
    await user.ok(['run', '--rm', 'busybox', 'sh', '-c', "grep ' / / ' /proc/self/mountinfo"]),
    / - overlay overlay .*userxattr/,
  );
  const fused = (
    await user.ok(
      ['run', '-d', 'busybox', 'sh', '-c', "grep ' / / ' /proc/self/mountinfo; echo kept > /kept; sleep 1000"],
      { env: { STOWAGE_OVERLAY: 'fuse-overlayfs' } },
    )
  ).trim();
  for (let i = 0; (await user.run(['exec', fused, 'cat', '/kept'])).code !== 0; i++)
    assert.ok(i < 100, 'the container wrote /kept');
  await user.ok(['commit', fused, 'fused:1']);
  assert.match(await user.ok(['logs', fused]), / - fuse\.fuse-overlayfs /);
  await user.ok(['rm', '-f', fused]);
  assert.equal(await user.ok(['run', '--rm', 'fused:1', 'cat', '/kept']), 'kept\n');
  const bad = await user.run(['run', '--rm', '--userns=keep-all', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /--userns: invalid USER mode/); // the docker CLI's words for any other mode

  // a port >= 1024 published on 127.0.0.1 and on every address
  const port = await freePort();
  const web = (
    await user.ok([
      'run',
      '-d',
      '-p',
      `127.0.0.1:${port}:80`,
      'busybox',
      'sh',
      '-c',
      'mkdir /www && echo rootless > /www/index.html && httpd -f -p 80 -h /www',
    ])
  ).trim();
  const page = await answered(port);
  assert.equal(page.status, 200);
  assert.equal(page.body, 'rootless\n');
  assert.equal((await user.ok(['port', web])).trim(), `80/tcp -> 127.0.0.1:${port}`);
  await user.ok(['rm', '-f', web]);
  const any = await freePort();
  const web2 = (
    await user.ok([
      'run',
      '-d',
      '-p',
      `${any}:80`,
      'busybox',
      'sh',
      '-c',
      'mkdir /www && echo everywhere > /www/index.html && httpd -f -p 80 -h /www',
    ])
  ).trim();
  assert.equal((await answered(any)).body, 'everywhere\n');
  assert.equal((await user.ok(['port', web2])).trim(), `80/tcp -> 0.0.0.0:${any}`);
  await user.ok(['rm', '-f', web2]);
  // the way out is slirp4netns: its gateway answers from the container's default route
  const out = await user.run(['run', '--rm', 'busybox', 'sh', '-c', 'ip route | grep default; ping -c1 -W5 10.0.2.2']);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /1 packets transmitted, 1 packets received/);
  const low = await user.run(['run', '--rm', '-p', '80:80', 'busybox', 'true']);
  assert.notEqual(low.code, 0);
  assert.match(low.stderr, /80/);
  assert.match(low.stderr, /ip_unprivileged_port_start/);

  // a user-defined network: peers by name
  await user.ok(['network', 'create', 'rlnet']);
  await user.ok([
    'run',
    '-d',
    '--network',
    'rlnet',
    '--name',
    'srv',
    'busybox',
    'sh',
    '-c',
    'mkdir /www && echo peer > /www/index.html && httpd -f -p 80 -h /www',
  ]);
  const peer = await user.run([
    'run',
    '--rm',
    '--network',
    'rlnet',
    'busybox',
    'sh',
    '-c',
    'for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://srv/ && exit 0; sleep 0.3; done; exit 1',
  ]);
  assert.equal(peer.code, 0, peer.stderr);
  assert.equal(peer.stdout, 'peer\n');
  await user.ok(['rm', '-f', 'srv']);
  await user.ok(['network', 'rm', 'rlnet']);

  // limits need a delegated cgroup: refused with the reason, nothing made
  const before = await user.ok(['ps', '-aq']);
  const limited = await user.run(['run', '--rm', '--memory', '64m', 'busybox', 'true']);
  if (!fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    assert.equal(limited.code, 125);
    assert.match(limited.stderr, /resource limits cannot be applied in rootless mode: --memory/);
    assert.equal(await user.ok(['ps', '-aq']), before);
  }
  // info says so, as Docker's rootless daemon does
  assert.match(await user.ok(['info']), /Security Options:[\s\S]* rootless\n/);
  assert.equal((await user.ok(['info', '-f', '{{.DockerRootDir}}'])).trim(), user.store);
});

test('clear errors: no subordinate IDs, no newuidmap; nothing made', async () => {
  const bare = new RootlessUser({ withRanges: false });
  try {
    const r = await bare.run(['images']);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      new RegExp(`no subordinate user and group IDs for user ${bare.name} in /etc/subuid and /etc/subgid`),
    );
    assert.match(r.stderr, new RegExp(`scripts/setup.sh --rootless-user ${bare.name}`));
    assert.ok(!fs.existsSync(bare.runDir) && !fs.existsSync(bare.store), 'nothing made');
    assert.deepEqual(bare.processes(), []);
    // the fix the message names (its ranges part), then the same command works
    const fix = spawnSync(path.join(REPO, 'scripts', 'rootless-user.sh'), [bare.name], { encoding: 'utf8' });
    assert.equal(fix.status, 0, fix.stderr);
    assert.match(
      fix.stdout,
      new RegExp(`/etc/subuid: ${bare.name}:\\d+:65536\n.*/etc/subgid: ${bare.name}:\\d+:65536\n`),
    );
    bare.rereadRanges();
    assert.equal(await bare.ok(['images']), 'REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n');
    assert.equal(
      spawnSync(path.join(REPO, 'scripts', 'rootless-user.sh'), [bare.name], { encoding: 'utf8' }).stdout,
      '',
      'a second time: nothing to do',
    );
  } finally {
    bare.remove();
  }
  const noTools = new RootlessUser();
  try {
    // a PATH with node but without newuidmap
    const bin = path.join(noTools.home, 'bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const r = await noTools.run(['images'], { env: { PATH: bin } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /newuidmap not found: .*apt-get install uidmap/);
    assert.ok(!fs.existsSync(noTools.runDir) && !fs.existsSync(noTools.store), 'nothing made');
    assert.deepEqual(noTools.processes(), []);
  } finally {
    noTools.remove();
  }
});

test('nothing the user ran wrote outside its home and run directory', async () => {
  await user.ok(['system', 'reset', '-f']);
  assert.deepEqual(user.processes(), [], `reset ended the namespace:\n${RootlessUser.describe(user.processes())}`);
  // the check sees the user's files (its home's), so an empty answer means something
  assert.ok(user.writtenOutside(marker, []).includes(path.join(user.home, '.profile')));
  assert.deepEqual(user.writtenOutside(marker, [user.home, user.runDir, root.dir]), []);
});
