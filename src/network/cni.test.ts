// The CNI runtime against fake plugins that log what they were given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CniAddError, CniError, CniRuntime, pluginConf, type NetConfList } from './cni';

// A plugin that appends {command, env, stdin} to $LOG and answers with its prevResult
// plus one interface named after itself; "fail-*" plugins fail with a CNI error.
const FAKE = `#!${process.execPath}
const fs = require('fs');
const path = require('path');
const name = path.basename(process.argv[1]);
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const conf = JSON.parse(input);
  const env = {};
  for (const k of ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH', 'CNI_ARGS']) env[k] = process.env[k];
  fs.appendFileSync(conf.log, JSON.stringify({ name, env, conf }) + '\\n');
  if (name.startsWith('fail') && process.env.CNI_COMMAND === 'ADD') {
    process.stdout.write(JSON.stringify({ cniVersion: '1.0.0', code: 11, msg: 'no luck', details: 'really' }));
    process.exit(1);
  }
  if (process.env.CNI_COMMAND === 'DEL') process.exit(name.startsWith('faildel') ? 3 : 0);
  const prev = conf.prevResult || { cniVersion: '1.0.0', interfaces: [], ips: [] };
  prev.interfaces = [...prev.interfaces, { name }];
  process.stdout.write(JSON.stringify(prev));
});
`;

function setup(): {
  dir: string;
  log: string;
  cni: CniRuntime;
  read: () => Array<{ name: string; env: Record<string, string>; conf: Record<string, unknown> }>;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-cni-'));
  for (const n of ['one', 'two', 'three', 'failadd', 'faildel'])
    fs.writeFileSync(path.join(dir, n), FAKE, { mode: 0o755 });
  const log = path.join(dir, 'log');
  const cni = new CniRuntime({ cniPath: `/nonexistent:${dir}` });
  const read = () =>
    fs.existsSync(log)
      ? fs
          .readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l))
      : [];
  return { dir, log, cni, read };
}

const list = (log: string, types: string[]): NetConfList => ({
  cniVersion: '1.0.0',
  name: 'net1',
  plugins: types.map((type) => ({
    type,
    log,
    capabilities: type === 'two' ? { portMappings: true, mac: true } : undefined,
  })),
});

test('execution configuration: name and version added, capabilities turned into runtimeConfig', () => {
  const l: NetConfList = {
    cniVersion: '1.0.0',
    name: 'n',
    plugins: [{ type: 'portmap', snat: true, capabilities: { portMappings: true, ips: false } }],
  };
  const conf = pluginConf(
    l,
    l.plugins[0],
    { portMappings: [{ hostPort: 1 }], ips: ['10.0.0.2'], bandwidth: {} },
    { cniVersion: '1.0.0' },
  );
  assert.deepEqual(conf, {
    type: 'portmap',
    snat: true,
    cniVersion: '1.0.0',
    name: 'n',
    runtimeConfig: { portMappings: [{ hostPort: 1 }] },
    prevResult: { cniVersion: '1.0.0' },
  });
  // no declared capability given: no runtimeConfig at all
  assert.deepEqual(pluginConf(l, l.plugins[0]), { type: 'portmap', snat: true, cniVersion: '1.0.0', name: 'n' });
});

test('ADD chains plugins in order with prevResult; DEL runs in reverse with the final result', async () => {
  const { dir, log, cni, read } = setup();
  try {
    const rt = {
      containerId: 'c1',
      netns: '/run/netns/x',
      ifname: 'eth0',
      args: { IgnoreUnknown: '1' },
      capabilityArgs: { portMappings: [{ hostPort: 8080 }] },
    };
    const seen: string[][] = [];
    const result = await cni.addList(list(log, ['one', 'two', 'three']), rt, (r) =>
      seen.push((r.interfaces ?? []).map((i) => i.name)),
    );
    assert.deepEqual(
      result.interfaces?.map((i) => i.name),
      ['one', 'two', 'three'],
    );
    assert.deepEqual(seen, [['one'], ['one', 'two'], ['one', 'two', 'three']]);
    const add = read();
    assert.deepEqual(
      add.map((e) => e.name),
      ['one', 'two', 'three'],
    );
    assert.equal(add[0].conf.prevResult, undefined);
    assert.deepEqual((add[2].conf.prevResult as { interfaces: unknown[] }).interfaces, [
      { name: 'one' },
      { name: 'two' },
    ]);
    assert.deepEqual(add[1].conf.runtimeConfig, { portMappings: [{ hostPort: 8080 }] });
    assert.equal(add[0].conf.runtimeConfig, undefined);
    assert.equal(add[0].conf.capabilities, undefined);
    assert.deepEqual(add[0].env, {
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c1',
      CNI_NETNS: '/run/netns/x',
      CNI_IFNAME: 'eth0',
      CNI_PATH: `/nonexistent:${dir}`,
      CNI_ARGS: 'IgnoreUnknown=1',
    });

    fs.rmSync(log);
    await cni.delList(list(log, ['one', 'two', 'three']), { ...rt, netns: '' }, result);
    const del = read();
    assert.deepEqual(
      del.map((e) => e.name),
      ['three', 'two', 'one'],
    );
    for (const e of del) {
      assert.equal(e.env.CNI_COMMAND, 'DEL');
      assert.equal(e.env.CNI_NETNS, '');
      assert.deepEqual(e.conf.prevResult, result);
    }
    assert.deepEqual(del[1].conf.runtimeConfig, { portMappings: [{ hostPort: 8080 }] });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing plugin: its error result, the partial result, and no later plugin run', async () => {
  const { dir, log, cni, read } = setup();
  try {
    await assert.rejects(
      cni.addList(list(log, ['one', 'failadd', 'three']), { containerId: 'c', netns: '/x', ifname: 'eth0' }),
      (err: unknown) => {
        assert.ok(err instanceof CniAddError);
        assert.ok(err.error instanceof CniError);
        assert.equal(err.error.code, 11);
        assert.equal(err.error.msg, 'no luck');
        assert.equal(err.message, 'plugin type="failadd" failed (11): no luck: really');
        assert.deepEqual(err.partial?.interfaces, [{ name: 'one' }]);
        return true;
      },
    );
    assert.deepEqual(
      read().map((e) => e.name),
      ['one', 'failadd'],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('DEL calls every plugin even when one fails, then reports the failure', async () => {
  const { dir, log, cni, read } = setup();
  try {
    await assert.rejects(
      cni.delList(list(log, ['one', 'faildel', 'three']), { containerId: 'c', netns: '', ifname: 'eth0' }),
      /faildel.*exit status 3/,
    );
    assert.deepEqual(
      read().map((e) => e.name),
      ['three', 'faildel', 'one'],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a plugin missing from the path is not found', async () => {
  const cni = new CniRuntime({ cniPath: '/nonexistent' });
  assert.throws(() => cni.find('bridge'), /failed to find plugin "bridge" in path \[\/nonexistent\]/);
  assert.throws(() => cni.find('../bin/sh'), /invalid CNI plugin name/);
});
