import { containerInspect } from '../../../engine/container-inspect';
import { imageInspect } from '../../../engine/image-inspect';
import { isNotFound, notFound, cliError } from '../../../errdefs';
import type { NetworkConfig } from '../../../network/types';
import { goJsonIndent } from '../../../util/gojson';
import { INSPECT_FORMAT_FLAG, type Command } from '../../command';
import type { Ctx } from '../../context';
import { errorOutput } from '../../exit';
import { CONTAINER_INSPECT, IMAGE_INSPECT, NETWORK_INSPECT, VOLUME_INSPECT } from '../../output/docker-types';
import type { GoType } from '../../output/gotype';
import { execTemplate, parseTemplate } from '../../output/template';

/** An inspected object and the Go type the docker CLI decodes it into (for templates). */
export interface Inspected {
  value: unknown;
  type: GoType;
}

export type Inspector = (ctx: Ctx, ref: string) => Inspected;

export const inspectImage: Inspector = (ctx, ref) => ({
  value: imageInspect(ctx.images, ctx.store.layers, ctx.images.resolve(ref)),
  type: IMAGE_INSPECT,
});

/** Prints objects as docker inspect does: a JSON array, or a template per object. */
export function printInspect(ctx: Ctx, refs: string[], format: string, find: (ref: string) => Inspected): number {
  const templated = format && format !== 'json';
  let tmpl: ReturnType<typeof parseTemplate> = [];
  if (templated) {
    // as docker: the template is parsed before anything is looked up; a bad one exits 64
    try {
      tmpl = parseTemplate(format.replace(/\\n/g, '\n').replace(/\\t/g, '\t'));
    } catch (e) {
      ctx.err(`${(e as Error).message}\n`);
      return 64;
    }
  }
  const found: Inspected[] = [];
  let failed = false;
  for (const ref of refs) {
    try {
      found.push(find(ref));
    } catch (e) {
      if (!isNotFound(e)) throw e;
      ctx.err(errorOutput(e).message);
      failed = true;
    }
  }
  if (templated) {
    for (const o of found) {
      try {
        ctx.out(`${execTemplate(tmpl, o.value, { type: o.type })}\n`);
      } catch (e) {
        // as docker: what was printed so far, an empty line, then the error
        ctx.out('\n');
        ctx.err(`${(e as Error).message.replace(/^(?!template parsing error: )/, 'template parsing error: ')}\n`);
        return 1;
      }
    }
  } else {
    ctx.out(`${found.length ? goJsonIndent(found.map((o) => o.value)) : '[]'}\n`);
  }
  return failed ? 1 : 0;
}

export const imageInspectCmd: Command = {
  name: 'image inspect',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Display detailed information on one or more images',
  minArgs: 1,
  flags: [INSPECT_FORMAT_FLAG],
  run: (ctx, args, flags) => printInspect(ctx, args, flags.format as string, (r) => inspectImage(ctx, r)),
};

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

const inspectContainer: Inspector = (ctx, ref) => ({
  value: containerInspect(ctx.store, ctx.containers, ctx.containers.find(ref)),
  type: CONTAINER_INSPECT,
});
const inspectVolume: Inspector = (ctx, ref) => ({
  value: ctx.volumes.inspect(ctx.volumes.find(ref)),
  type: VOLUME_INSPECT,
});

export const inspectCmd: Command = {
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
    const type = flags.type as string;
    if (type && !DOCKER_TYPES.includes(type)) {
      throw cliError(`unknown type: "${type}": must be one of ${DOCKER_TYPES.map((t) => `"${t}"`).join(', ')}`);
    }
    // networks are looked up asynchronously: found before the others are tried
    const networks = new Map<string, NetworkConfig>();
    if (!type || type === 'network') {
      for (const a of args)
        await ctx.containers.networking.manager.inspect(a).then(
          (n) => networks.set(a, n),
          () => {},
        );
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
    return printInspect(ctx, args, flags.format as string, (ref) => {
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
};
