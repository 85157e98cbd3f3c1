// Where persistent network namespaces are (netns.ts makes and removes them).
import path from 'node:path';

export function netnsDir(runroot: string): string {
  return path.join(runroot, 'netns');
}

export function netnsPath(runroot: string, name: string): string {
  return path.join(netnsDir(runroot), name);
}
