// The detach key sequence of an attached terminal (Docker's default ctrl-p,ctrl-q):
// typed on stdin, it leaves the container running and ends the attachment. Parsing
// as the docker CLI's term.ToBytes; watching as moby's term.EscapeProxy does: bytes
// that could begin the sequence are held back until it is clear they do not.
import { Transform, type TransformCallback } from 'node:stream';
import { invalidArgument } from '../errdefs';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** "ctrl-p,ctrl-q" → [0x10, 0x11]: each key a single character or ctrl-<a-z @ [ \ ] ^ _>. */
export function parseDetachKeys(spec: string): Buffer {
  const out: number[] = [];
  for (const key of spec.split(',')) {
    const k = key.trim();
    if (k.length > 1 && k.toLowerCase().startsWith('ctrl-')) {
      const c = k.slice(5).toLowerCase();
      if (c.length !== 1) throw invalidArgument(`Unknown character: '${k}'`);
      if (c >= 'a' && c <= 'z') out.push(c.charCodeAt(0) - 'a'.charCodeAt(0) + 1);
      else if ('@[\\]^_'.includes(c)) out.push(c.charCodeAt(0) - 64);
      else throw invalidArgument(`Unknown character: '${k}'`);
    } else if (k.length === 1) out.push(k.charCodeAt(0));
    else throw invalidArgument(`Unknown character: '${k}'`);
  }
  return Buffer.from(out);
}

/** stdin passed through, less the detach sequence; emits 'detach' when it is typed. */
export class DetachWatcher extends Transform {
  private matched = 0;

  constructor(private readonly keys: Buffer) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) {
          if (out.length) this.push(Buffer.from(out));
          this.matched = 0;
          this.emit('detach');
          done();
          return;
        }
        continue;
      }
      // not the sequence after all: what was held back goes through
      out.push(...this.keys.subarray(0, this.matched));
      this.matched = 0;
      if (byte === this.keys[0]) this.matched = 1;
      else out.push(byte);
    }
    if (out.length) this.push(Buffer.from(out));
    done();
  }
}
