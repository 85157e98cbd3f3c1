// Test runs that share a host: each test process takes a slot of its own, which
// gives its stores (and every CLI they run, through the environment) an address
// pool, bridge names and iptables chains no other run uses (naming.ts). Slots
// are rows of a host-wide SQLite table under /run, held by a live process
// (pid + start time); a dead holder's slot is taken over, and whatever its tag
// left on the host is removed first. On exit a process removes what its tag
// still has on the host (its chains, and anything a test forgot, with a warning).
// A slot also has a block of host ports below the kernel's ephemeral range, so
// the ports tests publish are never picked by another run (nor by any random
// host port, which comes from the ephemeral range).
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import { unavailable } from '../errdefs';
import { claimSlot, releaseSlot as releaseSlotRow } from '../metadata/test-slots';
import net from 'node:net';
import { isAlive, selfId } from '../util/proc';
import { splitRule } from './iptables';
import { TEST_POOL_ENV, TEST_PREFIX_ENV } from './naming';
import { contains, parseCidr } from './subnet';

export interface TestSlot {
  tag: string;
  /** e.g. 10.131.0.0/16 */
  pool: string;
}

const SLOTS_DIR = '/run/stowage-test';
/** Slot i has the tag t<i> and the pool 10.(128+i).0.0/16: 10.128-10.191, clear of the defaults (10.66-10.95). */
const SLOTS = 64;

const slotOf = (i: number): TestSlot => ({ tag: `t${i}`, pool: `10.${128 + i}.0.0/16` });

/** Slot i's host ports: PORTS_PER_SLOT from PORT_BASE + i * PORTS_PER_SLOT (21000-30599, below 32768). */
const PORT_BASE = 21000;
const PORTS_PER_SLOT = 150;

let claimed: TestSlot | undefined;

/**
 * This process's slot, claimed on first call and put in process.env (so CLI
 * runs and scripts inherit it). A slot already in the environment (a parent's,
 * or one set by hand) is used as it is. Undefined when not root: such tests
 * touch no network state.
 */
export function testSlot(): TestSlot | undefined {
  if (claimed) return claimed;
  const tag = process.env[TEST_PREFIX_ENV];
  const pool = process.env[TEST_POOL_ENV];
  if (tag && pool) return (claimed = { tag, pool });
  if (process.getuid?.() !== 0) return undefined;
  const index = claimSlot(SLOTS_DIR, SLOTS, selfId(), isAlive);
  claimed = slotOf(index);
  process.env[TEST_PREFIX_ENV] = claimed.tag;
  process.env[TEST_POOL_ENV] = claimed.pool;
  purgeSlot(claimed); // what an earlier holder, killed, left behind
  const slot = claimed;
  process.once('exit', () => {
    const left = purgeSlot(slot);
    if (left.length) process.stderr.write(`test slot ${slot.tag}: removed what the tests left: ${left.join(', ')}\n`);
    releaseSlot(index);
  });
  return claimed;
}

function releaseSlot(index: number): void {
  try {
    releaseSlotRow(SLOTS_DIR, index, selfId());
  } catch {
    // the next claimant sees this process dead and takes the slot over
  }
}

const iptables = (args: string[]) => spawnSync('iptables', ['-w', ...args], { encoding: 'utf8' });

/**
 * Removes everything of a slot from the host: its bridges, the rules naming
 * them, its chains and the jumps to them, and portmap's chains forwarding into
 * its pool. Returns what there was besides the chains (leftovers of tests).
 */
export function purgeSlot(slot: TestSlot): string[] {
  const stem = `stw${slot.tag}-`;
  const chainStem = stem.toUpperCase();
  const pool = parseCidr(slot.pool);
  const left: string[] = [];
  let links: string[] = [];
  try {
    links = fs.readdirSync('/sys/class/net').filter((n) => n.startsWith(stem));
  } catch {
    /* no sysfs: nothing to remove */
  }
  for (const l of links) {
    spawnSync('ip', ['link', 'del', l], { stdio: 'ignore' });
    left.push(`bridge ${l}`);
  }
  const ours = (word: string) => word.startsWith(stem) || word.startsWith(chainStem);
  for (const table of ['filter', 'nat']) {
    const listed = iptables(['-t', table, '-S']);
    if (listed.status !== 0) continue;
    const rules = listed.stdout.split('\n').map(splitRule);
    // portmap's per-container chains that forward into the pool
    const dnatChains = new Set(
      rules
        .filter((a) => a[0] === '-A' && a[1].startsWith('CNI-DN-') && a.includes('DNAT'))
        .filter((a) => {
          const to = a[a.indexOf('--to-destination') + 1] ?? '';
          const ip = to.split(':')[0];
          try {
            return contains(pool, ip);
          } catch {
            // not an IPv4 address (a rule of some other shape): not in the pool
            return false;
          }
        })
        .map((a) => a[1]),
    );
    const chains = rules.filter((a) => a[0] === '-N' && (ours(a[1]) || dnatChains.has(a[1]))).map((a) => a[1]);
    for (const a of rules) {
      if (a[0] !== '-A' || chains.includes(a[1])) continue;
      if (a.some(ours) || a.some((w) => dnatChains.has(w))) {
        iptables(['-t', table, '-D', ...a.slice(1)]);
        if (!a.includes('-j') || !ours(a[a.indexOf('-j') + 1])) left.push(`rule ${a.slice(1).join(' ')}`);
      }
    }
    for (const c of chains) {
      iptables(['-t', table, '-F', c]);
      iptables(['-t', table, '-X', c]);
      if (dnatChains.has(c)) left.push(`chain ${c}`);
    }
  }
  return left;
}

/** The slot's block of host ports, from its tag (t<i>); undefined for a tag set by hand otherwise. */
export function slotPorts(slot: TestSlot): { first: number; count: number } | undefined {
  const m = /^t(\d+)$/.exec(slot.tag);
  if (!m || Number(m[1]) >= SLOTS) return undefined;
  return { first: PORT_BASE + Number(m[1]) * PORTS_PER_SLOT, count: PORTS_PER_SLOT };
}

let portCursor = -1;

/** Host ports a DNAT rule of any store forwards (portmap's --dports lists, -p's --dport). */
function forwardedPorts(): Set<number> {
  const out = new Set<number>();
  const r = iptables(['-t', 'nat', '-S']);
  for (const m of (r.stdout ?? '').matchAll(/--dports? (\S+)/g)) {
    for (const part of m[1].split(',')) {
      const [lo, hi = lo] = part.split(':').map(Number);
      for (let p = lo; p <= hi && p - lo < 65536; p++) out.add(p);
    }
  }
  return out;
}

/** Can a socket of this kind be bound to 0.0.0.0:port right now (so no program holds it on any address)? */
function bindable(port: number, kind: 'tcp' | 'udp'): Promise<boolean> {
  return new Promise((resolve) => {
    if (kind === 'udp') {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '0.0.0.0', () => s.close(() => resolve(true)));
      return;
    }
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '0.0.0.0', port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/**
 * A host port free right now (no socket on it, no DNAT rule forwarding it), from
 * this process's slot: successive calls go round the block, so two calls return
 * different ports. Without a slot (not root), one the kernel picks.
 */
export async function freeSlotPort(kind: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  const slot = testSlot();
  const block = slot && slotPorts(slot);
  if (!block) return kernelPort(kind);
  if (portCursor < 0) portCursor = Math.floor(Math.random() * block.count);
  const forwarded = forwardedPorts();
  for (let i = 0; i < block.count; i++) {
    const port = block.first + (portCursor++ % block.count);
    if (!forwarded.has(port) && (await bindable(port, kind))) return port;
  }
  throw unavailable(`test slot ${slot.tag}: no free host port in ${block.first}-${block.first + block.count - 1}`);
}

function kernelPort(kind: 'tcp' | 'udp'): Promise<number> {
  return new Promise((resolve, reject) => {
    if (kind === 'udp') {
      const s = dgram.createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '0.0.0.0', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
      return;
    }
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: '0.0.0.0', port: 0 }, () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}
