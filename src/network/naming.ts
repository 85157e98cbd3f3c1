// The names and addresses stowage takes on the host: bridge device names,
// subnet pools and its iptables chains. Users get the defaults; a test run sets
// STOWAGE_TEST_NETPOOL and STOWAGE_TEST_NETPREFIX so that its stores take their
// own pool, bridge names and chains, and two runs (or a run and a user's store)
// on one machine never share any of them.
import { invalidArgument } from '../errdefs';
import { formatCidr, parseCidr } from './subnet';

/** Subnets the default "bridge" network may take (the first that overlaps nothing), /16 each. */
export const DEFAULT_BRIDGE_POOLS = ['10.66.0.0/15', '10.68.0.0/15', '10.80.0.0/12'];
export const DEFAULT_BRIDGE_SIZE = 16;
/** Pool of user-defined networks, split into /24s. */
export const USER_NETWORK_POOLS = ['10.70.0.0/15'];
export const USER_NETWORK_PREFIX = 24;
export const DEFAULT_BRIDGE_PREFIX = 'stowage';

/** A CIDR the stores of a test run take all their subnets from (e.g. 10.131.0.0/16). */
export const TEST_POOL_ENV = 'STOWAGE_TEST_NETPOOL';
/** 1-4 of [a-z0-9]: bridges are named stw<TAG>-..., chains STW<TAG>-... */
export const TEST_PREFIX_ENV = 'STOWAGE_TEST_NETPREFIX';

export interface NetNaming {
  /** '' for the defaults, else the test run's tag */
  tag: string;
  defaultPools: string[];
  /** prefix length of a default bridge's subnet */
  defaultSize: number;
  userPools: string[];
  userSize: number;
  /** the i-th candidate name of the default bridge */
  defaultBridge(i: number): string;
  /** the bridge of a user-defined network */
  userBridge(networkId: string): string;
}

export interface Chains {
  forward: string;
  isolation1: string;
  isolation2: string;
}

const IFNAMSIZ = 15;
const TAG = /^[a-z0-9]{1,4}$/;

export const DEFAULT_CHAINS: Chains = {
  forward: 'STOWAGE-FORWARD',
  isolation1: 'STOWAGE-ISOLATION-STAGE-1',
  isolation2: 'STOWAGE-ISOLATION-STAGE-2',
};

/** The naming in force for this process (its environment). */
export function netNaming(env: NodeJS.ProcessEnv = process.env): NetNaming {
  const tag = env[TEST_PREFIX_ENV] ?? '';
  const pool = env[TEST_POOL_ENV];
  if (tag === '' && !pool) {
    return {
      tag: '',
      defaultPools: DEFAULT_BRIDGE_POOLS,
      defaultSize: DEFAULT_BRIDGE_SIZE,
      userPools: USER_NETWORK_POOLS,
      userSize: USER_NETWORK_PREFIX,
      defaultBridge: (i) => `${DEFAULT_BRIDGE_PREFIX}${i}`,
      userBridge: (id) => `stw-${id.slice(0, 11)}`,
    };
  }
  if (!TAG.test(tag))
    throw invalidArgument(`${TEST_PREFIX_ENV} must be 1 to 4 of a-z and 0-9 (with ${TEST_POOL_ENV}), got "${tag}"`);
  if (!pool) throw invalidArgument(`${TEST_PREFIX_ENV} needs ${TEST_POOL_ENV}`);
  const cidr = parseCidr(pool);
  if (cidr.prefix < 8 || cidr.prefix > 20) throw invalidArgument(`${TEST_POOL_ENV} must be a /8 to /20, got ${pool}`);
  // the first half for default bridges (a /16 gives eight /20s), the second for user networks (128 /24s)
  const half = cidr.prefix + 1;
  const stem = `stw${tag}-`;
  return {
    tag,
    defaultPools: [formatCidr({ base: cidr.base, prefix: half })],
    defaultSize: cidr.prefix + 4,
    userPools: [formatCidr({ base: cidr.base + 2 ** (32 - half), prefix: half })],
    userSize: Math.max(half, USER_NETWORK_PREFIX),
    defaultBridge: (i) => `${stem}${i}`,
    userBridge: (id) => `${stem}${id}`.slice(0, IFNAMSIZ),
  };
}

/** The tag in a bridge's name (stwTAG-...), '' for the default names. */
export function bridgeTag(bridge: string): string {
  return /^stw([a-z0-9]{1,4})-/.exec(bridge)?.[1] ?? '';
}

/**
 * The chains holding a bridge's rules: the tag comes from the bridge's name, so
 * whatever process touches the network later (a container's exit command, say)
 * finds them without the environment that created it.
 */
export function chainsFor(bridge: string): Chains {
  return chainsOfTag(bridgeTag(bridge));
}

export function chainsOfTag(tag: string): Chains {
  if (tag === '') return DEFAULT_CHAINS;
  const stem = `STW${tag.toUpperCase()}`;
  return {
    forward: `${stem}-FORWARD`,
    isolation1: `${stem}-ISOLATION-STAGE-1`,
    isolation2: `${stem}-ISOLATION-STAGE-2`,
  };
}

/** Could this link be a bridge stowage made (under any tag)? */
export function isStowageBridgeName(name: string): boolean {
  return /^stowage\d+$/.test(name) || /^stw-[0-9a-f]{11}$/.test(name) || bridgeTag(name) !== '';
}
