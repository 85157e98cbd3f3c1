// What a start needs from other containers and the host: the IPC and PID
// namespaces it joins (--ipc/--pid container:X, host), its /dev/shm (a tmpfs
// of its own that others may join with --ipc shareable), and the variables of
// its legacy links. Docker's checks and words (daemon/container_operations_unix.go).
import fs from 'node:fs';
import path from 'node:path';
import type { Container } from '../container/store';
import { sharedWith } from '../container/namespace-modes';
import { linkEnv } from '../container/links';
import { conflict, failedPrecondition, invalidArgument, isNotFound, notFound } from '../errdefs';
import { native } from '../native';
import type { ContainerHost } from './container-host';
import type { StartContext } from './container-spec';

const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_NOEXEC = 8;

/** Where a shareable container's /dev/shm lives on the host. */
export const shmDir = (svc: ContainerHost, id: string) => path.join(svc.containerDir(id), 'shm');

/** Docker's checkContainer(containerIsRunning, containerIsNotRestarting), its words prefixed with `what`. */
function runningDonor(svc: ContainerHost, ref: string, what: string, stateToo = true): Container {
  let d: Container;
  try {
    d = svc.find(ref);
  } catch (e) {
    if (isNotFound(e)) throw notFound(`${what}: ${(e as Error).message}`);
    throw e;
  }
  const prefix = stateToo ? `${what}: ` : ''; // (--pid names only a missing container so)
  if (d.state.Status === 'restarting')
    throw conflict(`${prefix}Container ${d.record.id} is restarting, wait until the container is running`);
  if (d.state.Status !== 'running' && d.state.Status !== 'paused')
    throw conflict(`${prefix}container ${d.record.id} is not running`);
  return d;
}

/** Shared namespaces, /dev/shm and link variables of a start; a shareable /dev/shm is mounted here. */
export function startContext(svc: ContainerHost, c: Container): StartContext {
  const hc = c.record.hostConfig;
  const shareNamespaces: NonNullable<StartContext['shareNamespaces']> = {};
  const ctx: StartContext = { shareNamespaces };
  const ipc = hc.IpcMode || 'private';
  const ipcDonor = sharedWith(ipc);
  if (ipcDonor !== undefined) {
    const what = `can't join IPC of container ${ipcDonor}`;
    const d = runningDonor(svc, ipcDonor, what);
    const shm = shmDir(svc, d.record.id);
    if (!fs.statSync(shm, { throwIfNoEntry: false })?.isDirectory()) {
      throw invalidArgument(`${what}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
    }
    shareNamespaces.ipc = `/proc/${d.state.Pid}/ns/ipc`;
    ctx.shm = { bind: shm };
  } else if (ipc === 'host') {
    if (!fs.existsSync('/dev/shm')) throw failedPrecondition('/dev/shm is not mounted, but must be for --ipc=host');
    shareNamespaces.ipc = 'host';
    ctx.shm = { bind: '/dev/shm' };
  } else if (ipc === 'none') {
    ctx.shm = 'none';
  } else if (ipc === 'shareable' && !c.record.mounts.some((m) => m.Destination === '/dev/shm')) {
    ctx.shm = { bind: mountShm(svc, c) };
  }
  const pidDonor = sharedWith(hc.PidMode);
  if (pidDonor !== undefined) {
    const d = runningDonor(svc, pidDonor, `cannot join PID of a non running container: ${pidDonor}`, false);
    shareNamespaces.pid = `/proc/${d.state.Pid}/ns/pid`;
  } else if (hc.PidMode === 'host') {
    shareNamespaces.pid = 'host';
  }
  if (hc.UTSMode === 'host') shareNamespaces.uts = 'host';
  const netDonor = sharedWith(hc.NetworkMode);
  if (netDonor !== undefined) {
    // one missing or not running is refused by the network's set-up, in Docker's words
    const d = svc.find(netDonor);
    const { Hostname, Domainname } = d.record.config;
    ctx.networkDonor = { dir: svc.containerDir(d.record.id), hostname: Hostname ?? '', domainname: Domainname };
  }
  ctx.linkEnv = legacyLinkEnv(svc, c);
  return ctx;
}

/** The variables of the container's legacy links; each linked container must run on the default bridge. */
function legacyLinkEnv(svc: ContainerHost, c: Container): string[] {
  const env: string[] = [];
  for (const link of c.record.links ?? []) {
    const child = svc.records.get(link.id);
    if (!child) continue; // removed since: Docker drops the link with it
    const name = `/${c.record.name}/${link.alias}`;
    const refreshed = svc.find(child.record.id);
    if (refreshed.state.Status !== 'running' && refreshed.state.Status !== 'paused') {
      throw conflict(`Cannot link to a non running container: /${child.record.name} AS ${name}`);
    }
    const ip = refreshed.state.Networks?.bridge?.IPAddress;
    if (!ip)
      throw invalidArgument(`Cannot link to /${child.record.name}, as it does not belong to the default network`);
    env.push(
      ...linkEnv({
        name,
        childIp: ip,
        childEnv: refreshed.record.config.Env ?? [],
        exposed: refreshed.record.config.ExposedPorts ?? {},
      }),
    );
  }
  return env;
}

/** A tmpfs for the container's /dev/shm that other containers can join (Docker's ShmPath). */
function mountShm(svc: ContainerHost, c: Container): string {
  const dir = shmDir(svc, c.record.id);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  releaseShm(svc, c.record.id); // a mount left by a run that was not released
  native.mount('shm', dir, 'tmpfs', MS_NOEXEC | MS_NOSUID | MS_NODEV, `mode=1777,size=${c.record.hostConfig.ShmSize}`);
  return dir;
}

/** Unmounts a shareable container's /dev/shm (its end); the directory stays, as Docker's. */
export function releaseShm(svc: ContainerHost, id: string): void {
  const dir = shmDir(svc, id);
  if (!fs.existsSync(dir)) return;
  try {
    native.umount2(dir, 2 /* MNT_DETACH */);
  } catch {
    // not mounted
  }
}
