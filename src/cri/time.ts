// Times as the CRI carries them: nanoseconds since the epoch, as decimal strings
// (they do not fit a double).
const origin = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** Now, in nanoseconds since the epoch (monotonic within this process). */
export function nowNs(): string {
  return String(origin + process.hrtime.bigint());
}

/** Nanoseconds since the epoch of a time in milliseconds. */
export const msToNs = (ms: number): string => String(BigInt(Math.round(ms)) * 1_000_000n);
