// Signal names and numbers as Docker accepts them (kill -s, --stop-signal).
import os from 'node:os';

/** Docker's signal.ParseSignal: a number from 1 to 64, or a name, with or without SIG, in any case (RTMIN+n too). */
export function isSignal(raw: string): boolean {
  if (/^\d+$/.test(raw)) return Number(raw) >= 1 && Number(raw) <= 64;
  const name = raw.toUpperCase().replace(/^SIG/, '');
  if (/^RTM(IN|AX)([+-]\d+)?$/.test(name)) return true;
  return `SIG${name}` in os.constants.signals;
}
