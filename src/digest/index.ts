// Digests: 'sha256:<64 hex>' strings, parsed once at the edge.
// node:crypto is required where a digest is computed: commands that only read
// digests (ps, images) do not load it.
const crypto = (): typeof import('node:crypto') => require('node:crypto') as typeof import('node:crypto'); // eslint-disable-line @typescript-eslint/no-require-imports

export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const HEX64_RE = /^[a-f0-9]{64}$/;

export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

export function isHex64(s: string): boolean {
  return HEX64_RE.test(s);
}

export function hex(d: Digest): string {
  return d.slice(7);
}

/** A running SHA-256 (node:crypto's Hash). */
export function sha256Hasher(): import('node:crypto').Hash {
  return crypto().createHash('sha256');
}

/** `bytes` random bytes in hex. */
export function randomHex(bytes: number): string {
  return crypto().randomBytes(bytes).toString('hex');
}

export function sha256(data: string | Buffer): Digest {
  return `sha256:${crypto().createHash('sha256').update(data).digest('hex')}`;
}

/** The 12-character form Docker prints. */
export function shortId(idOrDigest: string): string {
  return (idOrDigest.startsWith('sha256:') ? idOrDigest.slice(7) : idOrDigest).slice(0, 12);
}

/** ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : sha256(`${out[out.length - 1]} ${d}`));
  return out;
}

/** A random 64-hex ID, as Docker's stringid.GenerateRandomID (never all-digits in the short form). */
export function randomId(): string {
  for (;;) {
    const id = crypto().randomBytes(32).toString('hex');
    if (!/^\d{12}/.test(id)) return id;
  }
}
