import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  authConfigFromJson,
  convertToHostname,
  credentialKey,
  decodeRegistryAuthHeader,
  decodeRegistryConfigHeader,
  eraseCredentials,
  getCredentials,
  INDEX_SERVER,
  storeCredentials,
} from './credentials';

test('server addresses and keys as the docker CLI writes them', () => {
  assert.equal(convertToHostname('https://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
  assert.equal(convertToHostname('registry.example/path'), 'registry.example');
  assert.equal(credentialKey('docker.io'), INDEX_SERVER);
  assert.equal(credentialKey('127.0.0.1:5000'), '127.0.0.1:5000');
});

test('X-Registry-Auth and X-Registry-Config decoded (base64url JSON, any key case, auth split)', () => {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  assert.deepEqual(decodeRegistryAuthHeader(enc({ username: 'alice', password: 'pw', serveraddress: 'reg:5000' })), {
    username: 'alice',
    password: 'pw',
    auth: undefined,
    email: undefined,
    serveraddress: 'reg:5000',
    identitytoken: undefined,
    registrytoken: undefined,
  });
  assert.equal(decodeRegistryAuthHeader(enc({ Auth: Buffer.from('bob:x').toString('base64') }))?.username, 'bob');
  assert.equal(decodeRegistryAuthHeader(enc({})), undefined);
  assert.equal(decodeRegistryAuthHeader(undefined), undefined);
  assert.throws(() => decodeRegistryAuthHeader('%%%'), /invalid X-Registry-Auth header/);
  const byDomain = decodeRegistryConfigHeader(
    enc({ 'https://index.docker.io/v1/': { username: 'hub' }, 'reg:5000': { username: 'r', password: 'p' } }),
  );
  assert.equal(byDomain('docker.io')?.username, 'hub');
  assert.equal(byDomain('reg:5000')?.password, 'p');
  assert.equal(byDomain('other'), undefined);
  assert.equal(authConfigFromJson({ IdentityToken: 'tok' })?.identitytoken, 'tok');
});

test('config.json: stored, read back, erased; other keys kept', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-creds-'));
  const saved = process.env.DOCKER_CONFIG;
  process.env.DOCKER_CONFIG = dir;
  try {
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({
        detachKeys: 'ctrl-x',
        auths: { 'https://reg.example:5000': { auth: Buffer.from('old:pw').toString('base64') } },
      }),
    );
    assert.equal(getCredentials('reg.example:5000').username, 'old', 'a key written as a URL is found by its host');
    assert.deepEqual(storeCredentials({ serveraddress: 'reg:5000', username: 'alice', password: 'pw' }), {
      plainFile: path.join(dir, 'config.json'),
    });
    assert.deepEqual(getCredentials('reg:5000'), {
      serveraddress: 'reg:5000',
      email: undefined,
      identitytoken: undefined,
      registrytoken: undefined,
      username: 'alice',
      password: 'pw',
    });
    storeCredentials({ serveraddress: 'tok:5000', username: 'bob', identitytoken: 'refresh' });
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    assert.equal(json.detachKeys, 'ctrl-x');
    assert.deepEqual(json.auths['tok:5000'], {
      auth: Buffer.from('bob:').toString('base64'),
      identitytoken: 'refresh',
    });
    assert.equal(getCredentials('tok:5000').identitytoken, 'refresh');
    assert.equal(eraseCredentials('reg:5000'), true);
    assert.equal(eraseCredentials('reg:5000'), false);
    assert.deepEqual(getCredentials('nothing'), { serveraddress: 'nothing' });
    fs.writeFileSync(path.join(dir, 'config.json'), '{not json');
    assert.throws(() => getCredentials('x'), /loading config file: .*config\.json/);
  } finally {
    if (saved === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
