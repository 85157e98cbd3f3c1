import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlatform, parsePlatform, platformMatches } from './platform';

test('--platform values normalized as containerd does', () => {
  assert.equal(formatPlatform(parsePlatform('linux/amd64')), 'linux/amd64');
  assert.equal(formatPlatform(parsePlatform('linux/x86_64')), 'linux/amd64');
  assert.equal(formatPlatform(parsePlatform('linux/arm64')), 'linux/arm64/v8');
  assert.equal(formatPlatform(parsePlatform('linux/aarch64')), 'linux/arm64/v8');
  assert.equal(formatPlatform(parsePlatform('linux/arm')), 'linux/arm/v7');
  assert.equal(formatPlatform(parsePlatform('linux/arm/6')), 'linux/arm/v6');
  assert.equal(formatPlatform(parsePlatform('arm64')), 'linux/arm64/v8');
  assert.throws(
    () => parsePlatform('linux//amd64'),
    /"linux\/\/amd64": unknown operating system or architecture: invalid argument/,
  );
  assert.throws(() => parsePlatform(''), /unknown operating system or architecture/);
});

test('an index entry serves a platform: os and arch equal, a variant when both name one', () => {
  assert.ok(platformMatches(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' }));
  assert.ok(!platformMatches(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'arm64' }));
  assert.ok(!platformMatches(parsePlatform('linux/amd64'), { os: 'windows', architecture: 'amd64' }));
  assert.ok(platformMatches(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' }));
  assert.ok(platformMatches(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm' }));
  assert.ok(!platformMatches(parsePlatform('linux/arm/v6'), { os: 'linux', architecture: 'arm', variant: 'v7' }));
  assert.ok(!platformMatches(parsePlatform('linux/amd64'), undefined));
});
