// Shared benchmark helpers: timing commands, peak memory, medians, and the
// section of docs/BENCHMARKS.md each benchmark owns.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { randomBytes } from 'node:crypto';

export const REPO = path.resolve(__dirname, '..', '..');
export const CLI = path.join(REPO, 'bin', 'stowage');

// bin/stowage runs the plain build (about 15 ms slower to start) when a bundle is
// older than it, as after `tsc` alone: a benchmark would measure that instead.
{
  const mtime = (f: string) => fs.statSync(path.join(REPO, 'dist', f), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const plain = mtime('src/cli/main.js');
  if (['stowage.js', 'stowage-everyday.js'].some((b) => mtime(b) < plain))
    throw new Error(
      'the CLI bundles are older than the compiled code: run `npm run build` (or `npm run bundle`) first',
    );
}
/** `stowage` as on PATH: the native front end (runs `exec` itself, the rest through CLI). */
export const FRONT_END = path.join(REPO, 'build', 'Release', 'stowage');

export interface Timed {
  seconds: number;
  /** Peak resident memory in KiB of the timed process (GNU time's %M). */
  maxRssKb: number;
  /** CPU time (user + system) of the process and the children it waited for. */
  cpuSeconds: number;
  /**
   * CPU time the hypervisor gave to others meanwhile (steal, all CPUs): this VM's host is
   * shared, and a step that meets its contention takes longer in wall and in CPU time both.
   */
  stealSeconds: number;
  stdout: string;
}

/** The machine's steal time so far, in seconds (/proc/stat, all CPUs). */
export function stealSeconds(): number {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/);
  return Number(cpu[8] ?? 0) / 100; // USER_HZ
}

/** Runs a command under GNU time; fails loudly if it fails. */
export function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, input?: Buffer): Timed {
  const steal = stealSeconds();
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], { env, input, maxBuffer: 1 << 26 });
  const lines = r.stderr.toString().trim().split('\n');
  const [secs, rss, user, sys] = lines[lines.length - 1].split(' ').map(Number);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return {
    seconds: secs,
    maxRssKb: rss,
    cpuSeconds: user + sys,
    stealSeconds: stealSeconds() - steal,
    stdout: r.stdout.toString(),
  };
}

export function sync(): void {
  spawnSync('sync');
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function duBytes(dir: string): number {
  const r = spawnSync('du', ['-sb', dir], { encoding: 'utf8' });
  return Number(r.stdout.split('\t')[0]);
}

/** Replaces the section between <!-- bench:NAME --> markers in docs/BENCHMARKS.md. */
export function writeSection(name: string, body: string): void {
  const file = path.join(REPO, 'docs', 'BENCHMARKS.md');
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const block = `${start}\n${body.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(file, text);
}

export function machine(): string {
  const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
  const mem = Math.round(
    Number(fs.readFileSync('/proc/meminfo', 'utf8').match(/MemTotal:\s*(\d+)/)?.[1] ?? 0) / 1024 / 1024,
  );
  return `${cpu}, ${os.cpus().length} cores, ${mem} GiB, kernel ${os.release()}, node ${process.version}`;
}

/**
 * The 400 MB image of the benchmarks as three layer tarballs (kept in `dir`):
 * 200 files of 1 MB random data, 5,000 small files, 200 more 1 MB files.
 */
export function makeBenchLayers(dir: string): string[] {
  const spec: Array<[string, number, () => number]> = [
    ['big1', 200, () => 1 << 20],
    ['small', 5000, () => 10 + Math.floor(Math.random() * 4000)],
    ['big2', 200, () => 1 << 20],
  ];
  return spec.map(([name, count, size]) => {
    const tar = path.join(dir, `${name}.tar`);
    if (fs.existsSync(tar)) return tar;
    const src = path.join(dir, name);
    fs.mkdirSync(src, { recursive: true });
    for (let i = 0; i < count; i++) fs.writeFileSync(path.join(src, `f${i}`), randomBytes(size()));
    spawnSync('tar', ['-C', src, '-cf', tar, '.']);
    fs.rmSync(src, { recursive: true });
    return tar;
  });
}

/**
 * A fresh ext4 filesystem (a sparse file, loop-mounted) for the stores of one
 * benchmark run: every tool starts on the same clean filesystem, whatever the
 * machine's own disk has just been through. The loop device does direct I/O,
 * as a disk: a buffered one puts the filesystem's writes in the backing file's
 * page cache, so that writes started early (sync_file_range) reach no disk and a
 * flush (syncfs, fsync) writes everything twice, at its end.
 */
export function scratchFs(dir: string, sizeGb: number): { mount: string; dispose(): void; remove(): void } {
  const id = `${process.pid}-${Date.now()}`;
  const image = path.join(dir, `scratch-${id}.ext4`);
  const mount = path.join(dir, `scratch-${id}`);
  fs.mkdirSync(mount, { recursive: true });
  spawnSync('truncate', ['-s', `${sizeGb}G`, image]);
  // inode tables and journal written now, not by ext4lazyinit during the first timed steps
  const mk = spawnSync('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', image], {
    encoding: 'utf8',
  });
  if (mk.status !== 0) throw new Error(`mkfs.ext4: ${mk.stderr}`);
  const lo = spawnSync('losetup', ['--direct-io=on', '--find', '--show', image], { encoding: 'utf8' });
  if (lo.status !== 0) throw new Error(`losetup: ${lo.stderr}`);
  const dev = lo.stdout.trim();
  const m = spawnSync('mount', [dev, mount], { encoding: 'utf8' });
  if (m.status !== 0) {
    spawnSync('losetup', ['-d', dev]);
    throw new Error(`mount: ${m.stderr}`);
  }
  return {
    mount,
    /** Unmounts; the image file stays until remove() (deleting gigabytes trims the disk meanwhile). */
    dispose() {
      spawnSync('umount', ['-l', mount]);
      spawnSync('losetup', ['-d', dev]); // (at once, or when the lazy unmount lets go of it)
      fs.rmSync(mount, { recursive: true, force: true });
    },
    remove() {
      fs.rmSync(image, { force: true });
    },
  };
}

/**
 * This machine's root filesystem is ext4 without a journal: there, allocating an
 * inode skips, one by one, each inode of its block group deleted in the last
 * 60 s, or 360 s while its inode table block is dirty, as allocating beside it
 * makes it (ialloc.c's recently_deleted). A run that started right after another
 * deleted its stores created files 2-4 times slower in its first rounds,
 * whichever tool's. So removing thousands of files there is noted in a file, and
 * the next root place (in this run or the next) waits for that window to pass.
 */
const ROOT_DELETION_MARK = '/var/tmp/stowage-bench-root-deleted';
const RECENTLY_DELETED_MS = 361_000;

function waitOutRecentDeletions(): void {
  let at = 0;
  try {
    at = Number(fs.readFileSync(ROOT_DELETION_MARK, 'utf8'));
  } catch {
    return; // (none noted)
  }
  const wait = at + RECENTLY_DELETED_MS - Date.now();
  if (wait <= 0) return;
  console.error(
    `waiting ${Math.ceil(wait / 1000)} s: files were deleted on the root filesystem at ${new Date(at).toISOString()}`,
  );
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
}

export type PlaceKind = 'root' | 'scratch';

/**
 * Where one benchmark run keeps the stores: 'root' is a directory under /var/lib
 * on the machine's root filesystem, where /var/lib/stowage and /var/lib/docker
 * live (as a user has them, with whatever that filesystem has just been
 * through); 'scratch' a fresh loop-mounted ext4 (see scratchFs).
 */
export function place(
  kind: PlaceKind,
  benchDir: string,
  sizeGb: number,
): { mount: string; dispose(): void; remove(): void } {
  if (kind === 'scratch') return scratchFs(benchDir, sizeGb);
  waitOutRecentDeletions();
  const dir = path.join('/var/lib', `stowage-bench-${process.pid}-${Date.now()}`);
  fs.mkdirSync(dir, { recursive: true });
  return {
    mount: dir,
    dispose() {},
    remove() {
      // what a tool left mounted under it (podman keeps its overlay directory bind-mounted)
      const mounts = fs
        .readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[4])
        .filter((m) => m && (m === dir || m.startsWith(`${dir}/`)))
        .sort((a, b) => b.length - a.length);
      for (const m of mounts) spawnSync('umount', ['-l', m]);
      const free = () => fs.statfsSync(path.dirname(dir)).ffree;
      const before = free();
      fs.rmSync(dir, { recursive: true, force: true });
      if (free() - before >= 1000) fs.writeFileSync(ROOT_DELETION_MARK, String(Date.now()));
    },
  };
}

/** The places a benchmark measures: --place root|scratch, both by default. */
export function placesFromArgs(args: string[]): PlaceKind[] {
  const i = args.indexOf('--place');
  const v = i >= 0 ? args[i + 1] : 'both';
  return v === 'root' || v === 'scratch' ? [v] : ['root', 'scratch'];
}

export const PLACE_NAME: Record<PlaceKind, string> = {
  root: 'root filesystem (/var/lib)',
  scratch: 'fresh ext4',
};

/** Waits (sync first) so every tool starts its timed step from the same quiet disk. */
export function rest(ms: number): void {
  sync();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  warmMemory();
}

/**
 * This VM's balloon reports free memory to its host (virtio-balloon free page
 * reporting), which takes it back: the first write to such a page then faults in
 * the host. A save that filled 430 MB of page cache from it took 1.3 s instead of
 * 0.4 s (nearly all of it in the kernel's copy into the new pages), and which tool's
 * step met it was chance. Touching 2 GB just before a timed step gives every tool
 * memory the host backs, as on a machine of its own.
 */
function warmMemory(): void {
  spawnSync(process.execPath, ['-e', 'Buffer.allocUnsafe(2e9).fill(1)']);
}

/**
 * CPU seconds (user + system, with reaped children) used so far by the processes
 * whose command line names one of `marks` (a daemon found by its directories).
 */
export function daemonCpuSeconds(marks: string[]): number {
  const tick = 100; // USER_HZ
  let total = 0;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!marks.some((m) => cmdline.includes(m))) continue;
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / tick; // utime stime cutime cstime
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
