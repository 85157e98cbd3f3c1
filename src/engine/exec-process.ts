// The process an `exec` runs: the container's own (config.json) with the
// command, terminal, environment, directory, user and privileges asked for.
// Shared by the CLI's exec and the Engine API's exec.
import fs from 'node:fs';
import path from 'node:path';
import { conflict, failedPrecondition } from '../errdefs';
import type { Container } from '../container/store';
import type { OciProcess } from '../runtime/exec';
import { ALL_CAPS, resolveUser, type OciSpec } from '../runtime/spec';
import type { ContainerHost } from './container-host';

export interface ExecRequest {
  cmd: string[];
  tty: boolean;
  /** KEY=VALUE entries, over the container's */
  env: string[];
  workdir?: string;
  user?: string;
  privileged?: boolean;
}

/** Docker's refusals of an exec in a container that is not running. */
export function checkExecutable(c: Container, name: string): void {
  if (c.state.Status === 'paused') throw conflict(`Container ${name} is paused, unpause the container before exec`);
  if (c.state.Status === 'restarting')
    throw conflict(`Container ${c.record.id} is restarting, wait until the container is running`);
  if (c.state.Status !== 'running') throw conflict(`Container ${c.record.id} is not running`);
  // runc 1.1 joins the container's user namespace first, and then may join only a
  // network namespace that it owns: a keep-id container's own is made so
  // (ContainerNetworking), another container's is not (runc 1.2 retries the join)
  const mode = c.record.hostConfig.NetworkMode;
  if (c.record.hostConfig.UsernsMode === 'keep-id' && mode.startsWith('container:')) {
    throw failedPrecondition(
      `cannot exec in container ${name}: exec into a --userns=keep-id container with --network=${mode} is not supported with runc 1.1 (it cannot join that network namespace after the container's user namespace)`,
    );
  }
}

/** The process to run; a user that cannot be resolved throws (Docker reports it as the exec's output, exit 126). */
export function execProcess(svc: ContainerHost, c: Container, req: ExecRequest): OciProcess {
  const spec = JSON.parse(fs.readFileSync(path.join(svc.paths(c.record.id).bundle, 'config.json'), 'utf8')) as OciSpec;
  const proc: OciProcess = structuredClone(spec.process);
  proc.args = req.cmd;
  proc.terminal = req.tty;
  for (const e of req.env) {
    const key = e.split('=')[0];
    proc.env = [...proc.env.filter((x) => x.split('=')[0] !== key), e];
  }
  if (req.tty && !proc.env.some((e) => e.startsWith('TERM='))) proc.env.push('TERM=xterm');
  if (req.workdir) proc.cwd = req.workdir;
  if (req.user) {
    const u = resolveUser(svc.rootfs(c.record.id).merged, req.user);
    proc.user = { uid: u.uid, gid: u.gid, additionalGids: u.additionalGids };
  }
  if (req.privileged) proc.capabilities = { bounding: ALL_CAPS, effective: ALL_CAPS, permitted: ALL_CAPS };
  return proc;
}
