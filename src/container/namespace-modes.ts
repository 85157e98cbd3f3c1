// --network, --ipc, --pid, --uts and --userns: which namespaces a container shares, as
// Docker's NetworkMode/IpcMode/PidMode/UTSMode/UsernsMode read them.
import { invalidArgument } from '../errdefs';
import type { ContainerRecord } from './types';

/** Network modes with no endpoint of the container's own: the host's, none, or another container's namespace. */
export const ownsNoEndpoint = (mode: string) => mode === 'host' || mode === 'none' || mode.startsWith('container:');

/**
 * The networks a container is connected to, its own first: `--network` and then
 * those of `network connect`. None for host, none and container: modes (no endpoint
 * of their own), and none once it was disconnected from all (it then starts with lo only, as Docker's).
 */
export function connectedNetworks(record: ContainerRecord): string[] {
  return ownsNoEndpoint(record.hostConfig.NetworkMode) ? [] : Object.keys(record.networks);
}

/** "container:X" -> X (undefined for any other mode). */
export function sharedWith(mode: string | undefined): string | undefined {
  return mode?.startsWith('container:') ? mode.slice('container:'.length) : undefined;
}

/** IpcMode.Valid(): "" private shareable none host container:X. */
export function validIpcMode(mode: string): boolean {
  return ['', 'private', 'shareable', 'none', 'host'].includes(mode) || mode.startsWith('container:');
}

/** The docker CLI's checks of --pid, --uts and --userns (its own words). */
export function checkModes(m: { pid: string; uts: string; userns: string }): void {
  if (!(m.pid === '' || m.pid === 'host' || (sharedWith(m.pid) ?? '') !== ''))
    throw invalidArgument('--pid: invalid PID mode');
  if (!(m.uts === '' || m.uts === 'host')) throw invalidArgument('--uts: invalid UTS mode');
  // stowage has no user namespaces: "host" is what every container gets
  if (!(m.userns === '' || m.userns === 'host' || m.userns === 'keep-id'))
    throw invalidArgument('--userns: invalid USER mode');
}

/** The daemon's check at start: an unknown --ipc value fails the start, not the create. */
export function checkIpcMode(mode: string): void {
  if (!validIpcMode(mode)) throw invalidArgument(`Invalid IPC mode: ${mode}`);
}
