// Version and Status: what the runtime is and whether it can run pods (runc and
// conmon present) and give them a network (the CNI plugins pods need present).
import fs from 'node:fs';
import path from 'node:path';
import { resolveExecutable } from '../runtime/runc';
import { REPO_ROOT } from '../util/paths';
import type { CriConfig } from './config';

/** The CRI API version served (the kubelet asks for "v1"). */
export const CRI_API_VERSION = 'v1';
/** CRI's RuntimeService version (always 0.1.0 for v1 runtimes). */
export const KUBE_RUNTIME_API_VERSION = '0.1.0';
export const CNI_PLUGINS = ['bridge', 'host-local', 'portmap', 'loopback'];

export function stowageVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // no readable package.json (a packaged install): report an unknown version
    return 'unknown';
  }
}

export function versionInfo() {
  return {
    version: KUBE_RUNTIME_API_VERSION,
    runtime_name: 'stowage',
    runtime_version: stowageVersion(),
    runtime_api_version: CRI_API_VERSION,
  };
}

interface Condition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

function check(type: string, problem: string | undefined, reason: string): Condition {
  return problem ? { type, status: false, reason, message: problem } : { type, status: true, reason: '', message: '' };
}

export function runtimeConditions(config: CriConfig, runtime: string): Condition[] {
  let runtimeProblem: string | undefined;
  try {
    resolveExecutable(runtime);
    resolveExecutable('conmon');
  } catch (e) {
    runtimeProblem = (e as Error).message;
  }
  const missing = CNI_PLUGINS.filter((p) => !config.cni.binDirs.some((d) => isExecutable(path.join(d, p))));
  const networkProblem = missing.length
    ? `CNI plugins not found in ${config.cni.binDirs.join(':')}: ${missing.join(', ')}`
    : undefined;
  return [
    check('RuntimeReady', runtimeProblem, 'RuntimeNotReady'),
    check('NetworkReady', networkProblem, 'NetworkPluginNotReady'),
  ];
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    // missing or not executable: both mean unusable here
    return false;
  }
}
