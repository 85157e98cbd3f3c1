// The behaviour every NetworkBackend owes the services: run against
// NetworkManager (bridges, CNI, iptables: test/integration/network-contract.test.ts,
// root, in the test run's own address pool) and against FakeNetworks
// (backend.contract.test.ts, the unit suite).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isKind } from '../errdefs';
import type { NetworkBackend } from './backend';
import { contains, parseCidr } from './subnet';

export interface NetworkBackendUnderTest {
  networks: NetworkBackend;
  /** A fresh network namespace for a container (a path). */
  netns(name: string): Promise<string>;
  /** Detaches what is left, removes the networks made, the namespaces and the files. */
  cleanup(): Promise<void>;
}

export function networkBackendContract(
  name: string,
  make: () => NetworkBackendUnderTest,
  opts: { skip?: string | false } = {},
): void {
  const withNetworks = (fn: (u: NetworkBackendUnderTest) => Promise<void>) => async () => {
    const u = make();
    try {
      await fn(u);
    } finally {
      await u.cleanup();
    }
  };
  const skip = opts.skip;
  const kind = (k: string, text: string) => (e: unknown) =>
    isKind(e, k as never) && (e as Error).message.includes(text);
  const cid = () => randomBytes(32).toString('hex');
  const netName = () => `contract-${randomBytes(3).toString('hex')}`;

  test(
    `${name}: the predefined networks; create gives a bridge network with its own subnet, found by name, ID and prefix`,
    { skip },
    withNetworks(async ({ networks }) => {
      const drivers = new Map((await networks.list()).map((n) => [n.name, n.driver]));
      assert.equal(drivers.get('bridge'), 'bridge');
      assert.equal(drivers.get('host'), 'host');
      assert.equal(drivers.get('none'), 'null');
      const nm = netName();
      const net = await networks.create(nm, { labels: { a: 'b' } });
      assert.equal(net.name, nm);
      assert.match(net.id, /^[0-9a-f]{64}$/);
      assert.equal(net.driver, 'bridge');
      assert.deepEqual(net.labels, { a: 'b' });
      assert.ok(net.subnet && net.gateway && contains(parseCidr(net.subnet), net.gateway));
      const bridge = await networks.inspect('bridge');
      assert.ok(!contains(parseCidr(bridge.subnet!), net.gateway), 'a subnet of its own');
      for (const term of [nm, net.id, net.id.slice(0, 12)]) assert.equal((await networks.inspect(term)).id, net.id);
      assert.ok((await networks.list()).some((n) => n.id === net.id));
    }),
  );

  test(
    `${name}: create refuses a taken name, a predefined name and an empty one; inspect of nothing is not-found`,
    { skip },
    withNetworks(async ({ networks }) => {
      const nm = netName();
      await networks.create(nm);
      await assert.rejects(networks.create(nm), kind('already-exists', `network with name ${nm} already exists`));
      await assert.rejects(networks.create('host'), kind('forbidden', 'operation is not permitted on predefined host'));
      await assert.rejects(networks.create(''), kind('invalid-argument', 'network name must not be empty'));
      await assert.rejects(networks.inspect('contract-nosuch'), kind('not-found', 'network contract-nosuch not found'));
    }),
  );

  test(
    `${name}: attach gives each container an address of the subnet on eth0; endpoints and peers list them`,
    { skip },
    withNetworks(async ({ networks, netns }) => {
      const net = await networks.create(netName());
      const [a, b] = [cid(), cid()];
      const ea = await networks.attach(a, await netns('a'), net.name, { name: 'ctr-a', aliases: ['alias-a'] });
      const eb = await networks.attach(b, await netns('b'), net.id, { name: 'ctr-b' });
      for (const e of [ea, eb]) {
        assert.equal(e.NetworkID, net.id);
        assert.equal(e.NetworkName, net.name);
        assert.equal(e.Gateway, net.gateway);
        assert.equal(e.IPPrefixLen, parseCidr(net.subnet!).prefix);
        assert.equal(e.InterfaceName, 'eth0');
        assert.ok(contains(parseCidr(net.subnet!), e.IPAddress), e.IPAddress);
        assert.notEqual(e.IPAddress, net.gateway);
      }
      assert.notEqual(ea.IPAddress, eb.IPAddress);
      assert.deepEqual(
        networks.endpoints(a).map((e) => [e.NetworkID, e.IPAddress]),
        [[net.id, ea.IPAddress]],
      );
      assert.deepEqual(
        networks.peers(net.name).map((p) => [p.containerId, p.ip, p.name]),
        [
          [a, ea.IPAddress, 'ctr-a'],
          [b, eb.IPAddress, 'ctr-b'],
        ],
      );
      assert.deepEqual(networks.peers(net.id).find((p) => p.containerId === a)?.aliases, ['alias-a']);
    }),
  );

  test(
    `${name}: a second network is eth1; the same network twice is conflict; --ip in the subnet or refused`,
    { skip },
    withNetworks(async ({ networks, netns }) => {
      const one = await networks.create(netName());
      const two = await networks.create(netName());
      const c = cid();
      const ns = await netns('c');
      await networks.attach(c, ns, one.name, { name: 'multi' });
      const e2 = await networks.attach(c, ns, two.name, { name: 'multi' });
      assert.equal(e2.InterfaceName, 'eth1');
      await assert.rejects(
        networks.attach(c, ns, one.name, { name: 'multi' }),
        kind('conflict', `endpoint with name multi already exists in network ${one.name}`),
      );
      const fixed = parseCidr(two.subnet!).base + 77;
      const ip = [24, 16, 8, 0].map((s) => (fixed >>> s) & 255).join('.');
      const e3 = await networks.attach(cid(), await netns('d'), two.name, { name: 'fixed', ip });
      assert.equal(e3.IPAddress, ip);
      await assert.rejects(
        networks.attach(cid(), await netns('e'), two.name, { name: 'outside', ip: '192.0.2.1' }),
        kind('invalid-argument', 'no configured subnet or ip-range contain the IP address 192.0.2.1'),
      );
      assert.deepEqual(
        networks.endpoints(c).map((e) => e.NetworkName),
        [one.name, two.name],
      );
    }),
  );

  test(
    `${name}: remove is refused while endpoints are attached and for predefined networks; detach, then it goes`,
    { skip },
    withNetworks(async ({ networks, netns }) => {
      const net = await networks.create(netName());
      const c = cid();
      const ns = await netns('r');
      await networks.attach(c, ns, net.name, { name: 'r' });
      await assert.rejects(networks.remove(net.name), kind('forbidden', 'has active endpoints'));
      await assert.rejects(networks.remove('bridge'), kind('forbidden', 'bridge is a pre-defined network'));
      await networks.detach(c, ns, net.name);
      await networks.detach(c, ns, net.name); // again: no error
      assert.deepEqual(networks.endpoints(c), []);
      assert.deepEqual(networks.peers(net.name), []);
      await networks.remove(net.id);
      await assert.rejects(networks.inspect(net.name), (e: unknown) => isKind(e, 'not-found'));
    }),
  );

  test(
    `${name}: detachAll; prune removes the unused user networks its filter accepts, never predefined ones`,
    { skip },
    withNetworks(async ({ networks, netns }) => {
      const used = await networks.create(netName());
      const unused = await networks.create(netName());
      const kept = await networks.create(netName(), { labels: { keep: '1' } });
      const c = cid();
      const ns = await netns('p');
      await networks.attach(c, ns, used.name, { name: 'p' });
      await networks.attach(c, ns, kept.name, { name: 'p' });
      const pruned = await networks.prune((n) => n.labels.keep !== '1' && n.name.startsWith('contract-'));
      assert.deepEqual(pruned, [unused.name]);
      await networks.detachAll(c, ns);
      assert.deepEqual(networks.endpoints(c), []);
      const again = await networks.prune((n) => n.name.startsWith('contract-'));
      assert.deepEqual(again.sort(), [used.name, kept.name].sort());
      const names = (await networks.list()).map((n) => n.name);
      for (const p of ['bridge', 'host', 'none']) assert.ok(names.includes(p));
    }),
  );
}
