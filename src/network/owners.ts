// Bridges that know their owner. Every bridge stowage makes carries, as its
// link alias (IFLA_IFALIAS, /sys/class/net/BR/ifalias), the store that made it:
//   stowage {"s":"<store id>","n":"<network id>","r":"<root>","u":"<runroot>"}
// The store ID is a random value in <root>/store-id (and <runroot>/network/store-id),
// so a store whose root was removed by hand (or made anew at the same path) is
// known to be gone. The alias lives exactly as long as the link and costs one
// small read; nothing else on the host has to be kept in step. Before a store
// claims a bridge it removes the bridges of gone stores with what came with
// them: their rules, portmap's chains for their network, their IPAM
// reservations and, when the run root is dead too, its namespace files.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode, failedPrecondition } from '../errdefs';
import { native, MNT_DETACH } from '../native';
import { removeBridgeFromHost } from './bridges';
import { inNetworkHost, networkLinkAlias, networkLinks } from './host-netns';
import { deleteRules } from './iptables';
import { bridgeTag, isStowageBridgeName, netNaming } from './naming';

export interface BridgeOwner {
  /** the store's ID (<root>/store-id) */
  store: string;
  /** the network's ID: CNI network name, IPAM directory, rule comments */
  network: string;
  root: string;
  /** absent when the alias had no room for it */
  runroot?: string;
}

const ALIAS_PREFIX = 'stowage ';
/** IFALIASZ - 1 */
const ALIAS_MAX = 255;
const STORE_ID = /^[0-9a-f]{16}$/;

/** The alias text for a bridge, or undefined when the paths are too long for one. */
export function ownerAlias(o: BridgeOwner): string | undefined {
  const full = `${ALIAS_PREFIX}${JSON.stringify({ s: o.store, n: o.network, r: o.root, u: o.runroot })}`;
  if (Buffer.byteLength(full) <= ALIAS_MAX) return full;
  const noRun = `${ALIAS_PREFIX}${JSON.stringify({ s: o.store, n: o.network, r: o.root })}`;
  return Buffer.byteLength(noRun) <= ALIAS_MAX ? noRun : undefined; // never judged: never removed
}

export function parseOwnerAlias(text: string): BridgeOwner | undefined {
  if (!text.startsWith(ALIAS_PREFIX)) return undefined;
  try {
    const j = JSON.parse(text.slice(ALIAS_PREFIX.length)) as { s?: unknown; n?: unknown; r?: unknown; u?: unknown };
    if (
      typeof j.s !== 'string' ||
      !STORE_ID.test(j.s) ||
      typeof j.n !== 'string' ||
      typeof j.r !== 'string' ||
      !path.isAbsolute(j.r)
    )
      return undefined;
    return {
      store: j.s,
      network: j.n,
      root: j.r,
      ...(typeof j.u === 'string' && path.isAbsolute(j.u) ? { runroot: j.u } : {}),
    };
  } catch {
    // not our JSON: an alias some other tool set, so no owner
    return undefined;
  }
}

/** The owner recorded on a link, if it has one. */
export function linkOwner(name: string): BridgeOwner | undefined {
  return parseOwnerAlias(networkLinkAlias(name));
}

/** Records the owner on a bridge just made (before anyone could judge it: a link without an alias is never removed). */
export function setLinkOwner(name: string, o: BridgeOwner): void {
  const alias = ownerAlias(o);
  if (alias) spawnSync(...inNetworkHost('ip', ['link', 'set', 'dev', name, 'alias', alias]), { stdio: 'ignore' });
}

const storeIdFile = (root: string) => path.join(root, 'store-id');
const runrootIdFile = (runroot: string) => path.join(runroot, 'network', 'store-id');

function readId(file: string): string | undefined {
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    return STORE_ID.test(id) ? id : undefined;
  } catch {
    // no ID file (or unreadable): the store has no ID yet
    return undefined;
  }
}

/**
 * The store's ID, made on first use (by whichever process gets there first);
 * also written under the run root, so a run root can be told apart from one a
 * later store took over.
 */
export function ensureStoreId(root: string, runroot: string): string {
  const file = storeIdFile(root);
  let id = readId(file);
  if (!id) {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, `${randomBytes(8).toString('hex')}\n`, { flag: 'wx', mode: 0o644 });
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    id = readId(file);
    if (!id) throw failedPrecondition(`unreadable store ID in ${file}`);
  }
  const runFile = runrootIdFile(runroot);
  if (readId(runFile) !== id) {
    fs.mkdirSync(path.dirname(runFile), { recursive: true, mode: 0o700 });
    fs.writeFileSync(runFile, `${id}\n`);
  }
  return id;
}

/** A store's ID, if it has one yet. */
export function readStoreId(root: string): string | undefined {
  return readId(storeIdFile(root));
}

/** Is the store that made this bridge gone (its root removed, or a different store there now)? */
export function ownerGone(o: BridgeOwner): boolean {
  return readId(storeIdFile(o.root)) !== o.store;
}

export interface OwnedBridge {
  name: string;
  owner: BridgeOwner;
}

/**
 * Every bridge on the host that records its owner, of this process's naming
 * (naming.ts: a user's stores see the bridges of users' stores, a test run
 * only its own, so runs sharing a host never remove each other's).
 */
export function ownedBridges(tag = netNaming().tag): OwnedBridge[] {
  const out: OwnedBridge[] = [];
  for (const [name, alias] of networkLinks()) {
    if (!isStowageBridgeName(name) || bridgeTag(name) !== tag) continue;
    const owner = parseOwnerAlias(alias);
    if (owner) out.push({ name, owner });
  }
  return out;
}

/** Bridges whose store is gone. */
export function orphanBridges(): OwnedBridge[] {
  return ownedBridges().filter((b) => ownerGone(b.owner));
}

/** IPv4 subnets of a link's addresses ("10.66.0.0/16"). */
export function linkSubnets(name: string): string[] {
  const r = spawnSync(...inNetworkHost('ip', ['-j', '-4', 'addr', 'show', 'dev', name]), { encoding: 'utf8' });
  if (r.status !== 0) return [];
  const out: string[] = [];
  for (const l of JSON.parse(r.stdout || '[]') as Array<{ addr_info?: Array<{ local: string; prefixlen: number }> }>) {
    for (const a of l.addr_info ?? []) {
      const n = a.local.split('.').reduce((x, o) => x * 256 + Number(o), 0);
      const size = 2 ** (32 - a.prefixlen);
      const base = Math.floor(n / size) * size;
      out.push(`${[24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join('.')}/${a.prefixlen}`);
    }
  }
  return out;
}

/** portmap's (and older versions' masquerade) chains of a network: every chain a rule commented with its ID jumps to. */
export async function removeNetworkChains(networkId: string): Promise<void> {
  const names = (a: string[]) => a.some((w) => w.includes(`"${networkId}"`));
  const shared = (c: string) => /^CNI-(HOSTPORT-|ISOLATION-|FORWARD$)/.test(c);
  for (const table of ['nat', 'filter']) {
    const targets: string[] = [];
    await deleteRules(table, (a) => {
      if (!names(a)) return false;
      const j = a.indexOf('-j');
      if (j > 0 && a[j + 1]?.startsWith('CNI-') && !shared(a[j + 1])) targets.push(a[j + 1]);
      return true;
    });
    if (targets.length) await deleteRules(table, () => false, [...new Set(targets)]);
  }
}

/** Unmounts every mount at or below dir (deepest first). */
export function unmountBelow(dir: string): number {
  const unescape = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
  const targets = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => unescape(l.split(' ')[4] ?? ''))
    .filter((t) => t === dir || t.startsWith(`${dir}/`))
    .reverse();
  let n = 0;
  for (const t of targets) {
    try {
      native.umount2(t, MNT_DETACH);
      n++;
    } catch {
      /* gone meanwhile */
    }
  }
  return n;
}

/** Removes empty directories from dir down (dir included when it ends up empty). */
function removeEmptyDirs(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    // best effort: the directory is gone already or unreadable; leave it
    return;
  }
  for (const e of entries) if (e.isDirectory()) removeEmptyDirs(path.join(dir, e.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    /* not empty: someone's files */
  }
}

/**
 * Removes a gone store's bridge and what came with it: the bridge's rules,
 * portmap's chains for its network, its IPAM reservations; when no live store
 * has taken the run root over, the namespace files under it (bind mounts, which
 * `rm -rf` cannot remove); when no store is at the root, the mounts under it;
 * and the directories left empty.
 */
export async function reclaimBridge(b: OwnedBridge): Promise<void> {
  const [subnet] = linkSubnets(b.name);
  await removeBridgeFromHost(b.name, subnet);
  await removeNetworkChains(b.owner.network);
  // no store at the root at all (no store ID, no database): what is still mounted
  // there (a killed container's overlay) is the gone store's, and blocked its removal
  if (
    !fs.existsSync(storeIdFile(b.owner.root)) &&
    !fs.existsSync(path.join(b.owner.root, 'stowage.db')) &&
    fs.existsSync(b.owner.root)
  ) {
    unmountBelow(b.owner.root);
    removeEmptyDirs(b.owner.root);
  }
  const run = b.owner.runroot;
  if (!run) return;
  if (/^[0-9a-f]{64}$/.test(b.owner.network))
    fs.rmSync(path.join(run, 'network', 'ipam', b.owner.network), { recursive: true, force: true });
  const runOwner = readId(runrootIdFile(run));
  if (runOwner && runOwner !== b.owner.store) return; // a live store uses that run root now
  if (!fs.existsSync(run)) return;
  const netns = path.join(run, 'netns');
  unmountBelow(netns);
  fs.rmSync(netns, { recursive: true, force: true }); // the emptied namespace files
  removeEmptyDirs(run);
}

/** Removes every bridge of a gone store of this naming (the next store takes its name and subnet); returns their names. */
export async function reclaimOrphanBridges(): Promise<string[]> {
  const gone = orphanBridges();
  for (const b of gone) await reclaimBridge(b);
  return gone.map((b) => b.name);
}
