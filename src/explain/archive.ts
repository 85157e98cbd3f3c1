// The images of a docker or OCI archive, read without loading anything: small
// members (manifests, configs) are kept in memory, and each layer member only
// has its tar headers listed as it goes by. In an uncompressed archive file the
// headers are read where they are and file contents are skipped; compressed
// layers (and compressed archives) have to be decompressed to find them.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { chainIds, sha256, type Digest } from '../digest';
import { autoDecompress, detectCompression } from '../tar/decompress';
import { Channel } from '../archive/channel';
import { ArchiveError, bad, isPlainTar, memberName } from '../archive/members';
import { planArchive, type ImagePlan } from '../archive/plan';
import type { Progress } from '../util/progress';
import { readTar, readTarRange } from '../tar/reader';
import { entriesOfTar, entriesOfTarRange } from './entries';
import type { LayerEntry } from './types';

// Members up to this size are kept in memory (configs, manifests, tiny layers), as load does.
const SMALL = 1 << 20;

type Member = { kind: 'data'; bytes: Buffer } | { kind: 'listed'; entries: LayerEntry[] };

export interface ArchiveImage {
  id: Digest;
  plan: ImagePlan<Member>;
  diffIds: Digest[];
  chainIds: Digest[];
  layers: LayerEntry[][];
}

/** A layer blob's entries, whatever its compression. */
async function listBlob(bytes: AsyncIterable<Buffer>): Promise<LayerEntry[]> {
  const { stream } = await autoDecompress(bytes);
  const entries = await entriesOfTar(stream);
  for await (const _ of stream) {
    // whatever follows the end marker
  }
  return entries;
}

const layerError = (name: string, e: unknown) =>
  new ArchiveError(`invalid archive: layer ${name}: ${(e as Error).message}`, e);

function shortName(member: string): string {
  const m = /([a-f0-9]{12})[a-f0-9]*(?:\/layer\.tar|\.tar)?$/.exec(member);
  return m ? m[1] : member.slice(0, 12);
}

/** The fast path: an uncompressed archive file, read by ranges. */
async function readFile(
  file: string,
  members: Map<string, Member>,
  links: Map<string, string>,
  progress: Progress,
): Promise<void> {
  const fd = fs.openSync(file, 'r');
  let name = '';
  let small: Buffer[] = [];
  let ranged = false;
  try {
    await readTarRange(fd, 0, fs.fstatSync(fd).size, {
      entry(h) {
        name = memberName(h.name);
        small = [];
        ranged = false;
        if (h.type === 'symlink') links.set(name, memberName(path.posix.join(path.posix.dirname(name), h.linkname)));
        else if (h.type === 'link') links.set(name, memberName(h.linkname));
      },
      data(b) {
        small.push(b);
      },
      endEntry(h) {
        if (h.type === 'file' && !ranged) members.set(name, { kind: 'data', bytes: Buffer.concat(small) });
      },
      async body(_fd, offset, size) {
        ranged = true;
        if (size <= SMALL) {
          const bytes = Buffer.alloc(size);
          fs.readSync(fd, bytes, 0, size, offset);
          members.set(name, { kind: 'data', bytes });
          return;
        }
        const id = shortName(name);
        progress.start(id, 'Reading layer', size);
        const head = Buffer.alloc(6);
        fs.readSync(fd, head, 0, 6, offset);
        try {
          const entries =
            detectCompression(head) === 'none'
              ? await entriesOfTarRange(fd, offset, offset + size)
              : await listBlob(
                  fs.createReadStream(file, { start: offset, end: offset + size - 1, highWaterMark: 1 << 20 }),
                );
          members.set(name, { kind: 'listed', entries });
        } catch (e) {
          throw layerError(name, e);
        }
        progress.finish(id);
      },
    });
  } catch (e) {
    if (e instanceof ArchiveError) throw e;
    throw bad(
      `${members.size === 0 ? 'not a tar archive: ' : ''}${(e as Error).message}${name ? ` (while reading ${name})` : ''}`,
    );
  } finally {
    fs.closeSync(fd);
  }
}

/** A compressed archive: one pass over the decompressed stream, large members listed as they stream by. */
async function readStream(
  source: AsyncIterable<Buffer>,
  members: Map<string, Member>,
  links: Map<string, string>,
): Promise<void> {
  const { stream } = await autoDecompress(source);
  let current: { name: string; small?: Buffer[]; channel?: Channel; done?: Promise<LayerEntry[]> } | undefined;
  let sawEntry = false;
  try {
    await readTar(stream, {
      entry(h) {
        sawEntry = true;
        const name = memberName(h.name);
        if (h.type === 'symlink') links.set(name, memberName(path.posix.join(path.posix.dirname(name), h.linkname)));
        else if (h.type === 'link') links.set(name, memberName(h.linkname));
        if (h.type !== 'file') return;
        if (h.size <= SMALL) {
          current = { name, small: [] };
          return;
        }
        const channel = new Channel();
        const done = listBlob(channel).catch((e: unknown) => {
          channel.fail(e);
          throw layerError(name, e);
        });
        done.catch(() => {}); // observed at endEntry
        current = { name, channel, done };
      },
      async data(b) {
        if (current?.small) current.small.push(Buffer.from(b));
        else await current?.channel?.push(b);
      },
      async endEntry(h) {
        if (h.type !== 'file' || !current) return;
        const c = current;
        current = undefined;
        if (c.small) members.set(c.name, { kind: 'data', bytes: Buffer.concat(c.small) });
        else {
          // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a streamed member: entry() set channel and done together
          c.channel!.end();
          // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a streamed member: entry() set channel and done together
          members.set(c.name, { kind: 'listed', entries: await c.done! });
        }
      },
    });
  } catch (e) {
    if (current?.channel) {
      current.channel.end();
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a streamed member: entry() set channel and done together
      const failed = await current.done!.then(
        () => undefined,
        (err: unknown) => err,
      );
      if (failed instanceof ArchiveError) throw failed;
    }
    if (e instanceof ArchiveError) throw e;
    throw bad(
      `${sawEntry ? '' : 'not a tar archive: '}${(e as Error).message}${current ? ` (while reading ${current.name})` : ''}`,
    );
  }
}

/** Every image of the archive (for this platform), with its layers' entries. */
export async function readArchiveImages(file: string, progress: Progress): Promise<ArchiveImage[]> {
  const members = new Map<string, Member>();
  const links = new Map<string, string>();
  if (isPlainTar(file)) await readFile(file, members, links, progress);
  else await readStream(fs.createReadStream(file, { highWaterMark: 1 << 20 }), members, links);
  const plans = planArchive(members, links);
  const out: ArchiveImage[] = [];
  for (const plan of plans) {
    const diffIds = plan.parsed.rootfs?.diff_ids;
    if (!Array.isArray(diffIds)) throw bad(`config ${plan.configName} has no rootfs.diff_ids`);
    if (diffIds.length !== plan.layers.length)
      throw bad(`config ${plan.configName} lists ${diffIds.length} layers but the manifest ${plan.layers.length}`);
    const layers: LayerEntry[][] = [];
    for (const l of plan.layers) {
      if (l.member.kind === 'data') {
        const bytes = l.member.bytes;
        try {
          Object.assign(l.member, { kind: 'listed', entries: await listBlob(Readable.from([bytes])) }); // shared by every image using it
        } catch (e) {
          throw layerError(l.name, e);
        }
      }
      layers.push((l.member as Extract<Member, { kind: 'listed' }>).entries);
    }
    out.push({
      id: sha256(plan.config),
      plan,
      diffIds: diffIds,
      chainIds: chainIds(diffIds),
      layers,
    });
  }
  return out;
}
