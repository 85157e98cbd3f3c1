// The few iptables operations stowage does itself (the CNI plugins do the rest):
// removing rules the plugins cannot remove in some situations.
import { createHash } from 'node:crypto';
import { capture, type Captured } from '../util/capture';
import { inNetworkHost } from './host-netns';

/** Runs a program; one that cannot start gives code 127 and the reason as stderr. */
export function run(cmd: string, args: readonly string[], input?: string): Promise<Captured> {
  const [file, argv] = inNetworkHost(cmd, args);
  return capture(file, argv, { input }).catch((err: unknown) => ({
    code: 127,
    stdout: '',
    stderr: (err as Error).message,
  }));
}

/** Splits one `iptables -S` line into arguments (double quotes, backslash escapes). */
export function splitRule(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '\\' && i + 1 < line.length) cur += line[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') {
      quoted = true;
      inWord = true;
    } else if (c === ' ') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** The chain name the CNI plugins derive from a network name and container ID (pkg/utils FormatChainName). */
export function cniChainName(network: string, containerId: string, prefix = ''): string {
  const hash = createHash('sha512')
    .update(network + containerId)
    .digest('hex');
  return `CNI-${prefix}${hash}`.slice(0, 28);
}

/**
 * Deletes every rule of `table` that `match` selects, then flushes and deletes
 * `chains` if they exist. One `iptables -S` when there is nothing to do.
 */
export async function deleteRules(
  table: string,
  match: (args: string[]) => boolean,
  chains: readonly string[] = [],
): Promise<number> {
  const listed = await run('iptables', ['-w', '-t', table, '-S']);
  if (listed.code !== 0) return 0;
  const existing = new Set<string>();
  const victims: string[][] = [];
  for (const line of listed.stdout.split('\n')) {
    const args = splitRule(line);
    if (args[0] === '-N') existing.add(args[1]);
    if (args[0] === '-A' && match(args)) victims.push(args);
  }
  let n = 0;
  for (const args of victims) {
    const r = await run('iptables', ['-w', '-t', table, '-D', ...args.slice(1)]);
    if (r.code === 0) n++;
  }
  for (const chain of chains) {
    if (!existing.has(chain)) continue;
    await run('iptables', ['-w', '-t', table, '-F', chain]);
    await run('iptables', ['-w', '-t', table, '-X', chain]);
    n++;
  }
  return n;
}
