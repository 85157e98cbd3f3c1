// Reading an archive's members: small ones kept (archive/member-data: memory up
// to a budget, then temporary files), large ones unpacked as layers into the
// store's temporary area as they go by (from a stream, or from a file by byte
// ranges), with symlink and hard-link members remembered.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Digest } from '../digest';
import { StowageError } from '../errdefs';
import type { Store } from '../engine/store';
import type { UnpackedLayer } from '../layer/store';
import { PoolSha256 } from '../native/pool-sha256';
import { readTar, readTarRange } from '../tar/reader';
import type { Progress } from '../util/progress';
import { autoDecompress, decompressStream, detectCompression, peek } from '../tar/decompress';
import { Channel } from './channel';
import type { MemberData, MemberHold, MemberWriter } from './member-data';

// Members up to this size are kept as they are (configs, manifests, tiny layers).
const SMALL = 1 << 20;

export type Member =
  { kind: 'data'; data: MemberData } | { kind: 'layer'; unpacked: UnpackedLayer; digest: Digest; compressed: boolean };

/** What is wrong with an archive (a member, a digest); the store is left unchanged. */
export class ArchiveError extends StowageError {
  constructor(message: string, cause?: unknown) {
    super('invalid-argument', message, { cause });
  }
}

export const bad = (msg: string) => new ArchiveError(`invalid archive: ${msg}`);

export function memberName(name: string): string {
  return path.posix
    .normalize(name.replace(/^\/+/, ''))
    .replace(/^(\.\/)+/, '')
    .replace(/\/$/, '');
}

export function isPlainTar(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(6);
    return fs.readSync(fd, head, 0, 6, 0) === 6 && detectCompression(head) === 'none';
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The fast path for an uncompressed archive file: headers are read where they
 * are, and each uncompressed layer member is unpacked from its byte range
 * (bodies copied in the kernel, hashed on the thread pool meanwhile; the next
 * member is read while that hash finishes).
 */
export async function readMembersOfFile(
  store: Store,
  file: string,
  members: Map<string, Member>,
  links: Map<string, string>,
  hold: MemberHold,
  progress: Progress,
) {
  const fd = fs.openSync(file, 'r');
  let name = '';
  let small: MemberWriter | undefined;
  let ranged = false; // the body came as a range (body()), not as data
  // hashes of plain layers still running when the next member is read (all awaited below)
  const hashing: Array<Promise<void>> = [];
  try {
    await readTarRange(fd, 0, fs.fstatSync(fd).size, {
      entry(h) {
        name = memberName(h.name);
        small = h.type === 'file' ? hold.start(h.size) : undefined;
        ranged = false;
        if (h.type === 'symlink') links.set(name, memberName(path.posix.join(path.posix.dirname(name), h.linkname)));
        else if (h.type === 'link') links.set(name, memberName(h.linkname));
      },
      // bodies the reader had in its window
      data(b) {
        small?.write(b);
      },
      endEntry(h) {
        const data = small?.end();
        small = undefined;
        if (h.type === 'file' && !ranged && data) members.set(name, { kind: 'data', data });
      },
      async body(_fd, offset, size) {
        ranged = true;
        if (size <= SMALL) {
          members.set(name, { kind: 'data', data: hold.inFile(file, offset, size) }); // read from there when needed
          return;
        }
        const id = shortName(name);
        progress.start(id, 'Loading layer', size);
        const head = Buffer.alloc(6);
        fs.readSync(fd, head, 0, 6, offset);
        if (detectCompression(head) === 'none') {
          const layerName = name;
          const failed = (e: unknown) =>
            new ArchiveError(`invalid archive: layer ${layerName}: ${(e as Error).message}`, e);
          try {
            const { unpacked, hashed } = await store.layers.unpackRange(file, fd, offset, offset + size);
            const member: Member = { kind: 'layer', unpacked, digest: unpacked.diffId, compressed: false };
            members.set(name, member); // (its directory is discarded with the others should the load fail)
            const done = hashed.then(
              () => {
                member.digest = unpacked.diffId;
              },
              (e: unknown) => {
                throw failed(e);
              },
            );
            done.catch(() => {}); // awaited once every member is read
            hashing.push(done);
          } catch (e) {
            throw failed(e);
          }
        } else {
          members.set(
            name,
            await unpackMember(
              store,
              name,
              fs.createReadStream(file, { start: offset, end: offset + size - 1, highWaterMark: 1 << 20 }),
              size,
            ),
          );
        }
        progress.finish(id);
      },
    });
    for (const h of hashing) await h;
  } catch (e) {
    if (e instanceof ArchiveError) throw e;
    throw bad(
      `${members.size === 0 ? 'not a tar archive: ' : ''}${(e as Error).message}${name ? ` (while reading ${name})` : ''}`,
    );
  } finally {
    fs.closeSync(fd);
  }
}

export async function readMembers(
  store: Store,
  source: AsyncIterable<Buffer>,
  members: Map<string, Member>,
  links: Map<string, string>,
  hold: MemberHold,
  progress: Progress,
) {
  const { stream } = await autoDecompress(source);
  let sawEntry = false;
  let current:
    | { name: string; small?: MemberWriter; channel?: Channel; done?: Promise<Member>; bytes: number; size: number }
    | undefined;
  try {
    await readTar(stream, {
      entry(h) {
        sawEntry = true;
        const name = memberName(h.name);
        if (h.type === 'symlink') links.set(name, memberName(path.posix.join(path.posix.dirname(name), h.linkname)));
        else if (h.type === 'link') links.set(name, memberName(h.linkname));
        if (h.type !== 'file') return;
        current = { name, bytes: 0, size: h.size };
        if (h.size <= SMALL) {
          current.small = hold.start(h.size);
          return;
        }
        const channel = new Channel();
        const id = shortName(name);
        progress.start(id, 'Loading layer', h.size);
        current.channel = channel;
        current.done = unpackMember(store, name, channel, h.size).then(
          (m) => (progress.finish(id), m),
          (e: unknown) => {
            channel.fail(e);
            throw e;
          },
        );
        current.done.catch(() => {}); // observed below, at endEntry
      },
      async data(b) {
        const c = current;
        if (!c) return; // a directory's or a link's bytes (none): nothing to keep
        c.bytes += b.length;
        if (c.small) c.small.write(b);
        else {
          // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a streamed member: entry() set channel and done together
          await c.channel!.push(b);
          progress.update(shortName(c.name), c.bytes);
        }
      },
      async endEntry(h) {
        if (h.type !== 'file' || !current) return;
        const c = current;
        current = undefined;
        if (c.small) {
          members.set(c.name, { kind: 'data', data: c.small.end() });
          return;
        }
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a streamed member: entry() set channel and done together
        c.channel!.end();
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a streamed member: entry() set channel and done together
        members.set(c.name, await c.done!);
      },
    });
  } catch (e) {
    if (current?.channel) {
      current.channel.fail(e);
      current.channel.end();
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a streamed member: entry() set channel and done together
      const m = await current.done!.catch(() => undefined);
      if (m?.kind === 'layer') store.layers.discard(m.unpacked);
    }
    if (e instanceof ArchiveError) throw e;
    const where = current ? ` (while reading ${current.name})` : '';
    throw bad(`${sawEntry ? '' : 'not a tar archive: '}${(e as Error).message}${where}`);
  }
}

function shortName(member: string): string {
  const m = /([a-f0-9]{12})[a-f0-9]*(?:\/layer\.tar|\.tar)?$/.exec(member);
  return m ? m[1] : member.slice(0, 12);
}

/** Unpacks one archive member as a layer (compressed or not); a compressed blob's own digest is hashed too. */
export async function unpackMember(
  store: Store,
  name: string,
  bytes: AsyncIterable<Buffer>,
  size = 0,
): Promise<Member> {
  try {
    const { head, stream: raw } = await peek(bytes, 6);
    const compression = detectCompression(head);
    // the blob's digest on the thread pool, beside the unpacking on this thread
    const rawHash = compression === 'none' ? undefined : new PoolSha256();
    async function* hashed(hash: PoolSha256) {
      for await (const b of raw as AsyncIterable<Buffer>) {
        const lag = hash.update(b);
        if (lag) await lag;
        yield b;
      }
    }
    const stream = rawHash ? decompressStream(Readable.from(hashed(rawHash)), compression) : raw;
    const unpacked = await store.layers.unpack(stream, size);
    for await (const _ of stream) {
      // drain whatever follows the tar's end marker
    }
    const digest: Digest = rawHash ? await rawHash.digest() : unpacked.diffId;
    return { kind: 'layer', unpacked, digest, compressed: !!rawHash };
  } catch (e) {
    throw new ArchiveError(`invalid archive: layer ${name}: ${(e as Error).message}`, e);
  }
}
