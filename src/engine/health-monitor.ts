// Healthchecks without a daemon: when a container with a healthcheck starts,
// its State.Health begins as "starting" and a small runner (native/health.c,
// build/Release/stowage-health) is started beside it. The runner waits out the
// intervals, runs each probe with `runc exec` (the process file written here),
// and records the results in the store; it ends with the container's run.
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
import { HEALTH_RUNNER_PATH } from '../util/paths';
import type { ContainerService } from './containers';
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

/** A start cannot go ahead without the runner (a build without native/health.c). */
export function checkRunner(r: ContainerRecord): void {
  if (hasProbe(r) && !fs.existsSync(HEALTH_RUNNER_PATH)) throw internal(`the healthcheck runner is missing: ${HEALTH_RUNNER_PATH} (npm run build)`);
}

/** nanoseconds since the epoch of a Go time as stowage records it ("...T01:02:03.123456789Z") */
function goTimeNanos(t: string): bigint {
  const m = /^(.{19})(?:\.(\d{1,9}))?Z$/.exec(t);
  if (!m) return BigInt(Date.parse(t)) * 1_000_000n;
  return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/**
 * Starts the runner for the run `runId` of a container that has just started
 * (its process `pid`). The probe is the container's own process (user, env,
 * directory, capabilities) with the probe's command and no terminal.
 */
export function startHealthMonitor(svc: ContainerService, c: Container, runId: string): void {
  const { record, state } = c;
  const cmd = probeCommand(healthOf(record), record.config.Shell);
  if (!cmd || !(state.Pid > 0)) return;
  const t = probeTimings(healthOf(record)!);
  const bundle = svc.paths(record.id).bundle;
  const proc = execProcess(svc, c, { cmd, tty: false, env: [] });
  // the probe's environment is the container's without a terminal (Docker's CreateDaemonEnvironment(false))
  if (record.config.Tty && !(record.config.Env ?? []).some((e) => e.startsWith('TERM='))) proc.env = proc.env.filter((e) => e !== 'TERM=xterm');
  delete proc.consoleSize;
  const processFile = path.join(bundle, 'healthcheck.json');
  fs.writeFileSync(processFile, specJson(proc));
  const rt = svc.runtime(record.hostConfig.Runtime || undefined);
  const args = [
    '--db', svc.dbPath,
    '--id', record.id,
    '--run', runId,
    '--pid', String(state.Pid),
    '--runtime', resolveExecutable(rt.runtimePath),
    '--runtime-root', rt.runtimeRoot,
    '--process', processFile,
    '--pid-file', path.join(bundle, 'healthcheck.pid'),
    '--log-file', path.join(bundle, 'healthcheck.log'),
    '--started', String(goTimeNanos(state.StartedAt)),
    '--interval', String(t.interval),
    '--timeout', String(t.timeout),
    '--start-period', String(t.startPeriod),
    '--retries', String(t.retries),
    // Docker's exec events name the probe as "ENTRYPOINT ARGS..." (a space even without args)
    '--exec-text', `${cmd[0]} ${cmd.slice(1).join(' ')}`,
    '--timeout-text', goDuration(t.timeout),
  ];
  // the runner forks and detaches at once: this returns in a few milliseconds
  const r = spawnSync(HEALTH_RUNNER_PATH, args, { stdio: 'ignore', timeout: 10_000 });
  if (r.error || r.status !== 0) throw internal(`starting the healthcheck runner: ${r.error?.message ?? `exit status ${r.status}`}`);
}
