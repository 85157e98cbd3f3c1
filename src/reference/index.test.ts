import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familiarString, fullString, parseNormalized, withDefaultTag, parseTagTarget } from './index';

test('short names normalize to docker.io/library', () => {
  const r = withDefaultTag(parseNormalized('busybox'));
  assert.equal(fullString(r), 'docker.io/library/busybox:latest');
  assert.equal(familiarString(r), 'busybox:latest');
});

test('user repositories and registries with ports', () => {
  assert.equal(fullString(parseNormalized('user/app:v1')), 'docker.io/user/app:v1');
  const r = parseNormalized('localhost:5000/a/b:tag');
  assert.equal(r.domain, 'localhost:5000');
  assert.equal(r.path, 'a/b');
  assert.equal(r.tag, 'tag');
  assert.equal(familiarString(r), 'localhost:5000/a/b:tag');
  assert.equal(parseNormalized('localhost/app').domain, 'localhost');
  assert.equal(fullString(parseNormalized('index.docker.io/library/alpine:3')), 'docker.io/library/alpine:3');
  assert.equal(familiarString(parseNormalized('docker.io/library/alpine')), 'alpine');
});

test('digest references', () => {
  const d = 'sha256:' + 'a'.repeat(64);
  const r = parseNormalized(`busybox@${d}`);
  assert.equal(r.digest, d);
  assert.equal(r.tag, undefined);
  assert.equal(fullString(r), `docker.io/library/busybox@${d}`);
  assert.throws(() => parseTagTarget(`busybox@${d}`), /digest/);
});

test('invalid references are refused with Docker wording', () => {
  assert.throws(() => parseNormalized('Busybox'), /repository name must be lowercase/);
  assert.throws(() => parseNormalized('a'.repeat(64)), /cannot specify 64-byte hexadecimal strings/);
  assert.throws(() => parseNormalized('foo:'), /invalid reference format/);
  assert.throws(() => parseNormalized('-foo'), /invalid reference format/);
  assert.throws(() => parseNormalized(''), /invalid reference format/);
  assert.throws(() => parseNormalized('foo bar'), /invalid reference format/);
  assert.throws(() => parseNormalized('a/' + 'b'.repeat(260)), /not be more than 255/);
  // An uppercase registry host is a valid domain.
  assert.equal(parseNormalized('Example.com/app').domain, 'Example.com');
});
