// The NetworkBackend contract (src/network/backend-contract.ts) on the real
// network layer: NetworkManager with bridges, CNI plugins and iptables, as root,
// in this test run's own address pool and names (test-slot.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { networkBackendContract } from '../../src/network/backend-contract';
import { NetworkManager } from '../../src/network/manager';
import { createNetns, netnsDir, removeNetns } from '../../src/network/netns';
import { testSlot } from '../../src/network/test-slot';

testSlot();
const skip =
  process.getuid?.() !== 0
    ? 'needs root'
    : !fs.existsSync('/usr/lib/cni/bridge')
      ? 'needs containernetworking-plugins'
      : false;

networkBackendContract(
  'NetworkManager',
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-netcontract-'));
    const runroot = path.join(dir, 'run');
    const manager = new NetworkManager({ root: path.join(dir, 'root'), runroot });
    const made: string[] = [];
    return {
      networks: manager,
      netns: async (name) => {
        const ns = await createNetns(runroot, name);
        made.push(ns);
        return ns;
      },
      cleanup: async () => {
        for (const a of manager.attachments()) await manager.detachAll(a.containerId, a.netns);
        await manager.destroy();
        manager.close();
        for (const ns of made) await removeNetns(ns);
        spawnSync('umount', ['-R', '-l', netnsDir(runroot)], { stdio: 'ignore' }); // the shared-propagation mount
        fs.rmSync(netnsDir(runroot), { recursive: true, force: true });
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { skip },
);
