// A private, real registry (Debian's docker-registry, the distribution project's
// registry 2.8) on 127.0.0.1 and a free port, storing under a temporary directory.
// Optionally behind TLS (a certificate of the test's CA; client certificates
// required when clientCas are given), with an htpasswd file (bcrypt, written by
// apache2-utils' htpasswd) or a token server (test/reference/token-server.ts).
//
//   const reg = await startRegistry();
//   after(() => reg.stop());
//   await env.ok(['push', `${reg.host}/busybox:1`]);
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers';
import type { Issued } from './tls';

export interface Registry {
  /** host:port, as image names use it */
  host: string;
  dir: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** users and passwords of an htpasswd file (basic authentication) */
  htpasswd?: Record<string, string>;
  /** serve HTTPS with this certificate; with clientCas, require a client certificate signed by one of them */
  tls?: { server: Issued; clientCas?: string[] };
  /** bearer tokens from a token server, signed by a certificate of `rootCertBundle` */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
}

function config(dir: string, port: number, o: RegistryOptions): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${dir}/data`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  headers:',
    `    X-Stowage-Test-Registry: [${path.basename(dir)}]`,
  ];
  if (o.tls) {
    lines.push('  tls:', `    certificate: ${o.tls.server.cert}`, `    key: ${o.tls.server.key}`);
    if (o.tls.clientCas?.length) lines.push('    clientcas:', ...o.tls.clientCas.map((c) => `      - ${c}`));
  }
  if (o.htpasswd) {
    const file = path.join(dir, 'htpasswd');
    const entries = Object.entries(o.htpasswd).map(([u, p]) =>
      execFileSync('htpasswd', ['-nbB', u, p], { encoding: 'utf8' }).trim(),
    );
    fs.writeFileSync(file, `${entries.join('\n')}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: stowage-test', `    path: ${file}`);
  } else if (o.token) {
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${o.token.realm}`,
      `    service: ${o.token.service}`,
      `    issuer: ${o.token.issuer}`,
      `    rootcertbundle: ${o.token.rootCertBundle}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Whether this very registry answers /v2/ (401 included: it wants credentials), not another that took the port first. */
function answers(host: string, dir: string, o: RegistryOptions): Promise<boolean> {
  if (!o.tls)
    return fetch(`http://${host}/v2/`).then(
      (r) => (r.status === 200 || r.status === 401) && r.headers.get('x-stowage-test-registry') === path.basename(dir),
      () => false,
    );
  return new Promise((resolve) => {
    const req = https.get(
      { host: '127.0.0.1', port: Number(host.split(':')[1]), path: '/v2/', rejectUnauthorized: false },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200 || res.statusCode === 401);
      },
    );
    // with clientCas the handshake fails without a certificate: the port answering TLS is enough
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve(
        !!o.tls?.clientCas?.length && /certificate|alert|socket hang up|ECONNRESET/i.test(`${e.code} ${e.message}`),
      ),
    );
  });
}

/**
 * Starts the registry on a port free when picked; another program (another test
 * run on this host) taking it first makes the registry exit, and a new port is tried.
 */
export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (attempt >= 5 || !/address already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(opts: RegistryOptions): Promise<Registry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-registry-'));
  const port = await freePort();
  const file = path.join(dir, 'config.yml');
  fs.writeFileSync(file, config(dir, port, opts));
  const child = spawn('/usr/bin/docker-registry', ['serve', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const host = `127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 100))) {
    if (child.exitCode !== null) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`docker-registry exited: ${stderr}`);
    }
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${host}: ${stderr}`);
    if (await answers(host, dir, opts)) break;
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
