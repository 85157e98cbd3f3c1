// The files conmon keeps for a container (see conmon.ts): where they are, and
// reading the exit code it writes. Only node:fs and node:path: the read side of
// containers (engine/container-reads.ts) loads this without conmon's or runc's code.
import fs from 'node:fs';
import path from 'node:path';

export interface ContainerPaths {
  /** the OCI bundle: has config.json; conmon puts attach, ctl, winsz and oci-log here */
  bundle: string;
  /** conmon writes <exitDir>/<id> with the exit code */
  exitDir: string;
  /** conmon writes <persistDir>/exit (and oom) */
  persistDir: string;
  /** k8s-file log */
  logPath: string;
  /** the container's pid, written by runc */
  pidFile: string;
  /** conmon's pid, written by conmon */
  conmonPidFile: string;
  /** always <bundle>/attach (conmon --full-attach) */
  attachSocket: string;
  /** always <bundle>/ctl */
  ctlFifo: string;
  /** always <bundle>/winsz */
  winszFifo: string;
}

/** The paths of a container whose bundle (and run directory) is `bundle`. */
export function containerPaths(
  bundle: string,
  opts: { exitDir?: string; persistDir?: string; logPath?: string } = {},
): ContainerPaths {
  return {
    bundle,
    exitDir: opts.exitDir ?? path.join(bundle, 'exits'),
    persistDir: opts.persistDir ?? path.join(bundle, 'persist'),
    logPath: opts.logPath ?? path.join(bundle, 'ctr.log'),
    pidFile: path.join(bundle, 'pidfile'),
    conmonPidFile: path.join(bundle, 'conmon.pid'),
    attachSocket: path.join(bundle, 'attach'),
    ctlFifo: path.join(bundle, 'ctl'),
    winszFifo: path.join(bundle, 'winsz'),
  };
}

/** A file's text; empty when it cannot be read. */
export const readText = (p: string): string => {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    // a file conmon or runc did not write (or the process is gone): read as empty
    return '';
  }
};

/**
 * The container's exit code as conmon recorded it (<exitDir>/<id>, else
 * <persistDir>/exit); undefined when it has not exited (or conmon was not there
 * to see it). -1: conmon could not tell (e.g. its --timeout killed it).
 */
export function readExitCode(paths: ContainerPaths, id: string): number | undefined {
  for (const p of [path.join(paths.exitDir, id), path.join(paths.persistDir, 'exit')]) {
    const t = readText(p).trim();
    if (t && /^-?\d+$/.test(t)) return Number(t);
  }
  return undefined;
}
