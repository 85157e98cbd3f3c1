import { volumeInspect } from '../volume/volume';
import { containerInspect } from '../../../engine/container-inspect';
import { imageInspect } from '../../../engine/image-inspect';
import { isNotFound, notFound } from '../../../errdefs';
import { goJsonIndent } from '../../../util/gojson';
import type { Command } from '../../command';
import type { Ctx } from '../../context';
import { errorOutput } from '../../exit';
import { renderTemplate } from '../../output/template';

export type Inspector = (ctx: Ctx, ref: string) => unknown;

// Fields of the inspected objects that are Go maps or slices in Docker's types.
// A missing key of a map prints "<no value>" (anywhere else it is an error), and
// a null map prints "map[]", a null slice "[]", as with docker's typed structs.
const MAP_FIELDS = new Set([
  'Labels', 'Options', 'Containers', 'GraphDriver.Data', 'Config.Labels', 'Config.ExposedPorts', 'Config.Volumes',
  'ContainerConfig.Labels', 'ContainerConfig.ExposedPorts', 'ContainerConfig.Volumes', 'NetworkSettings.Ports',
  'NetworkSettings.Networks', 'HostConfig.PortBindings', 'HostConfig.Sysctls', 'HostConfig.Tmpfs', 'HostConfig.LogConfig.Config',
  'HostConfig.StorageOpt', 'IPAM.Options', 'Status', 'UsageData',
]);
const IMAGE_CONFIG_SLICES = ['Env', 'Cmd', 'Entrypoint', 'OnBuild', 'Shell'];
const SLICE_FIELDS = new Set([
  'RepoTags', 'RepoDigests', 'RootFS.Layers', 'Args', 'Mounts', 'ExecIDs', 'IPAM.Config',
  ...IMAGE_CONFIG_SLICES.flatMap((f) => [`Config.${f}`, `ContainerConfig.${f}`]),
  ...['Binds', 'Links', 'Dns', 'DnsOptions', 'DnsSearch', 'ExtraHosts', 'CapAdd', 'CapDrop', 'GroupAdd', 'SecurityOpt', 'Devices',
    'Ulimits', 'VolumesFrom', 'DeviceCgroupRules', 'DeviceRequests', 'ConsoleSize', 'MaskedPaths', 'ReadonlyPaths', 'Mounts',
    'BlkioWeightDevice', 'BlkioDeviceReadBps', 'BlkioDeviceWriteBps', 'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps'].map((f) => `HostConfig.${f}`),
]);
const shapeOf = (path: string[]) => {
  const p = path.join('.');
  return MAP_FIELDS.has(p) ? 'map' : SLICE_FIELDS.has(p) ? 'slice' : undefined;
};

export const inspectImage: Inspector = (ctx, ref) => imageInspect(ctx.images, ctx.store.layers, ctx.images.resolve(ref));

/** Prints objects as docker inspect does: a JSON array, or a template per object. */
export function printInspect(ctx: Ctx, refs: string[], format: string, find: (ref: string) => unknown): number {
  const found: unknown[] = [];
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
  if (format && format !== 'json') {
    const tmpl = format.replace(/\\n/g, '\n').replace(/\\t/g, '\t');
    for (const o of found) {
      try {
        ctx.out(`${renderTemplate(tmpl, o, { shapeOf })}\n`);
      } catch (e) {
        // as docker: what was printed so far, an empty line, then the error
        ctx.out('\n');
        ctx.err(`template parsing error: ${(e as Error).message}\n`);
        return 1;
      }
    }
  } else {
    ctx.out(`${found.length ? goJsonIndent(found) : '[]'}\n`);
  }
  return failed ? 1 : 0;
}

const FORMAT = { long: 'format', short: 'f', kind: 'string' as const, valueName: 'string', help: 'Format output using a custom template' };

export const imageInspectCmd: Command = {
  name: 'image inspect',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  description: 'Display detailed information on one or more images',
  minArgs: 1,
  flags: [FORMAT],
  run: (ctx, args, flags) => printInspect(ctx, args, flags.format as string, (r) => inspectImage(ctx, r)),
};

/** Inspectors tried in turn by `stowage inspect` (containers and others register here). */
export const INSPECTORS: Array<{ type: string; find: Inspector }> = [
  { type: 'container', find: (ctx, ref) => containerInspect(ctx.store, ctx.containers, ctx.containers.find(ref)) },
  { type: 'image', find: inspectImage },
  { type: 'volume', find: (ctx, ref) => volumeInspect(ctx.containers.volumes.mustGet(ref)) },
];

export const inspectCmd: Command = {
  name: 'inspect',
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  description: 'Return low-level information on Docker objects',
  minArgs: 1,
  flags: [
    FORMAT,
    { long: 'size', short: 's', kind: 'bool', help: 'Display total file sizes if the type is container' },
    { long: 'type', kind: 'string', valueName: 'string', help: 'Only inspect objects of the given type' },
  ],
  run(ctx, args, flags) {
    const type = flags.type as string;
    const inspectors = type ? INSPECTORS.filter((i) => i.type === type) : INSPECTORS;
    if (type && !inspectors.length) throw notFound(`"${type}" is not a valid value for --type`);
    return printInspect(ctx, args, flags.format as string, (ref) => {
      for (const i of inspectors) {
        try {
          return i.find(ctx, ref);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      throw notFound(`No such object: ${ref}`);
    });
  },
};
