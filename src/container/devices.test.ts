import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDevice, resolveDevices } from './devices';
import { checkCpuset, parseCpuList } from './cpuset';
import { checkModes, validIpcMode } from './namespace-modes';

test('--device as the docker CLI parses it', () => {
  assert.deepEqual(parseDevice('/dev/fuse'), {
    PathOnHost: '/dev/fuse',
    PathInContainer: '/dev/fuse',
    CgroupPermissions: 'rwm',
  });
  assert.deepEqual(parseDevice('/dev/null:/dev/n'), {
    PathOnHost: '/dev/null',
    PathInContainer: '/dev/n',
    CgroupPermissions: 'rwm',
  });
  assert.deepEqual(parseDevice('/dev/null:r'), {
    PathOnHost: '/dev/null',
    PathInContainer: '/dev/null',
    CgroupPermissions: 'r',
  });
  assert.deepEqual(parseDevice('/dev/null:/dev/n:rw'), {
    PathOnHost: '/dev/null',
    PathInContainer: '/dev/n',
    CgroupPermissions: 'rw',
  });
  assert.throws(() => parseDevice('/dev/null:rel'), { message: 'rel is not an absolute path' });
  assert.throws(() => parseDevice('/dev/null:/x:rr'), { message: 'bad mode specified: rr' });
  assert.throws(() => parseDevice('a:b:c:d'), { message: 'bad format for path: a:b:c:d' });
});

test("a device node's OCI entry and rule; what is no device fails as Docker says", () => {
  const { devices, rules } = resolveDevices([
    { PathOnHost: '/dev/null', PathInContainer: '/dev/mynull', CgroupPermissions: 'r' },
  ]);
  assert.deepEqual([devices[0].path, devices[0].type, devices[0].major, devices[0].minor], ['/dev/mynull', 'c', 1, 3]);
  assert.deepEqual(rules, [{ allow: true, type: 'c', major: 1, minor: 3, access: 'r' }]);
  assert.throws(
    () => resolveDevices([{ PathOnHost: '/dev/nope', PathInContainer: '/dev/nope', CgroupPermissions: 'rwm' }]),
    {
      message: 'error gathering device information while adding custom device "/dev/nope": no such file or directory',
    },
  );
  assert.throws(
    () => resolveDevices([{ PathOnHost: '/etc/hostname', PathInContainer: '/x', CgroupPermissions: 'rwm' }]),
    /not a device node/,
  );
});

test('cpuset lists and namespace modes', () => {
  assert.deepEqual([...parseCpuList('0-2,5')], [0, 1, 2, 5]);
  assert.throws(() => parseCpuList('2-1'), { message: 'invalid format: 2-1' });
  assert.throws(() => checkCpuset('4', '0-1'), {
    message: 'Requested CPUs are not available - requested 4, available: 0-1',
  });
  assert.throws(() => checkCpuset('a', '0-1'), { message: 'Invalid value a for cpuset cpus: invalid format: a' });
  checkCpuset('0,1', '0-1');
  assert.ok(validIpcMode('container:x') && validIpcMode('shareable') && !validIpcMode('bogus'));
  assert.throws(() => checkModes({ pid: 'container:', uts: '', userns: '' }), { message: '--pid: invalid PID mode' });
  assert.throws(() => checkModes({ pid: '', uts: 'private', userns: '' }), { message: '--uts: invalid UTS mode' });
  assert.throws(() => checkModes({ pid: '', uts: '', userns: 'remap' }), { message: '--userns: invalid USER mode' });
});
