// build: the classic builder's steps, cache, contexts and errors on real runc and overlayfs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FRONT_END, freePort, TestEnv } from '../helpers';

const env = new TestEnv();
let ctxDir: string;

/** Writes files (name → content) under a fresh context directory. */
function context(name: string, files: Record<string, string>): string {
  const dir = path.join(env.dir, name);
  for (const [f, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), content);
  }
  return dir;
}

const imageIds = async () => (await env.ok(['images', '-aq', '--no-trunc'])).trim().split('\n').filter(Boolean).sort();
const mountsUnderStore = () =>
  fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[4]?.startsWith(path.join(env.root, 'tmp'))).length;

before(async () => {
  await env.baseImage('busybox:latest');
  ctxDir = context('lottery', {
    Dockerfile: [
      'FROM busybox',
      'ARG GREETING=hello',
      'ENV APP=/www \\',
      '    TITLE="lucky draw"',
      'WORKDIR $APP',
      'COPY index.html .',
      'COPY pages /www/pages/',
      'RUN echo "$GREETING from $TITLE" > /www/greeting.txt && rm /bin/vi',
      'EXPOSE 80',
      'CMD ["httpd", "-f", "-p", "80", "-h", "/www"]',
      '',
    ].join('\n'),
    'index.html': '<h1>lottery</h1>\n',
    'pages/a.html': 'a\n',
    'pages/secret.key': 'do not ship\n',
    '.dockerignore': '**/*.key\n',
  });
});
after(async () => {
  const ids = (await env.run(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
  if (ids.length) await env.run(['rm', '-f', ...ids]);
  env.cleanup();
});

test('a build runs each step as Docker prints it, and the image has what the Dockerfile says', async () => {
  const r = await env.run(['build', '-t', 'lottery:v1', ctxDir]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], 'Step 1/9 : FROM busybox');
  assert.ok(lines.includes('Step 3/9 : ENV APP=/www     TITLE="lucky draw"'));
  assert.match(
    r.stdout,
    /Step 7\/9 : RUN echo .*\n ---> Running in ([0-9a-f]{12})\nRemoving intermediate container \1\n ---> [0-9a-f]{12}\n/,
  );
  const built = /Successfully built ([0-9a-f]{12})\nSuccessfully tagged lottery:v1\n$/.exec(r.stdout);
  assert.ok(built, r.stdout);
  assert.equal((await env.ok(['image', 'inspect', '-f', '{{.Id}}', 'lottery:v1'])).trim().slice(7, 19), built[1]);
  // the content: files copied (the ignored one left out), RUN's changes, the config
  const show = await env.ok([
    'run',
    '--rm',
    'lottery:v1',
    'sh',
    '-c',
    'pwd; cat index.html greeting.txt pages/a.html; ls pages; ls /bin/vi 2>&1; stat -c %u:%g index.html',
  ]);
  assert.equal(
    show,
    '/www\n<h1>lottery</h1>\nhello from lucky draw\na\na.html\nls: /bin/vi: No such file or directory\n0:0\n',
  );
  const [img] = JSON.parse(await env.ok(['image', 'inspect', 'lottery:v1']));
  assert.deepEqual(img.Config.Cmd, ['httpd', '-f', '-p', '80', '-h', '/www']);
  assert.deepEqual(img.Config.ExposedPorts, { '80/tcp': {} });
  assert.equal(img.Config.WorkingDir, '/www');
  assert.ok(img.Config.Env.includes('TITLE=lucky draw'));
  assert.ok(!img.Config.Env.some((e: string) => e.startsWith('GREETING=')), 'ARGs are not in the image');
  // layers: the base, WORKDIR, two COPYs and RUN; metadata steps are empty layers
  assert.equal(img.RootFS.Layers.length, 5);
  const history = (await env.ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'lottery:v1']))
    .trim()
    .split('\n');
  assert.equal(history[0], '/bin/sh -c #(nop)  CMD ["httpd" "-f" "-p" "80" "-h" "/www"]');
  assert.equal(history[1], '/bin/sh -c #(nop)  EXPOSE 80');
  assert.equal(
    history[2],
    '|1 GREETING=hello /bin/sh -c echo "$GREETING from $TITLE" > /www/greeting.txt && rm /bin/vi',
  );
  assert.match(history[3], /^\/bin\/sh -c #\(nop\) COPY dir:[0-9a-f]{64} in \/www\/pages\/ $/);
  assert.match(history[4], /^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \. $/);
  assert.equal(history[5], '/bin/sh -c #(nop) WORKDIR /www');
  assert.equal(history[6], '/bin/sh -c #(nop)  ENV APP=/www TITLE=lucky draw');
  assert.equal(history[7], '/bin/sh -c #(nop)  ARG GREETING=hello');
  // intermediate images are there for the cache, shown by images -a only
  assert.equal((await env.ok(['images', '-q'])).trim().split('\n').length, 2);
  assert.equal((await imageIds()).length, 9, 'the base and one image per step after FROM');
  assert.equal((await env.ok(['ps', '-aq'])).trim(), '', 'no intermediate container is left');
  assert.equal(mountsUnderStore(), 0);
});

test('the cache: the same build reuses every step; a changed file rebuilds from its COPY on; --no-cache rebuilds all', async () => {
  const first = (await env.ok(['image', 'inspect', '-f', '{{.Id}}', 'lottery:v1'])).trim();
  const again = await env.ok(['build', '-t', 'lottery:v1', ctxDir]);
  assert.equal((again.match(/ ---> Using cache/g) ?? []).length, 8);
  assert.doesNotMatch(again, /Running in/);
  assert.equal((await env.ok(['image', 'inspect', '-f', '{{.Id}}', 'lottery:v1'])).trim(), first);
  // a build arg the RUN sees is part of its cache key
  const arg = await env.ok(['build', '--build-arg', 'GREETING=hi', '-t', 'lottery:arg', ctxDir]);
  assert.equal((arg.match(/ ---> Using cache/g) ?? []).length, 5);
  assert.match(arg, /Step 7\/9 : RUN .*\n ---> Running in/, 'the RUN saw another value: not from the cache');
  assert.equal(await env.ok(['run', '--rm', 'lottery:arg', 'cat', '/www/greeting.txt']), 'hi from lucky draw\n');
  fs.writeFileSync(path.join(ctxDir, 'pages', 'a.html'), 'changed\n');
  const changed = await env.ok(['build', '-t', 'lottery:v2', ctxDir]);
  assert.equal((changed.match(/ ---> Using cache/g) ?? []).length, 4, 'steps before COPY pages come from the cache');
  assert.match(changed, /Step 6\/9 : COPY pages \/www\/pages\/\n ---> [0-9a-f]{12}\n/);
  assert.equal(await env.ok(['run', '--rm', 'lottery:v2', 'cat', '/www/pages/a.html']), 'changed\n');
  const none = await env.ok(['build', '--no-cache', '-q', ctxDir]);
  assert.match(none, /^sha256:[0-9a-f]{64}\n$/);
  assert.notEqual(none.trim(), (await env.ok(['image', 'inspect', '-f', '{{.Id}}', 'lottery:v2'])).trim());
  // removing the tagged images takes their intermediate images along
  for (const t of ['lottery:v1', 'lottery:v2', 'lottery:arg', none.trim()]) await env.ok(['rmi', t]);
  assert.deepEqual(await imageIds(), [(await env.ok(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).trim()]);
});

test("a failing RUN stops the build with its code and Docker's message, keeping its container unless --force-rm", async () => {
  const dir = context('failing', { Dockerfile: 'FROM busybox\nRUN echo out; echo err >&2; exit 3\nRUN echo never\n' });
  const before = await imageIds();
  const r = await env.run(['build', dir]);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /Step 2\/3 : RUN echo out; echo err >&2; exit 3\n ---> Running in [0-9a-f]{12}\nout\nerr\n$/);
  assert.equal(r.stderr, "The command '/bin/sh -c echo out; echo err >&2; exit 3' returned a non-zero code: 3\n");
  assert.deepEqual(await imageIds(), before);
  assert.match(await env.ok(['ps', '-a', '--format', '{{.Status}}']), /^Exited \(3\)/);
  await env.ok(['container', 'prune', '-f']);
  assert.equal((await env.run(['build', '--force-rm', dir])).code, 3);
  assert.equal((await env.ok(['ps', '-aq'])).trim(), '');
});

test('an interrupted build takes its RUN container away', async () => {
  const dir = context('interrupted', { Dockerfile: 'FROM busybox\nRUN echo started && sleep 300\n' });
  const p = spawn(FRONT_END, ['build', '--network', 'none', dir], { env: env.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (b: Buffer) => (out += b.toString()));
  for (const deadline = Date.now() + 60_000; !out.includes('started\n'); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > deadline) throw new Error(`the RUN did not start: ${out}`);
  }
  assert.equal((await env.ok(['ps', '-q'])).trim().split('\n').length, 1, 'the RUN container runs');
  p.kill('SIGINT');
  assert.equal(await new Promise((r) => p.once('exit', r)), 130);
  assert.equal((await env.ok(['ps', '-aq'])).trim(), '');
});

test('multi-stage builds: COPY --from a named stage, --target, ONBUILD triggers, scratch', async () => {
  const dir = context('stages', {
    Dockerfile: [
      'ARG BASE=busybox',
      'FROM $BASE AS builder',
      'ARG BASE',
      'RUN mkdir /out && echo compiled > /out/app && echo "from $BASE" > /out/base',
      'FROM scratch',
      'COPY --from=builder /out/ap? /app',
      'COPY --from=builder /bin/busybox /bin/busybox',
      'CMD ["/bin/busybox", "cat", "/app"]',
      '',
    ].join('\n'),
  });
  const r = await env.run(['build', '-t', 'multi:1', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Step 1\/8 : ARG BASE=busybox\nStep 2\/8 : FROM \$BASE AS builder\n ---> [0-9a-f]{12}\n/);
  assert.match(r.stdout, /Step 5\/8 : FROM scratch\n ---> \n/);
  assert.equal(await env.ok(['run', '--rm', 'multi:1']), 'compiled\n');
  const [img] = JSON.parse(await env.ok(['image', 'inspect', 'multi:1']));
  assert.equal(img.RootFS.Layers.length, 2, 'only what the last stage copied');
  const target = await env.ok(['build', '-q', '--target', 'builder', dir]);
  assert.equal(
    await env.ok(['run', '--rm', target.trim(), 'cat', '/out/app', '/out/base']),
    'compiled\nfrom busybox\n',
    "a stage's ARG takes the value of the ARG before FROM",
  );
  assert.match(
    (await env.run(['build', '--target', 'nope', dir])).stderr,
    /failed to reach build target nope in Dockerfile/,
  );
  // an image with ONBUILD runs its triggers in the builds FROM it
  const base = context('onbuild', { Dockerfile: 'FROM busybox\nONBUILD RUN echo triggered > /trigger.txt\n' });
  await env.ok(['build', '-t', 'onbuild:1', base]);
  const child = await env.run(['build', '-t', 'child:1', '-'], { input: 'FROM onbuild:1\n' });
  assert.match(child.stdout, /# Executing 1 build trigger\n/);
  assert.equal(await env.ok(['run', '--rm', 'child:1', 'cat', '/trigger.txt']), 'triggered\n');
  assert.equal((await env.ok(['image', 'inspect', '-f', '{{json .Config.OnBuild}}', 'child:1'])).trim(), 'null');
});

test('contexts: a Dockerfile or a tar on stdin, -f elsewhere, --iidfile, --label, build args', async () => {
  const fromStdin = await env.run(['build', '-q', '-'], { input: 'FROM busybox\nRUN echo from stdin > /s.txt\n' });
  assert.equal(fromStdin.code, 0, fromStdin.stderr);
  assert.equal(await env.ok(['run', '--rm', fromStdin.stdout.trim(), 'cat', '/s.txt']), 'from stdin\n');
  const tarDir = context('tarctx', { Dockerfile: 'FROM busybox\nCOPY data.txt /\n', 'data.txt': 'in a tar\n' });
  const tar = execFileSync('tar', ['-C', tarDir, '-czf', '-', '.']);
  const iid = path.join(env.dir, 'iid');
  const fromTar = await env.run(['build', '--iidfile', iid, '--label', 'built.by=test', '--label', 'a=first', '-'], {
    input: tar,
  });
  assert.equal(fromTar.code, 0, fromTar.stderr);
  assert.match(
    fromTar.stdout,
    /Step 3\/4 : LABEL a=first\n[\s\S]*Step 4\/4 : LABEL built.by=test\n/,
    'one step per label, by name',
  );
  const id = fs.readFileSync(iid, 'utf8');
  assert.equal(await env.ok(['run', '--rm', id, 'cat', '/data.txt']), 'in a tar\n');
  assert.equal((await env.ok(['image', 'inspect', '-f', '{{index .Config.Labels "built.by"}}', id])).trim(), 'test');
  const other = context('elsewhere', {
    'Other.dockerfile': 'FROM busybox\nARG USED\nARG WITH_DEFAULT=d\nRUN echo "$USED $WITH_DEFAULT" > /args.txt\n',
  });
  const args = await env.run([
    'build',
    '-q',
    '-f',
    path.join(other, 'Other.dockerfile'),
    '--build-arg',
    'USED=u',
    '--build-arg',
    'UNUSED=x',
    ctxDir,
  ]);
  assert.equal(args.code, 0, args.stderr);
  assert.equal(await env.ok(['run', '--rm', args.stdout.trim(), 'cat', '/args.txt']), 'u d\n');
  const warned = await env.ok([
    'build',
    '-f',
    path.join(other, 'Other.dockerfile'),
    '--build-arg',
    'USED=u',
    '--build-arg',
    'UNUSED=x',
    ctxDir,
  ]);
  assert.match(warned, /\[Warning\] One or more build-args \[UNUSED\] were not consumed\nSuccessfully built/);
});

test('sources: globs and links resolve inside the context, ignored files stay out however named, `!` takes files back, a link keeps its own name', async () => {
  // a glob matching a link to a host file: the link resolves inside the context, where there is nothing
  const hostTar = path.join(env.dir, 'host-only.tar');
  execFileSync('tar', ['-C', env.dir, '-cf', hostTar, '--files-from', '/dev/null']);
  const globDir = context('globlink', { Dockerfile: 'FROM busybox\nADD *.tar /x/\n' });
  fs.symlinkSync(hostTar, path.join(globDir, 'evil.tar'));
  const g = await env.run(['build', globDir]);
  assert.equal(g.code, 1);
  assert.match(g.stderr, /no source files were specified/);
  // an ignored file reached through a link is still ignored
  const ignDir = context('ignlink', {
    Dockerfile: 'FROM busybox\nCOPY link /\n',
    'secret.key': 'secret',
    '.dockerignore': 'secret.key\n',
  });
  fs.symlinkSync('secret.key', path.join(ignDir, 'link'));
  assert.match(
    (await env.run(['build', ignDir])).stderr,
    /file not found in build context or excluded by \.dockerignore/,
  );
  // ! re-includes inside an excluded directory; a link is copied under its own name
  const dir = context('reinclude', {
    Dockerfile: 'FROM busybox\nCOPY . /app\nCOPY config /named/\n',
    'docs/keep.md': 'kept\n',
    'docs/other.md': 'not kept\n',
    'config.prod.json': '{"prod":true}\n',
    '.dockerignore': 'docs\n!docs/keep.md\n',
  });
  fs.symlinkSync('config.prod.json', path.join(dir, 'config'));
  const id = (await env.ok(['build', '-q', dir])).trim();
  assert.equal(
    await env.ok(['run', '--rm', id, 'sh', '-c', 'cat /app/docs/keep.md; ls /app/docs; cat /named/config']),
    'kept\nkeep.md\n{"prod":true}\n',
  );
});

test('cache and config details: --chown is part of the step, EXPOSE of a variable with several ports, unknown flags, -q shows the log of a failure', async () => {
  const plain = context('chown1', { Dockerfile: 'FROM busybox\nCOPY a /a\n', a: 'x' });
  await env.ok(['build', plain]);
  fs.writeFileSync(path.join(plain, 'Dockerfile'), 'FROM busybox\nCOPY --chown=nobody a /a\n');
  const r = await env.ok(['build', '-t', 'chowned:1', plain]);
  assert.doesNotMatch(r, /Using cache/);
  assert.equal(await env.ok(['run', '--rm', 'chowned:1', 'stat', '-c', '%u:%g', '/a']), '65534:65534\n');
  const ports = context('ports', { Dockerfile: 'FROM busybox\nARG P="80 443"\nEXPOSE $P\n' });
  const pid = (await env.ok(['build', '-q', ports])).trim();
  assert.equal(
    (await env.ok(['image', 'inspect', '-f', '{{json .Config.ExposedPorts}}', pid])).trim(),
    '{"443/tcp":{},"80/tcp":{}}',
  );
  assert.match(
    (await env.run(['build', context('flags', { Dockerfile: 'FROM busybox\nCMD --verbose x\n' })])).stderr,
    /Unknown flag: verbose/,
  );
  const q = await env.run([
    'build',
    '-q',
    '--network',
    'none',
    context('qfail', { Dockerfile: 'FROM busybox\nRUN echo shown on failure; exit 2\n' }),
  ]);
  assert.equal(q.code, 2);
  assert.equal(q.stdout, '');
  assert.match(
    q.stderr,
    /Step 2\/2 : RUN echo shown on failure; exit 2\n ---> Running in [0-9a-f]{12}\nshown on failure\nThe command/,
  );
});

test('FROM scratch and ADD of a root filesystem: every path in it is kept (no init layer in build steps)', async () => {
  const dir = context('rootfs', { Dockerfile: 'FROM scratch\nADD rootfs.tar /\nCMD ["/bin/busybox", "ls", "/"]\n' });
  const src = fs.mkdtempSync(path.join(env.dir, 'rootfs-'));
  for (const d of ['bin', 'dev', 'proc', 'sys', 'etc']) fs.mkdirSync(path.join(src, d));
  fs.copyFileSync('/bin/busybox', path.join(src, 'bin', 'busybox'));
  fs.writeFileSync(path.join(src, 'etc', 'hostname'), 'image-own\n');
  execFileSync('tar', ['-C', src, '-cf', path.join(dir, 'rootfs.tar'), '.']);
  const id = (await env.ok(['build', '-q', dir])).trim();
  assert.match(
    await env.ok(['build', dir]),
    /Step 2\/3 : ADD rootfs.tar \/\n ---> Using cache\n/,
    'the step after FROM scratch is cached too',
  );
  const layer = (await env.ok(['image', 'inspect', '-f', '{{.GraphDriver.Data.UpperDir}}', id])).trim();
  for (const p of ['dev', 'proc', 'sys', 'etc/hostname'])
    assert.ok(fs.existsSync(path.join(layer, p)), `${p} is in the layer`);
  assert.equal(fs.readFileSync(path.join(layer, 'etc', 'hostname'), 'utf8'), 'image-own\n');
});

test("bad Dockerfiles and contexts get Docker's errors, and nothing is added to the store", async () => {
  const before = await imageIds();
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ Dockerfile: 'FROM busybox\nFOO bar\n' }, /^Error: dockerfile parse error line 2: unknown instruction: FOO\n$/],
    [{ Dockerfile: 'RUN echo no base\n' }, /^Error: no build stage in current context\n$/],
    [{ Dockerfile: '\n# only a comment\n' }, /^Error: the Dockerfile \(Dockerfile\) cannot be empty\n$/],
    [
      { Dockerfile: `FROM 127.0.0.1:${await freePort()}/nosuchimage\n` },
      /dial tcp 127\.0\.0\.1:\d+: connect: connection refused/,
    ],
    [
      { Dockerfile: 'FROM busybox\nCOPY ../outside /x\n' },
      /^Error: COPY failed: forbidden path outside the build context: \.\.\/outside \(\)\n$/,
    ],
    [
      { Dockerfile: 'FROM busybox\nCOPY missing /x\n' },
      /COPY failed: file not found in build context or excluded by \.dockerignore: stat missing: file does not exist/,
    ],
    [
      { Dockerfile: 'FROM busybox\nCOPY a b /x\n', a: '', b: '' },
      /When using COPY with more than one source file, the destination must be a directory and end with a \//,
    ],
    [
      { Dockerfile: 'FROM busybox\nCOPY --chown=nobody:nogroup a /a\n', a: '' },
      /can't find gid for group nogroup: no such group: nogroup/,
    ],
    [{ Dockerfile: 'FROM busybox\nCOPY *.none /x/\n' }, /COPY failed: no source files were specified/],
    [{ Dockerfile: 'FROM busybox\nRUN --mount=type=cache,target=/c true\n' }, /the --mount option requires BuildKit/],
    [{ Dockerfile: 'FROM busybox\nCOPY --chmod=600 a /a\n', a: '' }, /the --chmod option requires BuildKit/],
    [{ Dockerfile: 'FROM busybox\nADD http://127.0.0.1:9/x /x\n' }, /ADD failed: source can't be a URL/],
  ];
  for (const [i, [files, want]] of cases.entries()) {
    const r = await env.run(['build', context(`bad${i}`, files)]);
    assert.equal(r.code, 1, `case ${i}: ${r.stderr}`);
    assert.match(r.stderr, want, `case ${i}`);
  }
  assert.match(
    (await env.run(['build', path.join(env.dir, 'nowhere')])).stderr,
    /^unable to prepare context: path ".*nowhere" not found\n$/,
  );
  assert.match(
    (await env.run(['build', '-f', path.join(env.dir, 'nofile'), ctxDir])).stderr,
    /unable to evaluate symlinks in Dockerfile path: lstat .*nofile: no such file or directory/,
  );
  assert.deepEqual(await imageIds(), before);
});

test('hostile contexts: symlinks resolve inside the context, ADD never unpacks outside the image', async () => {
  const dir = context('hostile', { Dockerfile: 'FROM busybox\nCOPY passwd-link /copied\n' });
  fs.symlinkSync('/etc/passwd', path.join(dir, 'passwd-link'));
  const r = await env.run(['build', dir]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /file not found in build context/,
    "the link points at the context's own /etc/passwd, which is not there",
  );
  // a symlink inside a copied directory is copied as a symlink, not followed
  const linkDir = context('linkdir', { Dockerfile: 'FROM busybox\nCOPY d /d/\n', 'd/file': 'x' });
  fs.symlinkSync('/etc/shadow', path.join(linkDir, 'd', 'shadow'));
  const id = (await env.ok(['build', '-q', linkDir])).trim();
  assert.equal(await env.ok(['run', '--rm', id, 'readlink', '/d/shadow']), '/etc/shadow\n');
  // an archive for ADD whose entries climb out
  const evil = context('evil', { Dockerfile: 'FROM busybox\nADD evil.tar /unpacked/\n' });
  const name = `stowage-build-escape-${process.pid}`;
  const tarSrc = fs.mkdtempSync(path.join(env.dir, 'tarsrc-'));
  fs.writeFileSync(path.join(tarSrc, 'x'), 'escaped');
  execFileSync('tar', [
    '-C',
    tarSrc,
    '-cf',
    path.join(evil, 'evil.tar'),
    '--transform',
    `s|^x$|../../../../../../../../tmp/${name}|`,
    'x',
  ]);
  const before = await imageIds();
  const e = await env.run(['build', evil]);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /\.\.\//);
  assert.ok(!fs.existsSync(`/tmp/${name}`), 'nothing written outside');
  assert.deepEqual(await imageIds(), before);
  assert.equal(mountsUnderStore(), 0);
  // a well-formed compressed archive is unpacked
  const good = context('goodtar', { Dockerfile: 'FROM busybox\nADD files.tgz /opt/\n' });
  fs.mkdirSync(path.join(tarSrc, 'pkg'));
  fs.writeFileSync(path.join(tarSrc, 'pkg', 'bin'), 'tool');
  execFileSync('tar', ['-C', tarSrc, '-czf', path.join(good, 'files.tgz'), 'pkg']);
  const g = (await env.ok(['build', '-q', good])).trim();
  assert.equal(await env.ok(['run', '--rm', g, 'cat', '/opt/pkg/bin']), 'tool');
});
