import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { freeSlotPort, slotPorts, testSlot } from './test-slot';

test("slots' port blocks are disjoint and below the kernel's ephemeral range", () => {
  assert.deepEqual(slotPorts({ tag: 't0', pool: '10.128.0.0/16' }), { first: 21000, count: 150 });
  const last = slotPorts({ tag: 't63', pool: '10.191.0.0/16' })!;
  const ephemeral = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]);
  assert.ok(last.first + last.count <= ephemeral, `${last.first + last.count} > ${ephemeral}`);
  assert.equal(slotPorts({ tag: 't1', pool: '' })!.first, 21150);
  assert.equal(slotPorts({ tag: 'x1', pool: '10.1.0.0/16' }), undefined, 'a tag set by hand has no block');
  assert.equal(slotPorts({ tag: 't64', pool: '10.192.0.0/16' }), undefined);
});

test('free ports come from the slot, a different one each call, none held', async () => {
  const slot = testSlot();
  const a = await freeSlotPort();
  const b = await freeSlotPort('udp');
  assert.notEqual(a, b);
  if (slot) {
    const block = slotPorts(slot)!;
    for (const p of [a, b]) assert.ok(p >= block.first && p < block.first + block.count, `${p} in ${slot.tag}'s block`);
  }
  // the port is really free: it can be listened on
  const s = net.createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(a, '0.0.0.0', resolve);
  });
  await new Promise((r) => s.close(r));
});
