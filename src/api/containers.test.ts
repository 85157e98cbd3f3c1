import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest } from './containers';

test('createRequest: the HostConfig and NetworkingConfig fields compose and docker-py send', () => {
  const { opts, volumes } = createRequest(
    {
      Image: 'busybox',
      Cmd: ['sleep', '1'],
      Labels: { 'com.docker.compose.project': 'p' },
      Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 1e9 },
      HostConfig: {
        NetworkMode: 'p_default',
        ContainerIDFile: '',
        LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } },
        VolumesFrom: ['data:ro'],
        GroupAdd: ['audio'],
        IpcMode: 'shareable',
        PidMode: 'host',
        UTSMode: 'host',
        UsernsMode: '',
        CpuShares: 512,
        CpusetCpus: '0',
        MemoryReservation: 10485760,
        OomKillDisable: true,
        OomScoreAdj: 10,
        Devices: [{ PathOnHost: '/dev/fuse', PathInContainer: '', CgroupPermissions: '' }],
        Sysctls: { 'net.ipv4.ip_forward': '1' },
        Links: ['db:database'],
        Mounts: [{ Type: 'volume', Source: 'vol', Target: '/v', VolumeOptions: { NoCopy: true, Labels: { a: 'b' } } }],
      },
      NetworkingConfig: {
        EndpointsConfig: {
          p_default: { Aliases: ['web'], IPAMConfig: { IPv4Address: '10.5.0.9' }, Links: ['db:database'] },
        },
      },
    },
    'p_web_1',
    'runc',
  );
  assert.deepEqual(
    [
      opts.logDriver,
      opts.logOpts,
      opts.volumesFrom,
      opts.groupAdd,
      opts.ipcMode,
      opts.pidMode,
      opts.utsMode,
      opts.cpuShares,
      opts.cpusetCpus,
      opts.memoryReservation,
      opts.oomKillDisable,
      opts.oomScoreAdj,
      opts.sysctls,
    ],
    [
      'json-file',
      { 'max-size': '1m', 'max-file': '2' },
      ['data:ro'],
      ['audio'],
      'shareable',
      'host',
      'host',
      512,
      '0',
      10485760,
      true,
      10,
      { 'net.ipv4.ip_forward': '1' },
    ],
  );
  assert.deepEqual(opts.devices, [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }]);
  assert.deepEqual(opts.links, [], 'HostConfig.Links are legacy links of the default bridge only');
  assert.deepEqual(opts.endpoint, { aliases: ['web'], ipv4Address: '10.5.0.9', links: ['db:database'] });
  assert.deepEqual(opts.healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 1e9 });
  assert.deepEqual([volumes[0].Name, volumes[0].NoCopy, volumes[0].VolumeLabels], ['vol', true, { a: 'b' }]);

  const bridge = createRequest({ Image: 'busybox', HostConfig: { Links: ['db:database'] } }, undefined, 'runc').opts;
  assert.deepEqual([bridge.networkMode, bridge.links], ['default', ['db:database']]);
  const other = createRequest(
    {
      Image: 'busybox',
      HostConfig: { NetworkMode: 'a' },
      NetworkingConfig: { EndpointsConfig: { b: { Aliases: ['x'] } } },
    },
    undefined,
    'runc',
  ).opts;
  assert.deepEqual(
    [other.endpoint, other.extraNetworks],
    [undefined, { b: { aliases: ['x'], ipv4Address: undefined, links: [] } }],
  );
});

test("createRequest: Docker's refusals of a networking config", () => {
  assert.throws(
    () =>
      createRequest({ Image: 'busybox', NetworkingConfig: { EndpointsConfig: { a: {}, b: {} } } }, undefined, 'runc'),
    {
      message: 'Container cannot be connected to network endpoints: a, b',
    },
  );
  assert.throws(
    () =>
      createRequest(
        { Image: 'busybox', NetworkingConfig: { EndpointsConfig: { bridge: { IPAMConfig: { IPv4Address: 'x' } } } } },
        undefined,
        'runc',
      ),
    {
      message: 'invalid IPv4 address: x',
    },
  );
});
