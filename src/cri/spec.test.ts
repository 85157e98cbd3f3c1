import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { imageUser } from './images';
import { portMap } from './pod-network';
import { resolvConf } from './sandbox-files';
import { bindMount, linuxResources, processArgs, seccompOpt, userString } from './spec';
import type { LinuxContainerResources } from './types';

test('argv: command replaces the entrypoint and the image Cmd; args replace Cmd', () => {
  const image = { Entrypoint: ['/ep'], Cmd: ['c1'] };
  assert.deepEqual(processArgs({ command: [], args: [] }, image), ['/ep', 'c1']);
  assert.deepEqual(processArgs({ command: [], args: ['a'] }, image), ['/ep', 'a']);
  assert.deepEqual(processArgs({ command: ['top'], args: [] }, image), ['top']);
  assert.deepEqual(processArgs({ command: ['sh', '-c'], args: ['x'] }, image), ['sh', '-c', 'x']);
  assert.deepEqual(processArgs({ command: [], args: [] }, { Entrypoint: [''], Cmd: ['c'] }), ['c']);
  assert.throws(() => processArgs({ command: [], args: [] }, {}), /no command specified/);
});

test('user strings as containerd makes them', () => {
  const v = (n: number) => ({ value: String(n) });
  assert.equal(userString(null), '');
  assert.equal(userString({ run_as_user: v(1001), run_as_group: null, run_as_username: '' }), '1001');
  assert.equal(userString({ run_as_user: v(1001), run_as_group: v(1002), run_as_username: '' }), '1001:1002');
  assert.equal(userString({ run_as_user: null, run_as_group: null, run_as_username: 'nobody' }), 'nobody');
  assert.equal(userString({ run_as_user: v(0), run_as_group: null, run_as_username: '' }), '0');
  assert.throws(
    () => userString({ run_as_user: null, run_as_group: v(1002), run_as_username: '' }),
    /user group "1002" is specified without user/,
  );
});

test('seccomp: none named is unconfined, runtime/default the default filter, localhost/ a file', () => {
  assert.deepEqual(seccompOpt(null, ''), ['seccomp=unconfined']);
  assert.deepEqual(seccompOpt(null, 'unconfined'), ['seccomp=unconfined']);
  assert.deepEqual(seccompOpt(null, 'runtime/default'), []);
  assert.deepEqual(seccompOpt(null, 'docker/default'), []);
  assert.deepEqual(seccompOpt({ profile_type: 'RuntimeDefault', localhost_ref: '' }, 'unconfined'), []);
  assert.deepEqual(seccompOpt({ profile_type: 'Unconfined', localhost_ref: '' }, ''), ['seccomp=unconfined']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-'));
  try {
    fs.writeFileSync(path.join(dir, 'p.json'), '{"defaultAction":"SCMP_ACT_ALLOW"}');
    assert.deepEqual(seccompOpt(null, `localhost/${dir}/p.json`), ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}']);
    assert.deepEqual(seccompOpt({ profile_type: 'Localhost', localhost_ref: `${dir}/p.json` }, ''), [
      'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}',
    ]);
    assert.throws(() => seccompOpt(null, `${dir}/p.json`), /unknown seccomp profile option/);
    assert.throws(() => seccompOpt(null, `localhost/${dir}/missing.json`), /cannot load seccomp profile/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bind mounts: propagation, read-only, a missing source made, a link followed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bind-'));
  try {
    fs.mkdirSync(path.join(dir, 'real'));
    fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'link'));
    const m = (
      host_path: string,
      propagation: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL',
      readonly = false,
    ) => bindMount({ container_path: '/data', host_path, readonly, selinux_relabel: false, propagation });
    assert.deepEqual(m(path.join(dir, 'link'), 'PROPAGATION_PRIVATE'), {
      mount: {
        destination: '/data',
        type: 'bind',
        source: path.join(dir, 'real'),
        options: ['rbind', 'rprivate', 'rw'],
      },
      rootPropagation: undefined,
    });
    assert.deepEqual(m(path.join(dir, 'real'), 'PROPAGATION_HOST_TO_CONTAINER', true).mount.options, [
      'rbind',
      'rslave',
      'ro',
    ]);
    assert.equal(m(path.join(dir, 'real'), 'PROPAGATION_BIDIRECTIONAL').rootPropagation, 'rshared');
    m(path.join(dir, 'new', 'sub'), 'PROPAGATION_PRIVATE');
    assert.ok(fs.statSync(path.join(dir, 'new', 'sub')).isDirectory());
    assert.throws(
      () =>
        bindMount({
          container_path: 'rel',
          host_path: dir,
          readonly: false,
          selinux_relabel: false,
          propagation: 'PROPAGATION_PRIVATE',
        }),
      /not an absolute path/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('resources: only what is set, as cgroup v1 knows them', () => {
  const r: LinuxContainerResources = {
    cpu_period: '100000',
    cpu_quota: '50000',
    cpu_shares: '512',
    memory_limit_in_bytes: '67108864',
    oom_score_adj: '0',
    cpuset_cpus: '0',
    cpuset_mems: '',
    hugepage_limits: [],
    unified: {},
    memory_swap_limit_in_bytes: '0',
  };
  assert.deepEqual(linuxResources(r), {
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0' },
    memory: { limit: 67108864 },
  });
  assert.deepEqual(linuxResources(null), {});
});

test('image users as the CRI reports them', () => {
  assert.deepEqual(imageUser(''), { uid: null, username: '' });
  assert.deepEqual(imageUser('1002'), { uid: { value: '1002' }, username: '' });
  assert.deepEqual(imageUser('1003:1004'), { uid: { value: '1003' }, username: '' });
  assert.deepEqual(imageUser('www-data'), { uid: null, username: 'www-data' });
  assert.deepEqual(imageUser('www-data:1004'), { uid: null, username: 'www-data' });
});

test('port mappings: only those with a host port, by protocol', () => {
  assert.deepEqual(
    portMap([
      { protocol: 'TCP', container_port: 80, host_port: 0, host_ip: '' },
      { protocol: 'TCP', container_port: 80, host_port: 12000, host_ip: '' },
      { protocol: 'UDP', container_port: 53, host_port: 5353, host_ip: '127.0.0.1' },
    ]),
    { '80/tcp': [{ HostIp: '', HostPort: '12000' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }] },
  );
});

test("resolv.conf from a DNS config, in containerd's order", () => {
  assert.equal(resolvConf(null), undefined);
  assert.equal(resolvConf({ servers: [], searches: [], options: [] }), undefined);
  assert.equal(
    resolvConf({ servers: ['10.10.10.10', '10.0.0.2'], searches: ['google.com', 'x'], options: ['ndots:8'] }),
    'search google.com x\nnameserver 10.10.10.10\nnameserver 10.0.0.2\noptions ndots:8\n',
  );
});
