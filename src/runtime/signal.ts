// Signal names and numbers as Docker accepts them (kill -s, --stop-signal).
import os from 'node:os';

/** Docker's signal.ParseSignal: a number from 1 to 64, or a name, with or without SIG, in any case (RTMIN+n too). */
export function isSignal(raw: string): boolean {
  if (/^\d+$/.test(raw)) return Number(raw) >= 1 && Number(raw) <= 64;
  const name = raw.toUpperCase().replace(/^SIG/, '');
  if (/^RTM(IN|AX)([+-]\d+)?$/.test(name)) return true;
  return `SIG${name}` in os.constants.signals;
}

/** The signal's number (events name signals by number, as Docker's do); undefined when not a signal. */
export function signalNumber(raw: string): number | undefined {
  if (!isSignal(raw)) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw);
  const name = raw.toUpperCase().replace(/^SIG/, '');
  const rt = /^RTM(IN|AX)([+-]\d+)?$/.exec(name);
  if (rt) return (rt[1] === 'IN' ? 34 : 64) + Number(rt[2] ?? 0);
  return (os.constants.signals as Record<string, number>)[`SIG${name}`];
}
