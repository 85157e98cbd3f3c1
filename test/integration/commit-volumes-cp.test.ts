// commit, diff, volumes, cp and export on real overlayfs and runc.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FRONT_END, TestEnv } from '../helpers';

const env = new TestEnv();
before(async () => {
  await env.baseImage('busybox:latest');
});
after(async () => {
  const ids = (await env.run(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
  if (ids.length) await env.run(['rm', '-f', ...ids]);
  env.cleanup();
});

test("the lesson's flow: exec adds a page, commit makes v2, v2 has it; deletions stay deleted; volume data does not travel", async () => {
  await env.ok(['run', '-id', '--name', 'app', '-v', 'appdata:/data', 'busybox']);
  await env.ok([
    'exec',
    'app',
    'sh',
    '-c',
    'mkdir -p /www && echo "<h1>hello</h1>" > /www/hello.html && rm /bin/vi && echo secret > /data/in-volume.txt',
  ]);
  const id = (await env.ok(['commit', '-a', 'lesson', '-m', 'add hello.html', 'app', 'app:v2'])).trim();
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await env.ok(['run', '--rm', 'app:v2', 'cat', '/www/hello.html']), '<h1>hello</h1>\n');
  const vi = await env.run(['run', '--rm', 'app:v2', 'ls', '/bin/vi']);
  assert.notEqual(vi.code, 0, 'a file deleted in the container is absent in v2');
  const data = await env.run(['run', '--rm', 'app:v2', 'ls', '/data/in-volume.txt']);
  assert.notEqual(data.code, 0, 'what was written under the volume is not in v2');
  const [img] = JSON.parse(await env.ok(['image', 'inspect', 'app:v2']));
  const [base] = JSON.parse(await env.ok(['image', 'inspect', 'busybox']));
  assert.equal(img.RootFS.Layers.length, (base.RootFS.Layers as unknown[]).length + 1);
  assert.deepEqual(img.RootFS.Layers.slice(0, -1), base.RootFS.Layers);
  assert.equal(img.Parent, base.Id);
  assert.equal(img.Author, 'lesson');
  assert.equal(img.Comment, 'add hello.html');
  assert.deepEqual(img.Config.Cmd, ['sh']);
  const history = (await env.ok(['history', '--format', '{{.ID}}|{{.CreatedBy}}|{{.Comment}}', 'app:v2']))
    .trim()
    .split('\n');
  assert.equal(history.length, 2);
  assert.equal(history[0], `${id.slice(7, 19)}|sh|add hello.html`);
  assert.match(history[1], new RegExp(`^${base.Id.slice(7, 19)}\\|`));
  // the new layer holds only the change: a whiteout for vi, /www, /data's mount point
  const layer = execFileSync('tar', ['t'], {
    input: execFileSync('sh', ['-c', `tar -xOf - blobs/sha256/${img.RootFS.Layers.at(-1).slice(7)}`], {
      input: execFileSync(
        process.execPath,
        [path.join(__dirname, '..', '..', '..', 'bin', 'stowage'), 'save', 'app:v2'],
        { env: env.env, maxBuffer: 1 << 26 },
      ),
      maxBuffer: 1 << 26,
    }),
  }).toString();
  assert.deepEqual(layer.trim().split('\n').sort(), ['bin/', 'bin/.wh.vi', 'data/', 'www/', 'www/hello.html']);
});

test('diff lists A, C and D as Docker prints them, and a fresh container has none', async () => {
  await env.ok(['run', '-id', '--name', 'changes', 'busybox']);
  assert.equal(await env.ok(['diff', 'changes']), '');
  await env.ok([
    'exec',
    'changes',
    'sh',
    '-c',
    'mkdir /www && echo x > /www/a && rm /bin/vi && echo y > /tmp/t && echo z >> /etc/passwd',
  ]);
  assert.equal(
    await env.ok(['diff', 'changes']),
    'C /bin\nD /bin/vi\nC /etc\nC /etc/passwd\nC /tmp\nA /tmp/t\nA /www\nA /www/a\n',
  );
});

test('commit: a stopped container, --change, -p=false, an empty change', async () => {
  await env.ok(['run', '--name', 'stopped', 'busybox', 'sh', '-c', 'echo made > /made.txt']);
  await env.ok([
    'commit',
    '-c',
    'ENV STAGE=two',
    '-c',
    'CMD ["cat","/made.txt"]',
    '-c',
    'EXPOSE 8080',
    'stopped',
    'stopped:1',
  ]);
  assert.equal(await env.ok(['run', '--rm', 'stopped:1']), 'made\n');
  const [img] = JSON.parse(await env.ok(['image', 'inspect', 'stopped:1']));
  assert.ok(img.Config.Env.includes('STAGE=two'));
  assert.deepEqual(Object.keys(img.Config.ExposedPorts), ['8080/tcp']);
  await env.ok(['run', '-id', '--name', 'untouched', 'busybox']);
  await env.ok(['commit', '--pause=false', 'untouched', 'same:1']);
  const [same] = JSON.parse(await env.ok(['image', 'inspect', 'same:1']));
  const [bb] = JSON.parse(await env.ok(['image', 'inspect', 'busybox']));
  assert.deepEqual(same.RootFS.Layers, bb.RootFS.Layers, 'no change, no new layer');
  const bad = await env.run(['commit', '-c', 'RUN echo no', 'untouched']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /run is not a valid change command/);
  // a container never started has no writable layer yet: diff shows nothing, commit adds no layer
  await env.ok(['create', '--name', 'never', 'busybox']);
  assert.equal(await env.ok(['diff', 'never']), '');
  await env.ok(['commit', 'never', 'never:1']);
  assert.deepEqual(
    JSON.parse(await env.ok(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', 'never:1'])),
    bb.RootFS.Layers,
  );
  // the new name is checked by the CLI first, in its words
  const upper = await env.run(['commit', 'never', 'Bad:Name']);
  assert.deepEqual(
    [upper.code, upper.stderr],
    [1, 'invalid reference format: repository name (library/Bad) must be lowercase\n'],
  );
  await env.ok(['rm', 'never']);
});

test('volumes: named ones are filled from the image once, in use they stay, rm -v takes anonymous ones', async () => {
  await env.ok(['volume', 'create', '--label', 'team=lesson', 'etcvol']);
  const [v] = JSON.parse(await env.ok(['volume', 'inspect', 'etcvol']));
  assert.equal(v.Name, 'etcvol');
  assert.equal(v.Driver, 'local');
  assert.deepEqual(v.Labels, { team: 'lesson' });
  await env.ok([
    'run',
    '-d',
    '--name',
    'volc',
    '-v',
    'etcvol:/etc',
    '-v',
    '/anon',
    '--mount',
    'type=tmpfs,target=/scratch',
    'busybox',
    'sleep',
    '100',
  ]);
  assert.ok(fs.existsSync(path.join(v.Mountpoint, 'passwd')), "the image's /etc was copied into the new volume");
  const mounts = JSON.parse(await env.ok(['inspect', '-f', '{{json .Mounts}}', 'volc']));
  // Mode as Docker shows it: "z" for a named volume given with -v and no mode
  assert.deepEqual(
    mounts
      .map((m: { Type: string; Destination: string; Mode: string }) => `${m.Type} ${m.Destination} ${m.Mode}`)
      .sort(),
    ['tmpfs /scratch ', 'volume /anon ', 'volume /etc z'],
  );
  const anon = mounts.find((m: { Destination: string }) => m.Destination === '/anon').Name;
  const inUse = await env.run(['volume', 'rm', 'etcvol']);
  assert.equal(inUse.code, 1);
  assert.match(inUse.stderr, /remove etcvol: volume is in use - \[[0-9a-f]{64}\]/);
  assert.match(await env.ok(['volume', 'ls', '--format', '{{.Name}}']), new RegExp(anon));
  await env.ok(['rm', '-f', '-v', 'volc']);
  const names = await env.ok(['volume', 'ls', '-q']);
  assert.doesNotMatch(names, new RegExp(anon), 'rm -v removed the anonymous volume');
  assert.match(names, /etcvol/, 'the named one stays');
  assert.equal(await env.ok(['volume', 'rm', 'etcvol']), 'etcvol\n');
  // a read-only bind mount
  const hostDir = path.join(env.dir, 'hostdir');
  fs.mkdirSync(hostDir);
  fs.writeFileSync(path.join(hostDir, 'f'), 'from host');
  assert.equal(await env.ok(['run', '--rm', '-v', `${hostDir}:/h:ro`, 'busybox', 'cat', '/h/f']), 'from host');
  const ro = await env.run(['run', '--rm', '-v', `${hostDir}:/h:ro`, 'busybox', 'touch', '/h/new']);
  assert.notEqual(ro.code, 0);
  const badSpec = await env.run(['run', '--rm', '-v', 'relative:path', 'busybox', 'true']);
  assert.equal(badSpec.code, 125);
  assert.match(badSpec.stderr, /invalid volume specification/);
});

test('cp both ways with Docker path rules, running or stopped', async () => {
  const host = path.join(env.dir, 'cp');
  fs.mkdirSync(path.join(host, 'dir', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(host, 'file.txt'), 'file');
  fs.writeFileSync(path.join(host, 'dir', 'sub', 'deep.txt'), 'deep');
  await env.ok(['run', '-id', '--name', 'cpc', 'busybox']);
  await env.ok(['cp', path.join(host, 'file.txt'), 'cpc:/tmp/']);
  await env.ok(['cp', path.join(host, 'file.txt'), 'cpc:/tmp/renamed.txt']);
  await env.ok(['cp', path.join(host, 'dir'), 'cpc:/tmp/newdir']);
  await env.ok(['cp', path.join(host, 'dir'), 'cpc:/tmp']);
  await env.ok(['cp', `${path.join(host, 'dir')}/.`, 'cpc:/root']);
  assert.equal(
    await env.ok([
      'exec',
      'cpc',
      'sh',
      '-c',
      'cat /tmp/file.txt /tmp/renamed.txt /tmp/newdir/sub/deep.txt /tmp/dir/sub/deep.txt /root/sub/deep.txt',
    ]),
    'filefiledeepdeepdeep',
  );
  assert.equal((await env.ok(['exec', 'cpc', 'stat', '-c', '%u', '/tmp/file.txt'])).trim(), '0');
  const toFile = await env.run(['cp', path.join(host, 'dir'), 'cpc:/tmp/file.txt']);
  assert.equal(toFile.code, 1);
  assert.match(toFile.stderr, /cannot copy a directory to a file/);
  const noDir = await env.run(['cp', path.join(host, 'file.txt'), 'cpc:/nope/']);
  assert.equal(noDir.code, 1);
  // out of the container, then out of a stopped one
  await env.ok(['exec', 'cpc', 'sh', '-c', 'mkdir -p /out/x && echo out > /out/x/o.txt']);
  await env.ok(['cp', 'cpc:/out', path.join(host, 'fromc')]);
  assert.equal(fs.readFileSync(path.join(host, 'fromc', 'x', 'o.txt'), 'utf8'), 'out\n');
  await env.ok(['stop', '-t', '0', 'cpc']);
  await env.ok(['cp', 'cpc:/out/x/o.txt', path.join(host, 'o-stopped.txt')]);
  assert.equal(fs.readFileSync(path.join(host, 'o-stopped.txt'), 'utf8'), 'out\n');
  await env.ok(['cp', path.join(host, 'file.txt'), 'cpc:/into-stopped.txt']);
  await env.ok(['start', 'cpc']);
  assert.equal(await env.ok(['exec', 'cpc', 'cat', '/into-stopped.txt']), 'file');
  const missing = await env.run(['cp', 'cpc:/no/such/file', host]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Could not find the file \/no\/such\/file in container cpc/);
});

test("cp never follows a container's symlink out to the host (CVE-2018-15664, CVE-2019-14271)", async () => {
  await env.ok(['run', '-id', '--name', 'evil', 'busybox']);
  await env.ok([
    'exec',
    'evil',
    'sh',
    '-c',
    'ln -s / /rootlink && ln -s ../../../../../../ /uplink && ln -s /etc/shadow-of-host /etc/victim && echo "container passwd" > /tmp/marker',
  ]);
  const host = path.join(env.dir, 'evil');
  fs.mkdirSync(host);
  // reading through the links reads the container's files
  await env.ok(['cp', 'evil:/rootlink/etc/passwd', path.join(host, 'p1')]);
  await env.ok(['cp', 'evil:/uplink/etc/passwd', path.join(host, 'p2')]);
  const containerPasswd = await env.ok(['exec', 'evil', 'cat', '/etc/passwd']);
  assert.equal(fs.readFileSync(path.join(host, 'p1'), 'utf8'), containerPasswd);
  assert.equal(fs.readFileSync(path.join(host, 'p2'), 'utf8'), containerPasswd);
  // writing through the links writes inside the container
  const probe = path.join(host, 'probe.txt');
  fs.writeFileSync(probe, 'probe');
  const name = `stowage-cp-escape-${process.pid}`;
  await env.ok(['cp', probe, `evil:/uplink/tmp/${name}`]);
  await env.ok(['cp', probe, `evil:/rootlink/tmp/${name}-2`]);
  assert.ok(!fs.existsSync(`/tmp/${name}`) && !fs.existsSync(`/tmp/${name}-2`), 'nothing written on the host');
  assert.equal(await env.ok(['exec', 'evil', 'cat', `/tmp/${name}`, `/tmp/${name}-2`]), 'probeprobe');
  // the copied symlink itself is copied as a link, not followed, without -L
  await env.ok(['cp', 'evil:/rootlink', path.join(host, 'link')]);
  assert.equal(fs.readlinkSync(path.join(host, 'link')), '/');
  // a tar from stdin goes where the container's /rootlink/tmp leads: its own /tmp
  fs.renameSync(probe, path.join(host, `${name}-3`));
  const tar = execFileSync('tar', ['-C', host, '-cf', '-', `${name}-3`]);
  assert.equal((await env.run(['cp', '-', 'evil:/rootlink/tmp'], { input: tar })).code, 0);
  assert.ok(!fs.existsSync(`/tmp/${name}-3`), 'nothing written on the host');
  assert.equal(await env.ok(['exec', 'evil', 'cat', `/tmp/${name}-3`]), 'probe');
  // and a tar whose entry would pass through a symlink in the container is refused
  const hostile = path.join(host, 'hostile');
  fs.mkdirSync(path.join(hostile, 'rootlink', 'tmp'), { recursive: true });
  fs.writeFileSync(path.join(hostile, 'rootlink', 'tmp', `${name}-4`), 'x');
  // (only the file is archived, not its directories: the container's own symlink is met on the way)
  const r = await env.run(['cp', '-', 'evil:/'], {
    input: execFileSync('tar', ['-C', hostile, '-cf', '-', `rootlink/tmp/${name}-4`]),
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /symlink/);
  assert.ok(!fs.existsSync(`/tmp/${name}-4`));
});

test('export writes the flattened filesystem, which import reads back', async () => {
  await env.ok(['run', '--name', 'exp', 'busybox', 'sh', '-c', 'echo exported > /exported.txt && rm /bin/vi']);
  const file = path.join(env.dir, 'exp.tar');
  await env.ok(['export', '-o', file, 'exp']);
  const names = execFileSync('tar', ['tf', file], { encoding: 'utf8' }).split('\n');
  assert.ok(names.includes('exported.txt'));
  assert.ok(names.includes('bin/busybox'));
  assert.ok(!names.includes('bin/vi'));
  assert.ok(!names.some((n) => n.includes('.wh.')));
  await env.ok(['import', file, 'exported:1']);
  assert.equal(await env.ok(['run', '--rm', 'exported:1', '/bin/cat', '/exported.txt']), 'exported\n');
  const tty = spawnSync(
    'script',
    ['-qec', `${process.execPath} ${path.join(__dirname, '..', '..', '..', 'bin', 'stowage')} export exp`, '/dev/null'],
    { env: env.env, encoding: 'utf8' },
  );
  assert.notEqual(tty.status, 0);
  assert.match(tty.stdout, /cowardly refusing to save to a terminal/);
});

test("an export holds the container's root filesystem: a stop meanwhile does not unmount it under the export, a start does not lose it after", async (t) => {
  const merged = (id: string) => path.join(env.root, 'containers', id, 'merged');
  const mounted = (dir: string) =>
    fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((l) => l.split(' ')[4] === dir);
  /** An export that has begun (its first bytes came) and then blocks on a pipe nobody reads, its files half walked. */
  const blockedExport = async () => {
    const p = spawn(FRONT_END, ['export', 'held'], { env: env.env, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => p.kill('SIGKILL')); // a failed assertion must not leave it blocked
    const chunks: Buffer[] = [];
    let stderr = '';
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const done = new Promise<string>((resolve) => p.on('close', (code) => resolve(`exit ${code} ${stderr}`)));
    let started = false;
    await new Promise<void>((resolve) => {
      p.stdout.on('data', (b: Buffer) => {
        chunks.push(b);
        if (started) return;
        started = true;
        p.stdout.pause(); // once: finish() lets the rest flow
        resolve();
      });
    });
    return {
      /** Reads the rest; the tar's names. */
      async finish(): Promise<string[]> {
        p.stdout.resume();
        assert.equal(await done, 'exit 0 ');
        return execFileSync('tar', ['t'], { input: Buffer.concat(chunks), encoding: 'utf8' }).split('\n');
      },
    };
  };
  const id = (await env.ok(['run', '-d', '--name', 'held', 'busybox', 'sleep', '600'])).trim();
  const exp = await blockedExport();
  await env.ok(['stop', '-t', '0', 'held']);
  assert.ok(mounted(merged(id)), 'still mounted: the export holds it');
  const names = await exp.finish();
  assert.ok(names.includes('bin/busybox') && names.includes('etc/passwd'), 'the whole tree was exported');
  assert.ok(!mounted(merged(id)), 'the last holder out unmounted it');
  // and the other way round: a start while an export reads the stopped container
  const exp2 = await blockedExport();
  await env.ok(['start', 'held']);
  assert.ok((await exp2.finish()).includes('bin/busybox'));
  assert.ok(mounted(merged(id)), 'the running container keeps its root filesystem mounted');
  assert.equal(await env.ok(['exec', '-u', 'nobody', 'held', 'id', '-un']), 'nobody\n');
  await env.ok(['rm', '-f', 'held']);
  assert.ok(!mounted(merged(id)));
});
