// Builds tar archives entry by entry for tests, hostile ones included.
import { encodeHeader, END_OF_ARCHIVE, paddingFor, type EntryInput } from '../src/tar/header';

export type TestEntry = Partial<EntryInput> & { name: string; data?: string | Buffer };

export function buildTar(entries: TestEntry[], opts: { trailer?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data);
    const type = e.type ?? (e.name.endsWith('/') ? 'directory' : 'file');
    const mode = e.mode ?? (type === 'directory' ? 0o755 : 0o644);
    parts.push(encodeHeader({ mtime: 1_700_000_000, ...e, type, mode, size: data.length }));
    if (type === 'file' && data.length) parts.push(data, Buffer.alloc(paddingFor(data.length)));
  }
  if (opts.trailer !== false) parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}
