// Test runs that share a host: each test process takes a slot of its own, which
// gives its stores (and every CLI they run, through the environment) an address
// pool, bridge names and iptables chains no other run uses (naming.ts). Slots
// are rows of a host-wide SQLite table under /run, held by a live process
// (pid + start time); a dead holder's slot is taken over, and whatever its tag
// left on the host is removed first. On exit a process removes what its tag
// still has on the host (its chains, and anything a test forgot, with a warning).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { claimSlot, releaseSlot as releaseSlotRow } from '../metadata/test-slots';
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
