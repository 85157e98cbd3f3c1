import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DaemonRegistryConfig } from '../registry/daemon-config';
import { parseRegistriesConf } from '../registry/registries-conf';
import { pullSources } from '../registry/sources';
import { parseNormalized } from '../reference';
import { registryAuth, withCriMirrors } from './image-pull';

const NO_DAEMON: DaemonRegistryConfig = { mirrors: [], insecureCidrs: [], insecureHosts: new Set() };

const where = (conf: ReturnType<typeof withCriMirrors>, image: string) =>
  pullSources(parseNormalized(image), { registries: conf, daemon: NO_DAEMON }).map((s) => `${s.domain}/${s.path}`);

test("the CRI configuration's mirrors come before registries.conf's, then the registry", () => {
  const conf = parseRegistriesConf(
    [
      '[[registry]]',
      'prefix = "gcr.io"',
      'location = "gcr.io"',
      '[[registry.mirror]]',
      'location = "conf-mirror:5000"',
    ].join('\n'),
    'registries.conf',
  );
  const merged = withCriMirrors(conf, { 'gcr.io': ['cri-mirror:5000/gcr'], 'registry.k8s.io': ['127.0.0.1:5000'] });
  assert.deepEqual(where(merged, 'gcr.io/a/b:1'), ['cri-mirror:5000/gcr/a/b', 'conf-mirror:5000/a/b', 'gcr.io/a/b']);
  assert.deepEqual(where(merged, 'registry.k8s.io/pause:3.9'), ['127.0.0.1:5000/pause', 'registry.k8s.io/pause']);
  assert.deepEqual(where(merged, 'quay.io/x/y'), ['quay.io/x/y'], 'other registries are left alone');
  assert.equal(conf.registries[0].mirrors.length, 1, "the file's settings are not changed");
});

test("the kubelet's credentials in the registry client's shape; none sent is none (config.json's apply)", () => {
  const empty = { username: '', password: '', auth: '', server_address: '', identity_token: '', registry_token: '' };
  assert.equal(registryAuth(undefined), undefined);
  assert.equal(registryAuth(null), undefined);
  assert.equal(registryAuth(empty), undefined);
  assert.deepEqual(registryAuth({ ...empty, username: 'alice', password: 'secret', server_address: 'r.example' }), {
    username: 'alice',
    password: 'secret',
    auth: undefined,
    serveraddress: 'r.example',
    identitytoken: undefined,
    registrytoken: undefined,
  });
  assert.equal(registryAuth({ ...empty, identity_token: 'tok' })?.identitytoken, 'tok');
});
