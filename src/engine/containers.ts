// Container lifecycle: create, start (through the Runtime: conmon and runc), stop,
// kill, remove, wait, exec, and keeping the recorded state true to what runs. Its
// collaborators come in as ContainerParts (container-parts.ts): the store's, or fakes.
import { keepIdFile, keepIdOfThisUser, readKeepId } from '../rootless/keep-id';
import { keepIdMounts } from './container-mounts';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  CommandNotFoundError,
  CommandNotInvocableError,
  conflict,
  failedPrecondition,
  invalidArgument,
  isNotFound,
  notFound,
} from '../errdefs';
import type { Container } from '../container/store';
import type { ContainerRecords } from '../container/records';
import type { RootfsPaths } from '../container/rootfs-paths';
import { runHolder } from '../container/rootfs-holders';
import { ZERO_TIME, type LegacyLink, type MountPoint } from '../container/types';
import { nowGoTime } from '../image/config-json';
import { attach } from '../runtime/attach';
import type { AttachIO, Attachment } from '../util/attach-io';
import { resize, type ContainerPaths } from '../runtime/conmon';
import type { LogRecord } from '../runtime/logs';
import type { RuntimeConfig } from '../runtime/runc';
import type { Runtime } from '../runtime/runtime';
import { runcForeground } from '../runtime/exec';
import { isSignal, signalNumber } from '../runtime/signal';
import { containerSpec, type StartContext } from './container-spec';
import { buildResources, specJson } from '../runtime/spec';
import { checkCanFreeze, checkRootlessLimits } from '../rootless/cgroups';
import { ContainerNetworking, type NetworkSetup } from './container-network';
import { etcMounts, volumeMounts } from './container-mounts';
import { checkDuplicates, imageVolumes, type VolumeRequest } from '../volume/specs';
import { isNoRestart, validateRestartPolicy, type RestartPolicy } from '../container/restart-policy';
import { buildRecord, type CreateOptions } from './container-create';
import { checkKeeper, conmonLogSizeMax, healthAtStart, startKeeper } from './keeper';
import { releaseShm, startContext } from './start-context';
import { sharedWith } from '../container/namespace-modes';
import { parseLink } from '../container/links';
import type { ContainerEvents, EventService } from './events';
import { labelMatches, untilTime, type Filters } from './filters';
import type { ImageService } from './images';
import { storeDbPath, type Store } from './store';
import { storeParts, type ContainerParts, type StoreParts } from './container-parts';
import { ContainerReads, restartPlan, runtimeConfig } from './container-reads';
import { selfId } from '../util/proc';

export interface EngineOptions {
  runtime: string;
  /** argv that runs this stowage CLI (for conmon's exit command). */
  selfCommand: string[];
}

/**
 * The service over its parts (container-parts.ts). `P` is what the parts are:
 * the store's by default, whose volumes, networking and root filesystem holds
 * the volume and network services and `system check` use as they are.
 */
export class ContainerService<P extends ContainerParts = StoreParts> {
  readonly records: ContainerRecords;
  /** The read side: lookups, state refresh, paths, logs (container-reads.ts). */
  readonly reads: ContainerReads;
  readonly volumes: P['volumes'];
  readonly networking: P['networking'];
  /** Who holds each container's root filesystem mounted. */
  readonly rootfsHolders: P['rootfsHolders'];
  /** Releases started by a synchronous state refresh; awaited by flush(). */
  private pending: Promise<void>[] = [];

  constructor(
    private readonly parts: P,
    private readonly images: ImageService,
    readonly events: ContainerEvents,
    private readonly opts: EngineOptions,
  ) {
    this.records = parts.records;
    this.reads = new ContainerReads(parts, (c, code, error) => this.finish(c, code, error));
    this.volumes = parts.volumes;
    this.rootfsHolders = parts.rootfsHolders;
    this.networking = parts.networking;
  }

  /** The service over a store's real parts (records and volumes in its database, runc, the host's networks). */
  static onStore(store: Store, images: ImageService, events: EventService, opts: EngineOptions): ContainerService {
    return new ContainerService(storeParts(store), images, events, opts);
  }

  /** Waits for network teardowns begun while refreshing state; call before exiting. */
  async flush(): Promise<void> {
    while (this.pending.length) await Promise.allSettled(this.pending.splice(0));
  }

  close(): void {
    this.networking.close();
  }

  /** Records a container event (Docker's attributes: labels, image, name, and `extra`). */
  emit(c: Container, action: string, extra: Record<string, string> = {}): void {
    this.events.container(
      { id: c.record.id, name: c.record.name, image: c.record.imageRef, labels: c.record.config.Labels },
      action,
      extra,
    );
  }

  // ---- paths (the read side's) ----

  containerDir(id: string): string {
    return this.reads.containerDir(id);
  }

  rootfs(id: string): RootfsPaths {
    return this.reads.rootfs(id);
  }

  paths(id: string): ContainerPaths {
    return this.reads.paths(id);
  }

  /** The store's database file (the container keeper writes to it). */
  get dbPath(): string {
    return storeDbPath(this.parts.root);
  }

  runtime(runtimePath = this.opts.runtime): RuntimeConfig {
    return runtimeConfig(this.parts.runroot, runtimePath, (prefix) => this.parts.tmpDir(prefix));
  }

  /** The OCI runtime of a container (its HostConfig.Runtime, or the engine's). */
  private oci(c: Container): Runtime {
    return this.parts.runtimeFor(this.runtime(c.record.hostConfig.Runtime || undefined));
  }

  /**
   * A container's runtime is one the engine was configured with: "runc" or the engine's own
   * (--runtime, $STOWAGE_RUNTIME), never any executable a client names (HostConfig.Runtime runs as root).
   */
  private checkRuntime(name: string): void {
    if (name && name !== 'runc' && name !== this.opts.runtime)
      throw invalidArgument(`Unknown runtime specified ${name}`);
  }

  // ---- lookups (the read side's) ----

  find(idOrName: string): Container {
    return this.reads.find(idOrName);
  }

  list(): Container[] {
    return this.reads.list();
  }

  isRunning(id: string): boolean {
    return this.reads.isRunning(id);
  }

  refresh(c: Container): Container {
    return this.reads.refresh(c);
  }

  // ---- create / start ----

  async create(opts: CreateOptions, volumeRequests: VolumeRequest[] = []): Promise<Container> {
    const imageId = this.images.resolveId(opts.image);
    await this.networking.validate(opts.networkMode, opts.portBindings);
    for (const n of Object.keys(opts.extraNetworks ?? {})) await this.networking.validate(n, {});
    const image = this.parts.images.load(imageId);
    const refs = this.references(opts);
    const record = buildRecord({ ...opts, ipcMode: refs.ipcMode, pidMode: refs.pidMode }, image, imageId);
    checkRootlessLimits(record.hostConfig);
    this.checkRuntime(record.hostConfig.Runtime);
    record.topLayer = image.record.topLayer;
    if (refs.links.length) record.links = refs.links;
    checkDuplicates(volumeRequests);
    // --volumes-from first, the container's own mounts over them, the image's volumes where neither is
    const own = new Set(volumeRequests.map((m) => m.Destination));
    const inherited = refs.inherited.filter((m) => !own.has(m.Destination));
    const fromImage = imageVolumes(image.config.config?.Volumes, [...volumeRequests, ...inherited]);
    record.mounts = [...inherited, ...[...volumeRequests, ...fromImage].map((m) => this.provideMount(m))];
    for (const m of volumeRequests)
      if (m.Anonymous) record.config.Volumes = { ...(record.config.Volumes ?? {}), [m.Destination]: {} };
    const c = this.records.insert(record, opts.name);
    fs.mkdirSync(this.containerDir(record.id), { recursive: true, mode: 0o700 });
    if (record.hostConfig.UsernsMode === 'keep-id')
      fs.writeFileSync(keepIdFile(this.containerDir(record.id)), JSON.stringify(keepIdOfThisUser()));
    this.emit(c, 'create');
    return c;
  }

  /**
   * The other containers a create names, resolved as Docker resolves them then:
   * --ipc/--pid container:X by ID, legacy links by ID and alias, and the mounts
   * of --volumes-from (read-only with ":ro").
   */
  private references(opts: CreateOptions): {
    ipcMode?: string;
    pidMode?: string;
    links: LegacyLink[];
    inherited: MountPoint[];
  } {
    const byId = (mode: string | undefined) => {
      const ref = sharedWith(mode);
      return ref === undefined ? mode : `container:${this.find(ref).record.id}`;
    };
    const links = (opts.links ?? []).map((l) => {
      const { name, alias } = parseLink(l);
      try {
        return { id: this.find(name).record.id, alias };
      } catch (e) {
        if (isNotFound(e)) throw notFound(`could not get container for ${name}: ${(e as Error).message}`);
        throw e;
      }
    });
    const inherited = new Map<string, MountPoint>();
    for (const spec of opts.volumesFrom ?? []) {
      if (!spec) throw invalidArgument('volumes-from specification cannot be an empty string');
      const colon = spec.indexOf(':');
      const [ref, mode] = colon < 0 ? [spec, 'rw'] : [spec.slice(0, colon), spec.slice(colon + 1)];
      if (mode !== 'ro' && mode !== 'rw') throw invalidArgument(`invalid mode: ${mode}`);
      for (const m of this.find(ref).record.mounts) {
        if (m.Type === 'tmpfs') continue; // not a mount point of Docker's: --tmpfs stays with its container
        inherited.set(m.Destination, { ...m, Mode: '', RW: m.RW && mode !== 'ro' });
      }
    }
    return { ipcMode: byId(opts.ipcMode), pidMode: byId(opts.pidMode), links, inherited: [...inherited.values()] };
  }

  /**
   * Everything a start needs before the runtime runs: the root filesystem mounted,
   * the network namespace attached (ports claimed: a taken port fails here,
   * before any process exists), the /etc files and the OCI spec written.
   * On failure nothing of it is left.
   */
  private async setUpRun(c: Container, runId: string, consoleSize?: [number, number]) {
    const { record } = c;
    const rt = this.runtime(record.hostConfig.Runtime || undefined);
    const paths = this.paths(record.id);
    const rootfs = this.rootfs(record.id);
    checkKeeper(record);
    await this.removeRuntimeState(c);
    fs.mkdirSync(paths.bundle, { recursive: true, mode: 0o700 });
    this.rootfsHolders.acquire(record.id, record.topLayer, rootfs, runHolder(runId));
    let net: NetworkSetup | undefined;
    try {
      const ctx = startContext(this, c); // other containers' namespaces and links are checked before anything is attached
      if (ctx.networkDonor) this.takeDonorNames(c, ctx.networkDonor);
      net = await this.networking.setup(c, (x) => ContainerNetworking.netnsOf(this.parts.runroot, this.find(x)));
      const dir = this.containerDir(record.id);
      const spec = containerSpec(
        c,
        rootfs.merged,
        [
          ...etcMounts(c, dir, this.networking.hosts(c, net.endpoints), ctx.networkDonor?.dir, net.nameserver),
          ...keepIdMounts(c, rootfs.merged, dir),
          ...volumeMounts(c, rootfs.merged),
        ],
        net.netns,
        ctx,
        readKeepId(dir),
        net.userns,
      );
      // the terminal's size from the start: runc sizes the pty before the process runs
      if (consoleSize && record.config.Tty)
        spec.process.consoleSize = { height: consoleSize[0], width: consoleSize[1] };
      fs.writeFileSync(path.join(paths.bundle, 'config.json'), specJson(spec));
      return { rt, paths, rootfs, net };
    } catch (e) {
      await this.failedStart(c, runId, e, !!net);
      throw e;
    }
  }

  /** Records why a start failed (126/127 as Docker) and takes back what it set up. */
  private async failedStart(
    c: Container,
    runId: string,
    e: unknown,
    netSetUp: boolean,
    recordError = true,
  ): Promise<void> {
    const code = e instanceof CommandNotFoundError ? 127 : e instanceof CommandNotInvocableError ? 126 : 128;
    if (recordError) {
      this.records.updateState(c.record.id, (s) => ({
        ...s,
        Status: s.StartedAt === ZERO_TIME ? 'created' : 'exited',
        ExitCode: code,
        Error: (e as Error).message,
      }));
    }
    await this.removeRuntimeState(c).catch(() => {});
    if (netSetUp) await this.networking.teardown(c).catch(() => {});
    this.rootfsHolders.release(c.record.id, this.rootfs(c.record.id), runHolder(runId));
    releaseShm(this, c.record.id);
    try {
      this.records.updateState(c.record.id, (s) => ({ ...s, ReleasedRun: s.RunId })); // released here: nobody else will
    } catch {
      /* removed meanwhile */
    }
  }

  /** --network container:X takes X's hostname and domain name at each start, as Docker (inspect shows them). */
  private takeDonorNames(c: Container, donor: NonNullable<StartContext['networkDonor']>): void {
    const names = { Hostname: donor.hostname, Domainname: donor.domainname ?? '' };
    const r = this.records.updateRecord(c.record.id, (r) => ({ ...r, config: { ...r.config, ...names } }));
    c.record.config = r.config;
  }

  private markRunning(c: Container, pid: number, net: NetworkSetup, conmonPid?: number, runId?: string): Container {
    const state = this.records.updateState(c.record.id, (s) => ({
      ...s,
      Status: 'running',
      Pid: pid,
      PidStart: this.parts.processes.start(pid),
      ConmonPid: conmonPid,
      ConmonStart: conmonPid ? this.parts.processes.start(conmonPid) : undefined,
      ExitCode: 0,
      Error: '',
      StartedAt: nowGoTime(),
      FinishedAt: ZERO_TIME,
      Networks: net.endpoints,
      RunId: runId,
      RestarterPid: undefined,
      RestarterStart: undefined,
      Health: healthAtStart(c.record, s.Health),
    }));
    for (const ep of Object.values(net.endpoints))
      this.events.network(ep.NetworkID, ep.NetworkName, 'connect', { container: c.record.id });
    for (const m of c.record.mounts) {
      if (m.Type === 'volume' && m.Name) {
        this.events.volume(m.Name, 'mount', {
          container: c.record.id,
          destination: m.Destination,
          propagation: m.Propagation ?? '',
          'read/write': String(m.RW),
        });
      }
    }
    this.emit(c, 'start');
    return { record: c.record, state };
  }

  /** Starts the container's keeper (healthcheck, log rotation); should that fail, the container runs on, shown unhealthy with the reason. */
  private keep(c: Container, runId: string, logged = false): void {
    try {
      startKeeper(this, c, runId, { logged });
    } catch (e) {
      const now = nowGoTime();
      this.records.updateState(c.record.id, (s) =>
        s.Health
          ? {
              ...s,
              Health: {
                ...s.Health,
                Status: 'unhealthy',
                Log: [...s.Health.Log.slice(-4), { Start: now, End: now, ExitCode: -1, Output: (e as Error).message }],
              },
            }
          : s,
      );
    }
  }

  /**
   * Starts a created or exited container under conmon. With `io`, attaches
   * before starting so no output is lost; returns the attachment.
   */
  async start(
    idOrName: string,
    io?: AttachIO & { consoleSize?: [number, number] },
    opts: { restart?: boolean } = {},
  ): Promise<{ container: Container; attachment?: Attachment }> {
    await this.flush(); // a release of this process still under way (stop, then start: restart)
    let c = this.find(idOrName);
    if (c.state.Status === 'running' || c.state.Status === 'paused') return { container: c };
    // an exit conmon's exit command has not recorded yet (see refresh): record it and
    // release the run here; that command then sees a later run and leaves it alone
    const stored = this.records.get(c.record.id);
    if (stored && (stored.state.Status === 'running' || stored.state.Status === 'paused')) {
      c = this.finish(stored, c.state.ExitCode);
      await this.flush();
    }
    const { record } = c;
    // the last run's exit command may still be releasing what it held (a start right
    // after a stop: restart): wait for it, so it cannot undo what this start sets up
    if (!opts.restart) await this.lastRunReleased(record.id);
    // the run is named before anything is set up: an exit command of the last run
    // that comes late sees a newer run and leaves what this start makes alone
    const runId = newRunId();
    // (a user's start also takes over a restart the policy has scheduled)
    this.records.updateState(record.id, (st) => ({
      ...st,
      RunId: runId,
      ...(opts.restart
        ? {}
        : { ManuallyStopped: false, ...(st.Status === 'restarting' ? { Status: 'exited' as const } : {}) }),
    }));
    const { paths, net } = await this.setUpRun(c, runId, io?.consoleSize);
    try {
      // conmon runs `container cleanup` when the container exits: it releases the run (an
      // attached caller that waited for the exit may have done so already: the clean-up
      // is idempotent) and applies the restart policy. Should nobody be left to do it,
      // the next command that looks at the container finishes the job.
      const exitCommand = [
        ...this.opts.selfCommand,
        '--root',
        this.parts.root,
        '--runroot',
        this.parts.runroot,
        'container',
        'cleanup',
        '--run',
        runId,
        // an attached caller sees the exit first and releases the run itself (the API's start, the CLI's run)
        ...(io ? ['--owner', `${selfId().pid}:${selfId().start}`] : []),
        record.id,
      ];
      const { pid, conmonPid } = await this.oci(c).create(record.id, record.name, paths, {
        logSizeMax: conmonLogSizeMax(record),
        terminal: !!record.config.Tty,
        stdin: !!record.config.OpenStdin,
        leaveStdinOpen: !!record.config.OpenStdin && !io,
        exitCommand,
      });
      // a restart stopped, started or removed while it was being set up goes no further
      if (opts.restart && this.records.get(record.id)?.state.Status !== 'restarting') throw new RestartCalledOff();
      const attachment = io ? attach(paths, io) : undefined;
      try {
        await this.oci(c).start(record.id);
      } catch (e) {
        attachment?.detach();
        throw e;
      }
      c = this.markRunning(c, pid, net, conmonPid, runId);
      this.keep(c, runId, true);
      for (const name of Object.keys(net.endpoints)) await this.networking.refreshPeers(name, record.id);
      return { container: c, attachment };
    } catch (e) {
      if (e instanceof RestartCalledOff) {
        await this.failedStart(c, runId, e, true, false);
        return { container: this.find(record.id) };
      }
      await this.failedStart(c, runId, e, true);
      throw e;
    }
  }

  /**
   * `run --rm` in the foreground: runc itself runs the container to its end
   * (`runc run`), relaying stdio and signals, with no monitor and no log (the
   * container goes away with its exit anyway). Returns the exit code.
   */
  async runOnce(
    idOrName: string,
    opts: { interactive: boolean; consoleSize?: [number, number]; onSpawn?: (pid: number) => void },
  ): Promise<number> {
    const c = this.find(idOrName);
    const runId = newRunId();
    this.records.updateState(c.record.id, (st) => ({ ...st, RunId: runId }));
    const { rt, paths, net } = await this.setUpRun(c, runId, opts.consoleSize);
    let code: number;
    try {
      code = await runcForeground(rt, 'create', ['run', '--bundle', paths.bundle], c.record.id, {
        stdio: [opts.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'],
        workDir: paths.bundle,
        onSpawn: opts.onSpawn,
        onStarted: (pid) => {
          this.keep(this.markRunning(c, pid, net, undefined, runId), runId);
          for (const name of Object.keys(net.endpoints)) void this.networking.refreshPeers(name, c.record.id);
        },
      });
    } catch (e) {
      await this.failedStart(c, runId, e, true);
      throw e;
    }
    this.finish(this.records.get(c.record.id) ?? c, code);
    await this.flush();
    return code;
  }

  /** Creates the volume a mount needs (a named one once, an anonymous one each time). */
  private provideMount(m: VolumeRequest): MountPoint {
    if (m.Type === 'volume') {
      const existed = !!m.Name && !!this.volumes.get(m.Name);
      const v = this.volumes.create(m.Name, { anonymous: m.Anonymous, labels: m.VolumeLabels });
      if (!existed) this.events.volume(v.name, 'create');
      return { ...m, Name: v.name, Source: v.mountpoint };
    }
    if (m.Type === 'bind' && !fs.existsSync(m.Source)) fs.mkdirSync(m.Source, { recursive: true }); // as `-v` does
    return m;
  }

  // ---- exit and cleanup ----

  /** An exit a read found (ContainerReads.refresh): recorded, and what the container held released. */
  recordExit(c: Container, exitCode: number, error = ''): Container {
    return this.finish(c, exitCode, error);
  }

  /** Records an exit and releases what the running container held. */
  private finish(c: Container, exitCode: number, error = ''): Container {
    let won = false;
    const state = this.records.updateState(c.record.id, (s) => {
      if (s.Status !== 'running' && s.Status !== 'paused') return s;
      if (s.StartedAt !== c.state.StartedAt) return s; // a later run: it was started again meanwhile
      won = true;
      const exitFile = path.join(this.paths(c.record.id).exitDir, c.record.id);
      const finishedAt = fs.existsSync(exitFile)
        ? new Date(fs.statSync(exitFile).mtimeMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z')
        : nowGoTime();
      return { ...s, Status: 'exited', Pid: 0, ExitCode: exitCode, Error: error, FinishedAt: finishedAt };
    });
    if (won) {
      this.emit(c, 'die', { exitCode: String(exitCode) });
      this.releaseResources(c);
      for (const ep of Object.values(c.state.Networks ?? {}))
        this.events.network(ep.NetworkID, ep.NetworkName, 'disconnect', { container: c.record.id });
      for (const m of c.record.mounts)
        if (m.Type === 'volume' && m.Name) this.events.volume(m.Name, 'unmount', { container: c.record.id });
    }
    return { record: c.record, state };
  }

  private releaseResources(c: Container): void {
    this.rootfsHolders.release(c.record.id, this.rootfs(c.record.id), runHolder(c.state.RunId ?? ''));
    releaseShm(this, c.record.id);
    this.pending.push(this.removeRuntimeState(c).catch(() => {}));
    this.pending.push(this.networking.teardown(c).catch(() => {}));
  }

  private async removeRuntimeState(c: Container): Promise<void> {
    await this.oci(c).delete(c.record.id, true);
    fs.rmSync(path.join(this.paths(c.record.id).exitDir, c.record.id), { force: true });
  }

  /**
   * conmon's exit command: the container exited; record its code, release the
   * mount and runtime state, then restart it as its restart policy says, or
   * remove it when it was run with --rm.
   */
  async cleanup(id: string, runId?: string): Promise<void> {
    let c: Container;
    try {
      c = this.records.find(id);
      // a later run (named when its start began): this one was finished by someone else
      if (runId && c.state.RunId !== runId) return;
    } catch {
      return; // already removed
    }
    const code = await this.exitCodeWithin(c, 2000);
    if (code !== undefined) this.finish(c, code);
    const now = this.records.get(c.record.id);
    if (!now || (runId && now.state.RunId !== runId)) return; // a start finished this run and began the next
    c = now; // (finished here, or by a read that found the exit first and took its exit file)
    // no exit code and not recorded: the container's processes judge (conmon killed: an exit
    // is recorded); one that still runs has nothing to release (an attached client went away)
    if (code === undefined && (c.state.Status === 'running' || c.state.Status === 'paused')) {
      c = this.refresh(c);
      if (c.state.Status === 'running' || c.state.Status === 'paused') return;
    }
    // "restarting" at once, before the release, so that nobody sees it exited in between
    const plan = c.state.Status === 'exited' ? restartPlan(c.record, c.state) : undefined;
    const restarting = !!plan && this.beginRestart(c.record.id, plan.delayMs, now.state.RunId);
    const decidedAt = Date.now();
    await this.flush(); // the releases finish began (the runtime's delete and the network's, side by side)
    const network = this.networking.teardown(c).catch(() => {}); // beside the runtime's delete: neither needs the other
    await this.oci(c)
      .delete(c.record.id, true)
      .catch(() => {});
    this.rootfsHolders.release(c.record.id, this.rootfs(c.record.id), runHolder(now.state.RunId ?? ''));
    if (this.records.get(c.record.id)?.state.RunId === now.state.RunId) releaseShm(this, c.record.id); // (not a newer run's)
    await network;
    await this.flush();
    this.records.updateState(c.record.id, (s) => (s.RunId === now.state.RunId ? { ...s, ReleasedRun: s.RunId } : s));
    if (restarting) await this.completeRestart(c.record.id, plan.delayMs, decidedAt);
    else if (c.record.hostConfig.AutoRemove && c.state.Status === 'exited')
      await this.remove(c.record.id, { force: true, volumes: true });
  }

  /** The exit code the monitor wrote, waited for up to `timeoutMs` (conmon writes it after closing the attach sockets). */
  private async exitCodeWithin(c: Container, timeoutMs: number): Promise<number | undefined> {
    for (const deadline = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 10))) {
      const code = this.reads.exitCode(c.record.id);
      if (code !== undefined || Date.now() >= deadline) return code;
      const s = this.records.get(c.record.id)?.state;
      if (s?.Status !== 'running' && s?.Status !== 'paused') return undefined; // recorded (and its file taken) by another
    }
  }

  /** Waits (a few seconds at most: the exit command may never come) until the last run is released. */
  private async lastRunReleased(id: string): Promise<void> {
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
      const s = this.records.get(id)?.state;
      if (!s?.RunId || s.ReleasedRun === s.RunId || s.Status === 'running' || s.Status === 'paused') return;
      if (Date.now() - Date.parse(s.FinishedAt) > 10_000) return; // long over: its exit command is not coming (a reboot)
    }
  }

  /** The restart policy's decision made: "restarting" (RestartCount counted), unless a user stopped it meanwhile. */
  private beginRestart(id: string, delayMs: number, runId: string | undefined): boolean {
    let waiting = false;
    this.records.updateState(id, (s) => {
      if (s.Status !== 'exited' || s.ManuallyStopped || s.RunId !== runId) return s; // stopped, or started by a user meanwhile
      waiting = true;
      const restarter = { RestarterPid: process.pid, RestarterStart: this.parts.processes.start(process.pid) };
      return {
        ...s,
        ...restarter,
        Status: 'restarting',
        RestartCount: (s.RestartCount ?? 0) + 1,
        RestartDelayMs: delayMs,
      };
    });
    return waiting;
  }

  /** After the delay (counted from `since`), started again, unless stopped, started or removed meanwhile. */
  private async completeRestart(id: string, delayMs: number, since: number): Promise<void> {
    await new Promise((r) => setTimeout(r, Math.max(0, since + delayMs - Date.now())));
    if (this.records.get(id)?.state.Status !== 'restarting') return;
    await this.start(id, undefined, { restart: true }).catch(() => undefined); // a failed start is recorded in the state, as Docker's
  }

  /** Docker's HasBeenManuallyStopped: a user stopped or killed it; a pending restart is called off. */
  private markManuallyStopped(id: string): void {
    this.records.updateState(id, (s) => ({
      ...s,
      ManuallyStopped: true,
      ...(s.Status === 'restarting' ? { Status: 'exited' as const } : {}),
    }));
  }

  // ---- stop / kill / wait / remove ----

  private async waitExit(c: Container, timeoutMs: number, signal?: AbortSignal): Promise<Container | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const cur = this.records.get(c.record.id);
      if (!cur) return undefined;
      const r = this.refresh(cur);
      if (r.state.Status !== 'running' && r.state.Status !== 'paused') return r;
      if (Date.now() >= deadline || signal?.aborted) return r;
      await new Promise((res) => setTimeout(res, 20));
    }
  }

  /** SIGTERM (or the container's stop signal), then SIGKILL after `timeout` seconds. */
  async stop(idOrName: string, timeoutSec?: number, stopSignal?: string): Promise<Container> {
    const found = this.find(idOrName);
    this.markManuallyStopped(found.record.id);
    const c = this.find(found.record.id);
    if (c.state.Status !== 'running' && c.state.Status !== 'paused') return c;
    const rt = this.oci(c);
    const timeout = timeoutSec ?? c.record.config.StopTimeout ?? 10;
    const signal = stopSignal || c.record.config.StopSignal || 'SIGTERM';
    if (c.state.Status === 'paused') await this.pause(c.record.id, false); // frozen processes cannot take a signal
    this.emit(c, 'kill', { signal: String(signalNumber(signal) ?? 15) });
    await rt.kill(c.record.id, signal).catch(() => {});
    let after = timeout > 0 ? await this.waitExit(c, timeout * 1000) : c;
    if (after && (after.state.Status === 'running' || after.state.Status === 'paused')) {
      await rt.kill(c.record.id, 'KILL', true).catch(() => {});
      after = await this.waitExit(c, 30_000);
    }
    if (after && after.state.Status === 'running')
      throw failedPrecondition(
        `cannot stop container: ${idOrName}: tried to kill container, but did not receive an exit event`,
      );
    this.emit(c, 'stop');
    return after ?? c;
  }

  async kill(idOrName: string, signal = 'KILL'): Promise<void> {
    if (!isSignal(signal)) throw invalidArgument(`Invalid signal: ${signal}`);
    let c: Container;
    try {
      c = this.find(idOrName);
    } catch (e) {
      if (isNotFound(e)) throw notFound(`Cannot kill container: ${idOrName}: ${(e as Error).message}`);
      throw e;
    }
    if (c.state.Status === 'restarting') {
      this.markManuallyStopped(c.record.id); // nothing runs: the restart is called off
      return;
    }
    if (c.state.Status !== 'running' && c.state.Status !== 'paused') {
      throw conflict(`Cannot kill container: ${idOrName}: Container ${c.record.id} is not running`);
    }
    this.markManuallyStopped(c.record.id);
    this.emit(c, 'kill', { signal: String(signalNumber(signal)) });
    await this.oci(c).kill(c.record.id, signal);
    if (/^(SIG)?KILL$|^9$/.test(signal)) await this.waitExit(c, 10_000);
  }

  /**
   * `update`: new limits (and restart policy) kept in the record for the next starts,
   * and applied at once to a running container's cgroup (runc update).
   */
  async update(idOrName: string, changes: ResourceChanges): Promise<void> {
    const c = this.find(idOrName);
    const hc = { ...c.record.hostConfig };
    if (changes.restartPolicy) {
      validateRestartPolicy(changes.restartPolicy);
      if (hc.AutoRemove && !isNoRestart(changes.restartPolicy))
        throw invalidArgument('Restart policy cannot be updated because AutoRemove is enabled for the container');
      hc.RestartPolicy = changes.restartPolicy;
    }
    if (changes.memory !== undefined) hc.Memory = changes.memory;
    if (changes.memorySwap !== undefined) hc.MemorySwap = changes.memorySwap;
    if (changes.cpus !== undefined) hc.NanoCpus = Math.round(changes.cpus * 1e9);
    if (changes.pidsLimit !== undefined) hc.PidsLimit = changes.pidsLimit;
    checkRootlessLimits(hc);
    const resources = buildResources({
      memory: hc.Memory || undefined,
      memorySwap: hc.MemorySwap || undefined,
      cpus: hc.NanoCpus ? hc.NanoCpus / 1e9 : undefined,
      pidsLimit: hc.PidsLimit ?? undefined,
    });
    if (c.state.Status === 'running' || c.state.Status === 'paused') {
      const file = path.join(this.paths(c.record.id).bundle, 'update.json');
      fs.writeFileSync(file, JSON.stringify(resources));
      try {
        await this.parts.runtimeFor(this.runtime(hc.Runtime || undefined)).update(c.record.id, file);
      } finally {
        fs.rmSync(file, { force: true });
      }
    }
    this.records.updateRecord(c.record.id, (r) => ({ ...r, hostConfig: hc }));
    this.emit(c, 'update');
  }

  /** A fresh directory in the store's temporary area (removed by the next clean-up if this process dies). */
  tmpDir(prefix: string): string {
    return this.parts.tmpDir(prefix);
  }

  /** Freezes (or thaws) every process of the container: the cgroup freezer, through runc. */
  async pause(idOrName: string, paused: boolean): Promise<void> {
    const c = this.find(idOrName);
    const rt = this.oci(c);
    if (paused) {
      if (c.state.Status === 'paused') throw conflict(`Container ${c.record.id} is already paused`);
      if (c.state.Status !== 'running') throw conflict(`Container ${c.record.id} is not running`);
      checkCanFreeze();
      await rt.pause(c.record.id);
    } else {
      // A cp or commit killed while it held the container frozen leaves runc's state
      // paused under a record that says running: unpause thaws that one too.
      const frozen =
        c.state.Status === 'running' && (await rt.state(c.record.id).catch(() => undefined))?.status === 'paused';
      if (c.state.Status !== 'paused' && !frozen) throw conflict(`Container ${c.record.id} is not paused`);
      await rt.resume(c.record.id);
    }
    this.records.updateState(c.record.id, (s) => ({ ...s, Status: paused ? 'paused' : 'running' }));
    this.emit(c, paused ? 'pause' : 'unpause');
  }

  /** Attaches to a running container's stdio (conmon's attach socket). */
  attach(idOrName: string, io: AttachIO): Attachment {
    const c = this.find(idOrName);
    const a = attach(this.paths(c.record.id), io);
    this.emit(c, 'attach');
    return a;
  }

  /** Sets a running container's terminal size. */
  resize(idOrName: string, rows: number, cols: number): void {
    const c = this.find(idOrName);
    if (c.state.Status === 'running') resize(this.paths(c.record.id), rows, cols);
  }

  /** Sends a signal to the container's process, with no event and no state change (a relayed ^C). */
  async signal(idOrName: string, signal: string): Promise<void> {
    const c = this.find(idOrName);
    await this.oci(c).kill(c.record.id, signal);
  }

  /** What the container wrote, from its log (see ContainerReads.logs). */
  logs(idOrName: string, opts?: Parameters<ContainerReads['logs']>[1]): AsyncIterable<LogRecord> {
    return this.reads.logs(idOrName, opts);
  }

  /** `restart`: stopped (if it runs), then started again. */
  async restart(idOrName: string, timeoutSec?: number, stopSignal?: string): Promise<void> {
    const c = this.find(idOrName);
    if (['running', 'paused'].includes(c.state.Status)) await this.stop(c.record.id, timeoutSec, stopSignal);
    await this.start(c.record.id);
    this.emit(this.find(c.record.id), 'restart');
  }

  async rename(idOrName: string, newName: string): Promise<void> {
    const c = this.find(idOrName);
    this.records.rename(c.record.id, newName);
    const renamed = this.find(c.record.id);
    this.emit(renamed, 'rename', { oldName: `/${c.record.name}` });
    // peers find it by its new name
    if (renamed.state.Status === 'running')
      for (const net of Object.keys(renamed.state.Networks ?? {}))
        await this.networking.refreshPeers(net, renamed.record.id);
  }

  /** The exit code, once the container stops; with `signal`, given up when it aborts (the waiter went away). */
  async wait(idOrName: string, signal?: AbortSignal): Promise<number> {
    const c = this.find(idOrName);
    for (let cur: Container | undefined = c; cur && !signal?.aborted;) {
      if (cur.state.Status !== 'running' && cur.state.Status !== 'paused') return cur.state.ExitCode;
      cur = await this.waitExit(cur, 3_600_000, signal);
    }
    return c.state.ExitCode;
  }

  /**
   * `rm --link PARENT/ALIAS`: the parent container forgets that legacy link
   * (Docker's rmLink; both containers stay, and the parent's /etc/hosts keeps
   * the entry until its next start).
   */
  removeLink(linkName: string): void {
    const full = linkName.startsWith('/') ? linkName : `/${linkName}`;
    const cut = full.lastIndexOf('/');
    const [parentName, alias] = [full.slice(1, cut), full.slice(cut + 1)];
    if (!parentName) throw conflict('Conflict, cannot remove the default link name of the container');
    let parent: Container;
    try {
      parent = this.records.find(parentName);
    } catch {
      // Docker gives this one message whatever the lookup's failure (no such container, ambiguous prefix)
      throw invalidArgument(`Cannot get parent /${parentName} for link name ${full}`);
    }
    if (!parent.record.links?.some((l) => l.alias === alias)) throw notFound(`No such container: ${linkName}`);
    this.records.updateRecord(parent.record.id, (r) => ({ ...r, links: r.links?.filter((l) => l.alias !== alias) }));
  }

  async remove(idOrName: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    let c = this.find(idOrName);
    // an exit whose restart policy its exit command is still applying (the run not yet released): that
    // first, as Docker's container lock would have it, so that a container about to restart is not seen
    // exited. (Only for a restart: the process attached to a run may remove its container before releasing it.)
    const s = c.state;
    if (
      s.Status === 'exited' &&
      s.RunId &&
      s.ReleasedRun !== s.RunId &&
      !s.ManuallyStopped &&
      restartPlan(c.record, s)
    ) {
      await this.lastRunReleased(c.record.id);
      c = this.find(idOrName);
    }
    if (c.state.Status === 'restarting') {
      if (!opts.force) {
        throw conflict(
          `You cannot remove a restarting container ${c.record.id}. Stop the container before attempting removal or force remove`,
        );
      }
      this.markManuallyStopped(c.record.id);
    }
    if (c.state.Status === 'running' || c.state.Status === 'paused') {
      if (!opts.force) {
        throw conflict(
          `You cannot remove a running container ${c.record.id}. Stop the container before attempting removal or force remove`,
        );
      }
      this.markManuallyStopped(c.record.id);
      const rt = this.oci(c);
      if (c.state.Status === 'paused') await rt.resume(c.record.id).catch(() => {});
      this.emit(c, 'kill', { signal: '9' });
      await rt.kill(c.record.id, 'KILL', true).catch(() => {});
      c = (await this.waitExit(c, 15_000)) ?? c;
      if (c.state.Status === 'running') c = this.finish(c, 137, 'killed');
    }
    await this.removeRuntimeState(c).catch(() => {});
    this.rootfsHolders.drop(c.record.id, this.rootfs(c.record.id));
    releaseShm(this, c.record.id);
    await this.networking.teardown(c).catch(() => {});
    await this.flush();
    if (c.record.hostConfig.AutoRemove) this.records.keepExitCode(c.record.id, c.state.ExitCode);
    this.records.delete(c.record.id);
    this.emit(c, 'destroy');
    if (opts.volumes) {
      for (const m of c.record.mounts) {
        if (m.Type === 'volume' && m.Anonymous && m.Name && this.volumeUsers(m.Name).length === 0) {
          this.volumes.remove(m.Name, [], true);
          this.events.volume(m.Name, 'destroy');
        }
      }
    }
    fs.rmSync(this.containerDir(c.record.id), { recursive: true, force: true });
    fs.rmSync(this.paths(c.record.id).bundle, { recursive: true, force: true });
    this.parts.gc();
  }

  /** `container prune`: removes stopped containers that pass the filters (until, label, label!). */
  async prune(filters: Filters = new Map()): Promise<{ removed: string[]; reclaimed: number }> {
    for (const k of filters.keys())
      if (!['until', 'label', 'label!'].includes(k)) throw invalidArgument(`Invalid filter '${k}'`);
    const until = filters.get('until')?.map((u) => untilTime(u));
    const removed: string[] = [];
    let reclaimed = 0;
    for (const c of this.list()) {
      if (c.state.Status === 'running' || c.state.Status === 'paused' || c.state.Status === 'restarting') continue;
      const labels = c.record.config.Labels;
      if (
        !labelMatches(filters.get('label'), labels) ||
        (filters.get('label!') ?? []).some((l) => labelMatches([l], labels))
      )
        continue;
      if (until && until.some((t) => Date.parse(c.record.created) >= t)) continue;
      reclaimed += this.upperSize(c.record.id);
      await this.remove(c.record.id);
      removed.push(c.record.id);
    }
    return { removed, reclaimed };
  }

  /** Bytes in the container's writable layer (Docker's SizeRw). */
  upperSize(id: string): number {
    return this.reads.upperSize(id);
  }

  /** IDs of the containers that mount a volume. */
  volumeUsers(name: string): string[] {
    return this.records
      .list()
      .filter((c) => c.record.mounts.some((m) => m.Type === 'volume' && m.Name === name))
      .map((c) => c.record.id);
  }

  /** Containers using an image, for rmi's conflict rules. */
  usersOf(imageId: string): Array<{ id: string; running: boolean }> {
    return this.records.usersOf(imageId).map((c) => {
      const r = this.refresh(c);
      return { id: r.record.id, running: r.state.Status === 'running' || r.state.Status === 'paused' };
    });
  }
}

/** What `update` changes; absent: kept. */
export interface ResourceChanges {
  memory?: number;
  memorySwap?: number;
  cpus?: number;
  pidsLimit?: number;
  restartPolicy?: RestartPolicy;
}

/** A restart the container's state no longer wants (stopped, started or removed meanwhile). */
class RestartCalledOff extends Error {}

/** A run of a container, named when its start begins. */
function newRunId(): string {
  return randomBytes(8).toString('hex');
}
