// A private, real registry (Debian's docker-registry, the distribution project's
// registry 2.8) on 127.0.0.1 and a free port, storing under a temporary directory.
//
//   const reg = await startRegistry();
//   after(() => reg.stop());
//   await env.ok(['push', `${reg.host}/busybox:1`]);
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers';

export interface Registry {
  /** host:port, as image names use it */
  host: string;
  dir: string;
  stop(): Promise<void>;
}

/**
 * Starts the registry on a port free when picked; another program (another test
 * run on this host) taking it first makes the registry exit, and a new port is tried.
 */
export async function startRegistry(): Promise<Registry> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce();
    } catch (err) {
      if (attempt >= 5 || !/address already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(): Promise<Registry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-registry-'));
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    [
      'version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${dir}/data`, '  delete:', '    enabled: true',
      'http:', `  addr: 127.0.0.1:${port}`, '  headers:', `    X-Stowage-Test-Registry: [${path.basename(dir)}]`, '',
    ].join('\n'),
  );
  const child = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b));
  const host = `127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 100))) {
    if (child.exitCode !== null) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`docker-registry exited: ${stderr}`);
    }
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${host}: ${stderr}`);
    // this very registry answers (not another one that took the port first)
    const ok = await fetch(`http://${host}/v2/`).then((r) => r.ok && r.headers.get('x-stowage-test-registry') === path.basename(dir), () => false);
    if (ok) break;
  }
  return {
    host,
    dir,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
