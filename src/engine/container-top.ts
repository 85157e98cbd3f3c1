// `top`: a container's processes as the host's ps shows them (moby's
// ContainerTop: run ps with the given arguments, keep the container's PIDs).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { conflict, internal } from '../errdefs';
import { runRunc } from '../runtime/runc';
import type { ContainerService } from './containers';

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

export async function containerTop(svc: ContainerService, idOrName: string, psArgs: string[]): Promise<TopResult> {
  const c = svc.find(idOrName);
  if (c.state.Status !== 'running' && c.state.Status !== 'paused')
    throw conflict(`Container ${c.record.id} is not running`);
  const r = await runRunc(svc.runtime(c.record.hostConfig.Runtime || undefined), [
    'ps',
    '--format',
    'json',
    c.record.id,
  ]);
  const pids = new Set((JSON.parse(r.stdout || '[]') as number[]).map(String));
  let out: string;
  try {
    out = (await promisify(execFile)('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' })).stdout;
  } catch (e) {
    throw internal(`ps: ${((e as { stderr?: string }).stderr ?? (e as Error).message).trim()}`);
  }
  const lines = out.trimEnd().split('\n');
  const titles = lines[0].trim().split(/\s+/);
  const pidCol = titles.indexOf('PID');
  if (pidCol < 0) throw internal(`Couldn't find PID field in ps output`);
  const processes = lines.slice(1).map((l) => {
    const cells = l.trim().split(/\s+/);
    return [...cells.slice(0, titles.length - 1), cells.slice(titles.length - 1).join(' ')];
  });
  return { Titles: titles, Processes: processes.filter((cells) => pids.has(cells[pidCol])) };
}
