import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultCriConfig, parseCriConfig, socketPath } from './config';

const base = defaultCriConfig('/run/stowage');

test('defaults: the socket under the run root, the host pause binary, the pods network', () => {
  assert.equal(base.socket, '/run/stowage/cri.sock');
  assert.equal(base.sandboxImage, '');
  assert.deepEqual(base.pauseCommand, ['/usr/bin/catatonit', '-P']);
  assert.equal(base.cni.network, 'stowage-cri');
  assert.deepEqual(base.mirrors, {});
});

test('a TOML file sets what it names and keeps the rest', () => {
  const cfg = parseCriConfig(
    [
      'socket = "unix:///tmp/x/cri.sock"',
      'sandbox_image = "127.0.0.1:5000/pause:catatonit"',
      '[cni]',
      'bin_dirs = ["/opt/cni/bin", "/usr/lib/cni"]',
      '[registry.mirrors]',
      '"registry.k8s.io" = ["127.0.0.1:5000/"]',
      '"gcr.io" = ["127.0.0.1:5000", "mirror.example:5000/gcr"]',
      '[streaming]',
      'port = 10010',
    ].join('\n'),
    '/etc/stowage/cri.toml',
    base,
  );
  assert.equal(cfg.socket, '/tmp/x/cri.sock');
  assert.equal(cfg.sandboxImage, '127.0.0.1:5000/pause:catatonit');
  assert.deepEqual(cfg.cni.binDirs, ['/opt/cni/bin', '/usr/lib/cni']);
  assert.equal(cfg.cni.network, 'stowage-cri');
  assert.deepEqual(cfg.mirrors, {
    'registry.k8s.io': ['127.0.0.1:5000'],
    'gcr.io': ['127.0.0.1:5000', 'mirror.example:5000/gcr'],
  });
  assert.deepEqual(cfg.streaming, { address: '127.0.0.1', port: 10010 });
  assert.equal(cfg.file, '/etc/stowage/cri.toml');
  assert.deepEqual(base.mirrors, {}, 'the defaults are not changed');
});

test('JSON by the file name', () => {
  const cfg = parseCriConfig('{"cni": {"network": "pods"}, "cgroup_parent": "/k8s"}', 'cri.json', base);
  assert.equal(cfg.cni.network, 'pods');
  assert.equal(cfg.cgroupParent, '/k8s');
});

test('bad files are refused naming the problem', () => {
  assert.throws(() => parseCriConfig('sandbox_imag = "x"', 'c.toml', base), /c\.toml: unknown key "sandbox_imag"/);
  assert.throws(
    () => parseCriConfig('[cni]\nbin_dirs = "/usr/lib/cni"', 'c.toml', base),
    /cni\.bin_dirs must be a list of strings/,
  );
  assert.throws(
    () => parseCriConfig('[registry.mirrors]\n"gcr.io" = ["http://127.0.0.1:5000"]', 'c.toml', base),
    /a location has no scheme/,
  );
  assert.throws(() => parseCriConfig('[streaming]\nport = 70000', 'c.toml', base), /streaming\.port/);
  assert.throws(() => parseCriConfig('socket = "tcp://1.2.3.4:5"', 'c.toml', base), /only unix sockets/);
  assert.throws(() => parseCriConfig('x = [', 'c.toml', base), /c\.toml: /);
});

test('socket URIs', () => {
  assert.equal(socketPath('unix:///run/x.sock'), '/run/x.sock');
  assert.equal(socketPath('/run/x.sock'), '/run/x.sock');
  assert.throws(() => socketPath('unix://relative.sock'), /only unix sockets/);
  assert.throws(() => socketPath('tcp://127.0.0.1:1'), /only unix sockets/);
});
