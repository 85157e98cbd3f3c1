// The resolver process's own small bundle (dist/stowage-dns.js): the argv of
// `stowage --root R --runroot RR system dns NETWORK-ID` served without the whole
// CLI loaded (a resolver runs per network for as long as the network has containers).
import { serveResolverProcess } from './dns-server';

function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function main(argv: readonly string[]): void {
  const root = option(argv, '--root');
  const runroot = option(argv, '--runroot');
  const [system, dns, networkId] = argv.slice(-3);
  if (!root || !runroot || system !== 'system' || dns !== 'dns') {
    process.stderr.write('usage: stowage-dns --root ROOT --runroot RUNROOT system dns NETWORK-ID\n');
    process.exitCode = 2;
    return;
  }
  void serveResolverProcess(root, runroot, networkId);
}

if (require.main === module) main(process.argv.slice(2));
