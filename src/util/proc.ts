// Process identity that survives PID reuse: pid plus its start time.
import fs from 'node:fs';

export interface ProcessId {
  pid: number;
  start: string;
}

/** Start time (clock ticks since boot) of a process, or undefined if it is gone (or a zombie). */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // the command name may contain spaces and parentheses: fields follow the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    // the process is gone (its /proc entry vanished): no start time to give
    return undefined;
  }
}

let self: ProcessId | undefined;
export function selfId(): ProcessId {
  self ??= { pid: process.pid, start: processStart(process.pid) ?? '0' };
  return self;
}

export function isAlive(p: ProcessId): boolean {
  return processStart(p.pid) === p.start;
}
