import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNormalized as parse } from '../reference';
import { findRegistry, parseRegistriesConf, prefixMatch, rewrite } from './registries-conf';
import { parseDaemonConfig } from './daemon-config';
import { originSource, pullSources } from './sources';

const CONF = `
unqualified-search-registries = ["docker.io"]

[[registry]]
prefix = "docker.io/library"
location = "registry.internal:5000/hub"
[[registry.mirror]]
location = "mirror-a.internal/hub"
insecure = true
[[registry.mirror]]
location = "mirror-b.internal/hub"
pull-from-mirror = "digest-only"

[[registry]]
location = "quay.example"
blocked = true

[[registry]]
prefix = "*.corp.example"
[[registry.mirror]]
location = "cache.corp.example:443"

[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
`;

test('registries.conf: [[registry]] tables with their mirrors', () => {
  const conf = parseRegistriesConf(CONF, 'registries.conf');
  assert.equal(conf.registries.length, 3);
  const hub = conf.registries[0];
  assert.deepEqual(hub, {
    prefix: 'docker.io/library',
    location: 'registry.internal:5000/hub',
    insecure: false,
    blocked: false,
    mirrorByDigestOnly: false,
    mirrors: [
      { location: 'mirror-a.internal/hub', insecure: true, pullFromMirror: 'all' },
      { location: 'mirror-b.internal/hub', insecure: false, pullFromMirror: 'digest-only' },
    ],
  });
  assert.equal(conf.registries[1].prefix, 'quay.example', 'the prefix defaults to the location');
});

test('prefixes match at path separators, the longest wins, wildcards match hosts', () => {
  assert.equal(prefixMatch('docker.io/library', 'docker.io/library/busybox'), 'docker.io/library'.length);
  assert.equal(prefixMatch('docker.io/lib', 'docker.io/library/busybox'), -1);
  assert.equal(prefixMatch('*.corp.example', 'reg.corp.example:5000/app'), '*.corp.example'.length);
  assert.equal(prefixMatch('*.corp.example', 'corp.example/app'), -1);
  const conf = parseRegistriesConf(
    `${CONF}\n[[registry]]\nprefix = "docker.io"\nlocation = "elsewhere.example"\n`,
    'r',
  );
  assert.equal(findRegistry(conf, 'docker.io/library/busybox')?.location, 'registry.internal:5000/hub');
  assert.equal(findRegistry(conf, 'docker.io/user/app')?.location, 'elsewhere.example');
  assert.equal(findRegistry(conf, 'ghcr.io/x'), undefined);
  const wild = findRegistry(conf, 'reg.corp.example/team/app')!;
  assert.equal(rewrite(wild, wild.mirrors[0].location, 'reg.corp.example/team/app'), 'cache.corp.example:443/team/app');
  assert.equal(rewrite(wild, wild.location, 'reg.corp.example/team/app'), 'reg.corp.example/team/app');
});

test('pull sources: registries.conf mirrors, then daemon.json mirrors for docker.io, then the rewritten origin', () => {
  const registries = parseRegistriesConf(CONF, 'r');
  const daemon = parseDaemonConfig(JSON.stringify({ 'registry-mirrors': ['http://127.0.0.1:5001'] }), 'd');
  const list = (name: string) =>
    pullSources(parse(name), { registries, daemon }).map(
      (s) =>
        `${s.mirror ? 'mirror ' : ''}${s.domain}/${s.path}${s.insecure ? ' (insecure)' : ''}${s.plainHttp ? ' (http)' : ''}`,
    );
  assert.deepEqual(list('busybox:1'), [
    'mirror mirror-a.internal/hub/busybox (insecure)',
    'registry.internal:5000/hub/busybox',
  ]);
  assert.deepEqual(list(`busybox@sha256:${'a'.repeat(64)}`), [
    'mirror mirror-a.internal/hub/busybox (insecure)',
    'mirror mirror-b.internal/hub/busybox',
    'registry.internal:5000/hub/busybox',
  ]);
  assert.deepEqual(list('user/app'), ['mirror 127.0.0.1:5001/user/app (http)', 'docker.io/user/app']);
  assert.deepEqual(list('127.0.0.1:5000/app'), ['127.0.0.1:5000/app']);
  assert.throws(
    () => pullSources(parse('quay.example/x/y'), { registries, daemon }),
    /registry quay\.example is blocked in registries\.conf/,
  );
  // pushes go to the location, never to a mirror
  assert.equal(originSource(parse('busybox'), { registries }).domain, 'registry.internal:5000');
});

test('registries.conf v1 tables, and mistakes named with their file', () => {
  const v1 = parseRegistriesConf(
    '[registries.insecure]\nregistries = ["lab.example:5000"]\n[registries.block]\nregistries = ["bad.example"]\n',
    'v1.conf',
  );
  assert.deepEqual(
    v1.registries.map((r) => [r.prefix, r.insecure, r.blocked]),
    [
      ['lab.example:5000', true, false],
      ['bad.example', false, true],
    ],
  );
  assert.throws(() => parseRegistriesConf('[[registry]\n', 'bad.conf'), /bad\.conf is not valid TOML/);
  assert.throws(
    () => parseRegistriesConf('[[registry]]\ninsecure = true\n', 'x.conf'),
    /x\.conf: \[\[registry\]\] 1: a \[\[registry\]\] needs a location or a prefix/,
  );
  assert.throws(
    () => parseRegistriesConf('[[registry]]\nlocation = "https://x"\n', 'x.conf'),
    /a location has no scheme/,
  );
  assert.throws(
    () => parseRegistriesConf('[[registry]]\nprefix = "*.x.example"\nlocation = "y"\n', 'x.conf'),
    /a wildcard prefix \(\*\.x\.example\) takes no location/,
  );
  assert.throws(
    () =>
      parseRegistriesConf(
        '[[registry]]\nlocation = "a"\n[[registry.mirror]]\nlocation = "m"\npull-from-mirror = "sometimes"\n',
        'x.conf',
      ),
    /pull-from-mirror must be all, digest-only or tag-only, not sometimes/,
  );
  assert.throws(
    () => parseRegistriesConf('[[registry]]\nlocation = "a"\n[registries.insecure]\nregistries = []\n', 'mixed.conf'),
    /mixes the v1/,
  );
});
