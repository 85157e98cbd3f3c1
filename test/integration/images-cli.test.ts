// images, tag, rmi, image prune, history, inspect and references, as Docker
// words and formats them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestEnv } from '../helpers';
import { buildTar } from '../tar-builder';

const env = new TestEnv();
let tiny: string;
after(() => env.cleanup());
before(async () => {
  const f = path.join(env.dir, 'tiny.tar');
  fs.writeFileSync(f, buildTar([{ name: 'hello', data: 'hi\n' }]));
  tiny = (await env.ok(['import', '-m', 'tiny one', '-c', 'LABEL tier=web', f, 'tiny:1'])).trim();
});

test('images: columns, -q, --no-trunc, --digests, json, filters', async () => {
  const out = await env.ok(['images']);
  assert.match(out, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\n/);
  assert.match(
    out,
    new RegExp(`\\ntiny\\s+1\\s+${tiny.slice(7, 19)}\\s+(Less than a second|\\d+ seconds?) ago\\s+3B\\n`),
  );
  assert.equal((await env.ok(['images', '-q'])).trim(), tiny.slice(7, 19));
  assert.equal((await env.ok(['images', '-q', '--no-trunc'])).trim(), tiny);
  assert.match(await env.ok(['images', '--digests']), /^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID/);
  const json = JSON.parse((await env.ok(['images', '--format', 'json'])).trim());
  assert.deepEqual(Object.keys(json), [...Object.keys(json)].sort());
  assert.equal(json.Repository, 'tiny');
  assert.equal(json.Size, '3B');
  assert.equal(
    (await env.ok(['images', '--filter', 'reference=ti*', '--format', '{{.Repository}}:{{.Tag}}'])).trim(),
    'tiny:1',
  );
  assert.equal((await env.ok(['images', '--filter', 'reference=nothing*', '-q'])).trim(), '');
  assert.equal((await env.ok(['images', '--filter', 'label=tier=web', '-q'])).trim(), tiny.slice(7, 19));
  assert.equal((await env.ok(['images', 'tiny:1', '-q'])).trim(), tiny.slice(7, 19));
  const bad = await env.run(['images', '--filter', 'nope=1']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, "Error: Invalid filter 'nope'\n", "the daemon's words");
});

test('tag and rmi: untag versus delete, several tags, prefixes, Docker wording', async () => {
  await env.ok(['tag', 'tiny:1', 'tiny:2']);
  await env.ok(['tag', tiny.slice(7, 13), 'localhost:5000/team/tiny:v1']);
  assert.match(await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']), /localhost:5000\/team\/tiny:v1/);
  const multi = await env.run(['rmi', tiny.slice(7, 19)]);
  assert.equal(multi.code, 1);
  assert.equal(
    multi.stderr,
    `Error: conflict: unable to delete ${tiny.slice(7, 19)} (must be forced) - image is referenced in multiple repositories\n`,
  );
  assert.equal(await env.ok(['rmi', 'tiny:2']), 'Untagged: tiny:2\n');
  assert.equal(await env.ok(['rmi', 'localhost:5000/team/tiny:v1']), 'Untagged: localhost:5000/team/tiny:v1\n');
  const missing = await env.run(['rmi', 'nope:1', 'tiny:nothere']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Error: No such image: nope:1\nError: No such image: tiny:nothere\n');
  assert.equal((await env.run(['rmi', '-f', 'nope:1'])).code, 0, 'rmi -f of a missing image exits 0, as Docker');
  const badTag = await env.run(['tag', 'tiny:1', 'Bad:Tag']);
  assert.equal(badTag.code, 1);
  assert.equal(
    badTag.stderr,
    'Error parsing reference: "Bad:Tag" is not a valid repository/tag: invalid reference format: repository name (library/Bad) must be lowercase\n',
  );
  const badImport = await env.run(['import', '-', 'UPPER'], { input: Buffer.alloc(1024) });
  assert.deepEqual(
    [badImport.code, badImport.stderr],
    [1, 'invalid reference format: repository name (library/UPPER) must be lowercase\n'],
    'checked by the CLI, before reading',
  );
  const unknown = await env.run(['save', 'nonexist']);
  assert.deepEqual(
    [unknown.code, unknown.stderr],
    [1, 'Error: No such image: nonexist\n'],
    'named as given, as Docker',
  );
  const missingFile = await env.run(['load', '-i', '/nonexistent.tar']);
  assert.deepEqual([missingFile.code, missingFile.stderr], [1, 'open /nonexistent.tar: no such file or directory\n']);
  const hex = await env.run(['tag', 'tiny:1', 'a'.repeat(64)]);
  assert.match(hex.stderr, /cannot specify 64-byte hexadecimal strings/);
  // history and inspect of the imported image
  assert.equal(
    (await env.ok(['history', '--format', '{{.ID}}|{{.Size}}|{{.Comment}}', 'tiny:1'])).trim(),
    `${tiny.slice(7, 19)}|3B|tiny one`,
  );
  // -H=false: exact sizes and RFC 3339 times to the second, under CREATED AT
  assert.match(
    await env.ok(['history', '-H=false', 'tiny:1']),
    new RegExp(
      `^IMAGE +CREATED AT +CREATED BY +SIZE +COMMENT\n${tiny.slice(7, 19)} +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ +3 +tiny one\n$`,
    ),
  );
  assert.equal((await env.ok(['history', '-q', '--no-trunc', 'tiny:1'])).trim(), tiny);
  assert.equal(
    (await env.ok(['inspect', '-f', '{{.Config.Labels.tier}} {{.Comment}} {{.Os}}', 'tiny:1'])).trim(),
    'web tiny one linux',
  );
  const nothing = await env.run(['inspect', 'nothing-here']);
  assert.equal(nothing.code, 1);
  assert.equal(nothing.stdout, '[]\n');
  assert.equal(nothing.stderr, 'Error: No such object: nothing-here\n');
  assert.match(
    await env.ok(['rmi', 'tiny:1']),
    new RegExp(`^Untagged: tiny:1\\nDeleted: ${tiny}\\nDeleted: sha256:[0-9a-f]{64}\\n$`),
  );
});

test('an ambiguous ID prefix finds nothing, a unique one finds the image', async () => {
  const ids: string[] = [];
  for (let i = 0; ids.length < 2 || ids[0][7] !== ids[1][7]; i++) {
    const f = path.join(env.dir, `p${i}.tar`);
    fs.writeFileSync(f, buildTar([{ name: `f${i}`, data: String(i) }]));
    const id = (await env.ok(['import', f])).trim();
    const same = ids.find((x) => x[7] === id[7]);
    if (same) ids.splice(0, ids.length, same, id);
    else ids.push(id);
    if (i > 200) throw new Error('no two IDs with the same first digit');
  }
  const r = await env.run(['image', 'inspect', ids[0][7]]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`No such image: ${ids[0][7]}:latest`));
  assert.equal((await env.ok(['image', 'inspect', '-f', '{{.Id}}', ids[0].slice(7, 17)])).trim(), ids[0]);
  assert.equal((await env.ok(['image', 'inspect', '-f', '{{.Id}}', `sha256:${ids[1].slice(7, 17)}`])).trim(), ids[1]);
});

test('image prune removes dangling images; -a all unused ones', async () => {
  const f = path.join(env.dir, 'd.tar');
  fs.writeFileSync(f, buildTar([{ name: 'dangling', data: 'd' }]));
  const dangling = (await env.ok(['import', f])).trim();
  await env.ok(['import', f, 'keep:1']);
  const out = await env.ok(['image', 'prune', '-f']);
  assert.match(out, new RegExp(`^Deleted Images:\\n(deleted: sha256:[0-9a-f]{64}\\n)*deleted: ${dangling}\\n`));
  assert.match(out, /\nTotal reclaimed space: \S+B\n$/);
  assert.equal((await env.ok(['images', '-q', '--filter', 'dangling=true'])).trim(), '');
  assert.match(await env.ok(['image', 'prune', '-a', '-f']), /untagged: keep:1/);
  assert.equal((await env.ok(['images', '-aq'])).trim(), '');
  assert.equal(await env.ok(['image', 'prune', '-f']), 'Total reclaimed space: 0B\n');
  const declined = await env.run(['image', 'prune'], { input: 'n\n' });
  assert.equal(
    declined.stdout,
    'WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ',
  );
});

test('system df counts shared layers once', async () => {
  const out = await env.ok(['system', 'df']);
  assert.match(out, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+\d+\s+\d+\s+\S+\s+\S+/);
  assert.match(out, /\nContainers\s+0\s+0\s+0B\s+0B\n/);
  assert.match(out, /\nBuild Cache\s+0\s+0\s+0B\s+0B\n$/);
});
