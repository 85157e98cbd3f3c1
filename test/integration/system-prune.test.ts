// `system prune`: the container, network, (volume) and image prunes in turn, one total.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv } from '../helpers';

const env = new TestEnv();
before(async () => {
  await env.baseImage('busybox:latest');
});
after(() => env.cleanup());

test('system prune asks first, then removes stopped containers, unused networks, dangling images (and anonymous volumes with --volumes)', async () => {
  await env.ok(['run', '--name', 'done', '-v', '/anon', 'busybox', 'sh', '-c', 'echo x > /f']);
  const dangling = (await env.ok(['commit', 'done'])).trim();
  await env.ok(['network', 'create', 'unused']);
  await env.ok(['volume', 'create', 'named']);
  const keep = (await env.ok(['run', '-d', '--name', 'keep', '--network', 'none', 'busybox', 'sleep', '1000'])).trim();
  const done = (await env.ok(['inspect', '-f', '{{.Id}}', 'done'])).trim();
  const anon = (await env.ok(['inspect', '-f', '{{range .Mounts}}{{.Name}}{{end}}', 'done'])).trim();

  const no = await env.run(['system', 'prune'], { input: 'n\n' });
  assert.equal(no.code, 0);
  assert.equal(
    no.stdout,
    'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n\nAre you sure you want to continue? [y/N] ',
  );
  assert.match(await env.ok(['ps', '-aq', '--no-trunc']), new RegExp(done), 'answered no: nothing removed');

  const out = await env.ok(['system', 'prune', '-f', '--volumes']);
  assert.match(
    out,
    new RegExp(
      `^Deleted Containers:\\n${done}\\n\\nDeleted Networks:\\nunused\\n\\nDeleted Volumes:\\n${anon}\\n\\nDeleted Images:\\ndeleted: ${dangling}\\n(deleted: sha256:[0-9a-f]{64}\\n)+\\nTotal reclaimed space: \\d+(\\.\\d+)?k?B\\n$`,
    ),
  );
  assert.equal((await env.ok(['ps', '-aq', '--no-trunc'])).trim(), keep, 'the running container stays');
  assert.equal((await env.ok(['volume', 'ls', '-q'])).trim(), 'named', 'a named volume stays');
  assert.equal((await env.ok(['images', '--format', '{{.Repository}}'])).trim(), 'busybox');
  assert.equal(await env.ok(['system', 'prune', '-f']), 'Total reclaimed space: 0B\n', 'nothing left to prune');
  await env.ok(['rm', '-f', 'keep']);
});
