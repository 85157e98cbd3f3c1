// What a running container needs kept without a daemon: its healthcheck and the
// rotation of its log (max-file > 1). A start of such a container starts a small
// keeper beside it (native/keeper.c, build/Release/stowage-keeper): it waits out
// the intervals, runs each probe with `runc exec` (the process file written
// here) and records the results in the store, and moves the log files along when
// conmon cuts the log at max-size; it ends with the container's run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { probeCommand, probeTimings, type HealthConfig } from '../container/healthcheck';
import type { Container } from '../container/store';
import type { ContainerRecord, HealthState } from '../container/types';
import { internal } from '../errdefs';
import { resolveExecutable } from '../runtime/runc';
import { specJson } from '../runtime/spec';
import { goDuration } from '../util/go-duration';
import { KEEPER_PATH } from '../util/paths';
import { logRotation } from '../container/log-config';
import type { ContainerHost } from './container-host';
import { execProcess } from './exec-process';

const healthOf = (r: ContainerRecord) => r.config.Healthcheck as HealthConfig | undefined;

/** Whether starts of this container run a healthcheck (a probe to run: not NONE, not empty). */
export function hasProbe(r: ContainerRecord): boolean {
  return probeCommand(healthOf(r), r.config.Shell) !== undefined;
}

/** A start's health (Docker's initHealthMonitor): starting, no failures, the last run's log kept. */
export function healthAtStart(r: ContainerRecord, last: HealthState | undefined): HealthState | undefined {
  if (!hasProbe(r)) return last;
  return { Status: 'starting', FailingStreak: 0, Log: last?.Log ?? [] };
}

/** Whether the log rotates through files (max-size with max-file > 1: the keeper rotates them). */
function rotatesFiles(r: ContainerRecord): boolean {
  const rot = logRotation(r.hostConfig.LogConfig);
  return rot.maxSize !== undefined && rot.maxFiles > 1;
}

/** A start cannot go ahead without the keeper when it needs one (a build without native/keeper.c). */
export function checkKeeper(r: ContainerRecord): void {
  if ((hasProbe(r) || rotatesFiles(r)) && !fs.existsSync(KEEPER_PATH))
    throw internal(`the container keeper is missing: ${KEEPER_PATH} (npm run build)`);
}

/**
 * conmon's part of the log options: with max-size alone (max-file 1) conmon
 * itself starts the log afresh when it is full, as json-file truncates it; with
 * more files the keeper moves them along.
 */
export function conmonLogSizeMax(r: ContainerRecord): number | undefined {
  const rot = logRotation(r.hostConfig.LogConfig);
  return rot.maxFiles === 1 ? rot.maxSize : undefined;
}

/** nanoseconds since the epoch of a Go time as stowage records it ("...T01:02:03.123456789Z") */
function goTimeNanos(t: string): bigint {
  const m = /^(.{19})(?:\.(\d{1,9}))?Z$/.exec(t);
  if (!m) return BigInt(Date.parse(t)) * 1_000_000n;
  return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/**
 * Starts the keeper for the run `runId` of a container that has just started,
 * when it has a healthcheck or a log rotated through files. The probe is the
 * container's own process (user, env, directory, capabilities) with the probe's
 * command and no terminal.
 */
export function startKeeper(svc: ContainerHost, c: Container, runId: string, opts: { logged?: boolean } = {}): void {
  const { record, state } = c;
  const cmd = probeCommand(healthOf(record), record.config.Shell);
  const rotate = !!opts.logged && rotatesFiles(record);
  if ((!cmd && !rotate) || !(state.Pid > 0)) return;
  const args = ['--db', svc.dbPath, '--id', record.id, '--run', runId, '--pid', String(state.Pid)];
  if (cmd) args.push(...probeArgs(svc, c, cmd));
  if (rotate) {
    const rot = logRotation(record.hostConfig.LogConfig);
    const paths = svc.paths(record.id);
    args.push(
      '--rotate-log',
      paths.logPath,
      '--log-size',
      String(rot.maxSize),
      '--log-files',
      String(rot.maxFiles),
      '--log-ctl',
      paths.ctlFifo,
    );
  }
  // the keeper forks and detaches at once: this returns in a few milliseconds
  const r = spawnSync(KEEPER_PATH, args, { stdio: 'ignore', timeout: 10_000 });
  if (r.error || r.status !== 0)
    throw internal(`starting the container keeper: ${r.error?.message ?? `exit status ${r.status}`}`);
}

/** The keeper's healthcheck arguments; the probe's process file is written into the bundle. */
function probeArgs(svc: ContainerHost, c: Container, cmd: string[]): string[] {
  const { record, state } = c;
  const t = probeTimings(healthOf(record) ?? {}); // (there is one: the caller found its probe)
  const bundle = svc.paths(record.id).bundle;
  const proc = execProcess(svc, c, { cmd, tty: false, env: [] });
  // the probe's environment is the container's without a terminal (Docker's CreateDaemonEnvironment(false))
  if (record.config.Tty && !(record.config.Env ?? []).some((e) => e.startsWith('TERM=')))
    proc.env = proc.env.filter((e) => e !== 'TERM=xterm');
  delete proc.consoleSize;
  const processFile = path.join(bundle, 'healthcheck.json');
  fs.writeFileSync(processFile, specJson(proc));
  const rt = svc.runtime(record.hostConfig.Runtime || undefined);
  return [
    '--process',
    processFile,
    '--runtime',
    resolveExecutable(rt.runtimePath),
    '--runtime-root',
    rt.runtimeRoot,
    '--pid-file',
    path.join(bundle, 'healthcheck.pid'),
    '--runc-log',
    path.join(bundle, 'healthcheck.log'),
    '--started',
    String(goTimeNanos(state.StartedAt)),
    '--interval',
    String(t.interval),
    '--timeout',
    String(t.timeout),
    '--start-period',
    String(t.startPeriod),
    '--retries',
    String(t.retries),
    // Docker's exec events name the probe as "ENTRYPOINT ARGS..." (a space even without args)
    '--exec-text',
    `${cmd[0]} ${cmd.slice(1).join(' ')}`,
    '--timeout-text',
    goDuration(t.timeout),
  ];
}
