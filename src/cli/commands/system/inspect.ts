// `inspect`: any object by name or ID, tried in the docker CLI's order (container, image, network, volume).
import { isNotFound, notFound, cliError } from '../../../errdefs';
import type { NetworkConfig } from '../../../network/types';
import { INSPECT_FORMAT_FLAG, command } from '../../command';
import { NETWORK_INSPECT } from '../../output/docker-types';
import { printInspect, type Inspector } from '../../output/inspect';
import { inspectContainer, inspectImage, inspectVolume } from '../../inspectors';

/** The object types the docker CLI's `inspect --type` accepts (swarm ones have no objects here). */
const DOCKER_TYPES = [
  'config',
  'container',
  'image',
  'network',
  'node',
  'plugin',
  'secret',
  'service',
  'task',
  'volume',
];

/**
 * Whether a lookup finds its object: it returns, or fails otherwise than "not found"
 * (then the inspectors, trying that type first, fail with that error before a network is tried).
 */
function isFound(lookup: () => unknown): boolean {
  try {
    lookup();
    return true;
  } catch (e) {
    return !isNotFound(e);
  }
}

export const inspectCmd = command({
  name: 'inspect',
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  description: 'Return low-level information on Docker objects',
  minArgs: 1,
  flags: [
    INSPECT_FORMAT_FLAG,
    { long: 'size', short: 's', kind: 'bool', help: 'Display total file sizes if the type is container' },
    { long: 'type', kind: 'string', valueName: 'string', help: 'Only inspect objects of the given type' },
  ],
  async run(ctx, args, flags) {
    const type = flags.type;
    if (type && !DOCKER_TYPES.includes(type)) {
      throw cliError(`unknown type: "${type}": must be one of ${DOCKER_TYPES.map((t) => `"${t}"`).join(', ')}`);
    }
    // networks are looked up asynchronously, before the others are tried; only for names that are
    // no container or image, which come first (the network code stays unloaded for those)
    const networks = new Map<string, NetworkConfig>();
    if (!type || type === 'network') {
      for (const a of args) {
        if (!type && (isFound(() => ctx.containerReads.find(a)) || isFound(() => ctx.images.resolve(a)))) continue;
        await ctx.containers.networking.manager.inspect(a).then(
          (n) => networks.set(a, n),
          () => {},
        );
      }
    }
    const inspectNetwork: Inspector = (c, ref) => {
      const n = networks.get(ref);
      if (!n) throw notFound(`network ${ref} not found`);
      return { value: c.networks.inspect(n), type: NETWORK_INSPECT };
    };
    // tried in the docker CLI's order
    const all: Array<{ type: string; find: Inspector }> = [
      { type: 'container', find: inspectContainer },
      { type: 'image', find: inspectImage },
      { type: 'network', find: inspectNetwork },
      { type: 'volume', find: inspectVolume },
    ];
    const inspectors = type ? all.filter((i) => i.type === type) : all;
    return printInspect(ctx, args, flags.format, (ref) => {
      for (const i of inspectors) {
        try {
          return i.find(ctx, ref);
        } catch (e) {
          // one type asked for: its own "not found"
          if (!isNotFound(e) || type) throw e;
        }
      }
      throw notFound(`No such object: ${ref}`);
    });
  },
});
