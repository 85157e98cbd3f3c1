// --ipc, --pid, --uts and --userns: which namespaces a container shares, as
// Docker's IpcMode/PidMode/UTSMode/UsernsMode read them.
import { invalidArgument } from '../errdefs';

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
