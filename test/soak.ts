// A soak of one store: several clients at once, some through the CLI and some
// through the Engine API (`system service`), doing run/exec/commit/load/rmi,
// volume and network work over and over, each cleaning up after itself. Then
// nothing may be left: `system check` reports nothing, every image saves whole,
// and the host holds no more mounts, veths, rules, namespace files, monitor
// processes or service descriptors than before the clients started.
//
// test/integration/soak.test.ts runs it for a bounded number of rounds in the
// suite; tools/soak.ts runs it for minutes (the nightly form: 8 clients, 10 minutes).
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startService, type ApiService, type TestEnv } from './helpers';
import { testSlot } from '../src/network/test-slot';

export interface SoakOptions {
  clients: number;
  /** Rounds per client; or, with `minutes`, as many as fit in that time. */
  rounds?: number;
  minutes?: number;
  log?: (line: string) => void;
}

/** What the host holds of one store and its test slot, as sorted lists (compared before and after). */
export interface HostState {
  mounts: string[];
  veths: string[];
  rules: string[];
  netns: string[];
  monitors: string[];
  serviceFds: string[];
}

export interface SoakReport {
  rounds: number;
  operations: number;
  failures: string[];
  check: { code: number; stdout: string; stderr: string };
  brokenImages: string[];
  before: HostState;
  after: HostState;
}

const sorted = (a: string[]) => [...a].sort();

/** What `after` holds beyond `before`, kind by kind (counted: two sockets where there was one is one left). */
export function leftover(before: HostState, after: HostState): Partial<HostState> {
  const out: Partial<HostState> = {};
  for (const key of Object.keys(after) as Array<keyof HostState>) {
    const pool = [...before[key]];
    const extra = after[key].filter((x) => {
      const i = pool.indexOf(x);
      if (i < 0) return true;
      pool.splice(i, 1);
      return false;
    });
    if (extra.length) out[key] = extra;
  }
  return out;
}

/** The host end of every veth on this slot's bridges. */
function slotVeths(): string[] {
  const stem = `stw${testSlot()?.tag ?? ''}-`;
  const out: string[] = [];
  for (const link of fs.readdirSync('/sys/class/net')) {
    if (!link.startsWith(stem)) continue;
    const brif = path.join('/sys/class/net', link, 'brif');
    if (fs.existsSync(brif)) out.push(...fs.readdirSync(brif).map((v) => `${link}:${v}`));
  }
  return out;
}

function slotRules(): string[] {
  const slot = testSlot();
  if (!slot) return [];
  const stems = [`stw${slot.tag}-`, `STW${slot.tag.toUpperCase()}-`];
  const pool = slot.pool.split('.').slice(0, 2).join('.') + '.';
  const out: string[] = [];
  for (const table of ['filter', 'nat']) {
    for (const line of spawnSync('iptables', ['-w', '-t', table, '-S'], { encoding: 'utf8' }).stdout.split('\n')) {
      if (stems.some((s) => line.includes(s)) || line.includes(pool)) out.push(`${table}: ${line}`);
    }
  }
  return out;
}

/** conmon processes and network DNS resolvers (`system dns`) of this store (their command lines name its run root). */
function monitors(env: TestEnv): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmd: string;
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const monitor = cmd.startsWith('conmon\0') || cmd.includes('/conmon\0');
    const resolver = cmd.includes('\0system\0dns\0');
    if ((monitor || resolver) && cmd.includes(env.runroot)) out.push(pid);
  }
  return out;
}

function fdTargets(pid: number | undefined): string[] {
  if (!pid) return [];
  const dir = `/proc/${pid}/fd`;
  const out: string[] = [];
  for (const fd of fs.readdirSync(dir)) {
    try {
      // sockets and pipes by kind only: their inode numbers change with every connection
      out.push(fs.readlinkSync(path.join(dir, fd)).replace(/^(socket|pipe|anon_inode):.*/, '$1'));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

export function hostState(env: TestEnv, servicePid?: number): HostState {
  const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const netnsDir = path.join(env.runroot, 'netns');
  return {
    mounts: sorted(mountinfo.map((l) => l.split(' ')[4]).filter((t) => t?.startsWith(env.dir))),
    veths: sorted(slotVeths()),
    rules: sorted(slotRules()),
    netns: sorted(fs.existsSync(netnsDir) ? fs.readdirSync(netnsDir) : []),
    monitors: monitors(env),
    serviceFds: sorted(fdTargets(servicePid)),
  };
}

type Step = () => Promise<unknown>;

/** One CLI client's round: every object it makes is its own (names carry client and round). */
function cliRound(env: TestEnv, archive: string, c: number, r: number): Step[] {
  const n = `c${c}r${r}`;
  const expect = async (args: string[], want?: string) => {
    const out = await env.ok(args);
    if (want !== undefined && out !== want)
      throw new Error(`stowage ${args.join(' ')}: ${JSON.stringify(out)}, not ${JSON.stringify(want)}`);
  };
  return [
    () => expect(['network', 'create', `net-${n}`]),
    () => expect(['volume', 'create', `vol-${n}`], `vol-${n}\n`),
    () =>
      expect([
        'run',
        '-d',
        '--name',
        `app-${n}`,
        '--network',
        `net-${n}`,
        '-v',
        `vol-${n}:/data`,
        'busybox',
        'sh',
        '-c',
        `echo ${n} > /mark && sleep 600`,
      ]),
    () => expect(['exec', `app-${n}`, 'sh', '-c', 'while [ ! -e /mark ]; do sleep 0.1; done; cat /mark'], `${n}\n`),
    () => expect(['exec', `app-${n}`, 'sh', '-c', `echo kept > /data/file`]),
    () => expect(['network', 'disconnect', `net-${n}`, `app-${n}`]),
    () => expect(['network', 'connect', `net-${n}`, `app-${n}`]),
    () => expect(['commit', `app-${n}`, `img-${n}:1`]),
    () => expect(['run', '--rm', '-v', `vol-${n}:/data`, `img-${n}:1`, 'cat', '/mark', '/data/file'], `${n}\nkept\n`),
    () => expect(['rm', '-f', `app-${n}`]),
    () => expect(['rmi', `img-${n}:1`]),
    () => expect(['network', 'rm', `net-${n}`]),
    () => expect(['volume', 'rm', `vol-${n}`]),
    () => expect(['load', '-q', '-i', archive]),
    () => expect(['tag', 'soakbase:1', `loaded-${n}:1`]),
    () => expect(['rmi', `loaded-${n}:1`]),
  ];
}

/** An API client's round, through the service: the same kinds of work as a docker client sends them. */
function apiRound(api: ApiService, c: number, r: number): Step[] {
  const n = `c${c}r${r}`;
  const call = async (method: string, url: string, body?: unknown, want = [200, 201, 204]) => {
    const res = await api.request(method, `/v1.41${url}`, body === undefined ? undefined : JSON.stringify(body));
    if (!want.includes(res.status)) throw new Error(`${method} ${url}: ${res.status} ${res.body}`);
    return /json/.test(String(res.headers['content-type'])) && res.body
      ? (JSON.parse(res.body) as Record<string, unknown>)
      : {};
  };
  let id = '';
  let execId = '';
  return [
    () => call('POST', '/volumes/create', { Name: `vol-${n}` }),
    () => call('POST', '/networks/create', { Name: `net-${n}` }),
    async () => {
      id = (
        await call('POST', `/containers/create?name=app-${n}`, {
          Image: 'busybox',
          Cmd: ['sh', '-c', `echo ${n} > /data/mark && sleep 600`],
          HostConfig: { Binds: [`vol-${n}:/data`], NetworkMode: `net-${n}` },
        })
      ).Id as string;
    },
    () => call('POST', `/containers/${id}/start`),
    async () => {
      execId = (
        await call('POST', `/containers/${id}/exec`, {
          Cmd: ['sh', '-c', 'while [ ! -e /data/mark ]; do sleep 0.1; done'],
        })
      ).Id as string;
    },
    () => call('POST', `/exec/${execId}/start`, { Detach: false }),
    () => call('GET', `/containers/${id}/json`),
    () => call('GET', `/containers/${id}/archive?path=/data/mark`),
    () => call('POST', `/commit?container=${id}&repo=apiimg-${n}&tag=1`),
    () => call('DELETE', `/containers/${id}?force=1`),
    () => call('DELETE', `/images/apiimg-${n}:1`),
    () => call('DELETE', `/networks/net-${n}`),
    () => call('DELETE', `/volumes/vol-${n}`),
    () => call('GET', '/images/json'),
    () => call('GET', '/containers/json?all=1'),
  ];
}

/**
 * Runs the soak on `env` (a store holding busybox:latest). Client c works through
 * the API when c % 4 === 3, through the CLI otherwise.
 */
export async function soak(env: TestEnv, opts: SoakOptions): Promise<SoakReport> {
  const log = opts.log ?? (() => {});
  const archive = path.join(env.dir, 'soakbase.tar');
  await env.ok(['tag', 'busybox:latest', 'soakbase:1']);
  await env.ok(['save', '-o', archive, 'soakbase:1']);
  const api = await startService(env);
  const failures: string[] = [];
  let operations = 0;
  let rounds = 0;
  try {
    // warm up: the default bridge, its rules and what the service opens once (its network state
    // database, worker threads) exist before the snapshot
    await env.ok(['run', '--rm', 'busybox', 'true']);
    for (const step of apiRound(api, opts.clients, 0)) await step();
    const servicePid = api.pid;
    const before = hostState(env, servicePid);
    const deadline = opts.minutes ? Date.now() + opts.minutes * 60_000 : Infinity;
    const more = (r: number) => (opts.minutes ? Date.now() < deadline : r < (opts.rounds ?? 1));
    await Promise.all(
      Array.from({ length: opts.clients }, async (_, c) => {
        for (let r = 0; more(r); r++) {
          const steps = c % 4 === 3 ? apiRound(api, c, r) : cliRound(env, archive, c, r);
          for (const step of steps) {
            try {
              await step();
              operations++;
            } catch (e) {
              failures.push(`client ${c} round ${r}: ${(e as Error).message}`);
              break; // the rest of the round depends on this step
            }
          }
          rounds++;
          log(`client ${c} round ${r} done (${operations} operations, ${failures.length} failures)`);
        }
      }),
    );
    const check = await env.run(['system', 'check']);
    const brokenImages: string[] = [];
    // whole: every layer of every image read back from disk into an archive
    const saved = path.join(env.dir, 'soak-check.tar');
    for (const img of new Set((await env.ok(['images', '-q', '--no-trunc'])).split('\n').filter(Boolean))) {
      const r = await env.run(['save', '-o', saved, img]);
      if (r.code !== 0) brokenImages.push(`${img}: ${r.stderr.trim()}`);
      fs.rmSync(saved, { force: true });
    }
    // containers that failed halfway are not a leak of the engine's: take them away before comparing
    const left = (await env.ok(['ps', '-aq'])).split('\n').filter(Boolean);
    if (left.length) {
      failures.push(`containers left by failed rounds: ${left.length}`);
      await env.run(['rm', '-f', ...left]);
    }
    return {
      rounds,
      operations,
      failures,
      check: { code: check.code, stdout: check.stdout, stderr: check.stderr },
      brokenImages,
      before,
      after: hostState(env, servicePid),
    };
  } finally {
    await api.stop();
  }
}
