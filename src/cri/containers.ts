// Containers in pods: create (the spec checked and the root mounted), start
// under conmon with the CRI log at the path the kubelet gave, stop with the
// image's stop signal then SIGKILL, remove, status and list with filters,
// resources, log reopening. An exit is recorded when conmon writes it (the
// server watches the exit directory) or when anyone next looks.
import fs from 'node:fs';
import path from 'node:path';
import type { Digest } from '../digest';
import type { Engine } from '../engine/engine';
import { notFound, failedPrecondition } from '../errdefs';
import { mountRootfs, unmountRootfs } from '../container/rootfs';
import { reopenLogs } from '../runtime/conmon';
import { signalNumber } from '../runtime/signal';
import { isAlive, processStart } from '../util/proc';
import { execSync } from './exec';
import type { CriImages } from './images';
import type { KeyedLock } from './keyed-lock';
import { matchesLabels, newId, type Sandboxes } from './sandboxes';
import { sandboxFiles } from './sandbox-files';
import { containerSpec, linuxResources, processArgs, seccompOpt, userString } from './spec';
import { CriError, unknown } from './status';
import type { ContainerRecord, ContainerState, CriStore } from './store';
import { monitored, type CriLayout, type Tasks } from './tasks';
import { msToNs, nowNs } from './time';
import type {
  ContainerConfig,
  ContainerState as CriState,
  Labels,
  LinuxContainerResources,
  PodSandboxConfig,
} from './types';

export interface ContainerDeps {
  engine: Engine;
  store: CriStore;
  tasks: Tasks;
  layout: CriLayout;
  images: CriImages;
  sandboxes: Sandboxes;
  locks: KeyedLock;
}

export interface ContainerFilter {
  id: string;
  state: { state: CriState } | null;
  pod_sandbox_id: string;
  label_selector: Labels;
}

type Container = { record: ContainerRecord; state: ContainerState };

const CRI_STATE: Record<ContainerState['status'], CriState> = {
  created: 'CONTAINER_CREATED',
  running: 'CONTAINER_RUNNING',
  exited: 'CONTAINER_EXITED',
  unknown: 'CONTAINER_UNKNOWN',
};

/** cri-dockerd's container name: k8s_<container>_<pod>_<namespace>_<pod uid>_<attempt>. */
export function containerName(config: ContainerConfig, pod: PodSandboxConfig): string {
  /* eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- CreateContainer and RunPodSandbox refuse a config without metadata */
  const m = pod.metadata!;
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- CreateContainer and RunPodSandbox refuse a config without metadata
  return ['k8s', config.metadata!.name, m.name, m.namespace, m.uid, String(config.metadata!.attempt)].join('_');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a container's process is still `runc init`, before the exec of its command. */
function isRuncInit(pid: number): boolean {
  try {
    const [argv0, argv1] = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
    return argv1 === 'init' && path.basename(argv0) === 'runc';
  } catch {
    // the process is gone or unreadable: not runc init
    return false;
  }
}

/** Whether a process has a handler for a signal (SigCgt of /proc/PID/status). */
export function catches(pid: number, signo: number): boolean {
  try {
    const hex = /^SigCgt:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return hex !== undefined && ((BigInt(`0x${hex}`) >> BigInt(signo - 1)) & 1n) === 1n;
  } catch {
    // the process is gone: it handles no signal any more
    return false;
  }
}

export class Containers {
  constructor(private readonly d: ContainerDeps) {}

  find(idOrPrefix: string): Container {
    if (!idOrPrefix) throw unknown(`an error occurred when try to find container "": Prefix can't be empty`);
    const exact = idOrPrefix ? this.d.store.container(idOrPrefix) : undefined;
    if (exact) return this.refresh(exact);
    const ids = idOrPrefix ? this.d.store.idsWithPrefix('cri_containers', idOrPrefix) : [];
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the ID came from the store's own index
    if (ids.length === 1) return this.refresh(this.d.store.container(ids[0])!);
    throw notFound(`an error occurred when try to find container "${idOrPrefix}": not found`);
  }

  tryFind(idOrPrefix: string): Container | undefined {
    try {
      return this.find(idOrPrefix);
    } catch {
      // not found, empty or ambiguous prefix: no such container; this also drops a failed refresh (a store write)
      return undefined;
    }
  }

  private emit(r: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.d.engine.events.container(
      { id: r.id, name: r.name, image: r.imageRef, labels: r.config.labels },
      action,
      extra,
    );
  }

  /** A running container whose exit conmon recorded (or whose process is gone) has exited. */
  refresh(c: Container): Container {
    if (c.state.status !== 'running') return c;
    let code = this.d.tasks.exitCode(c.record.id);
    if (code === undefined && (isAlive({ pid: c.state.pid, start: c.state.pidStart }) || monitored(c.state))) return c;
    // conmon writes the exit file before it exits: both seen gone after a first read that found
    // none, the file is there now (unless conmon itself died)
    code ??= this.d.tasks.exitCode(c.record.id);
    return this.finish(c, code ?? 255, code === undefined ? 'the container process is gone' : '');
  }

  /** Records the exit and releases what the run held (runc's state, the root's mount). */
  private finish(c: Container, code: number, message: string): Container {
    const { id } = c.record;
    const at = this.d.tasks.exitTime(id) ?? Date.now();
    const oom = fs.existsSync(path.join(this.d.layout.paths(id).persistDir, 'oom'));
    let won = false;
    const state = this.d.store.updateContainer(id, (s) => {
      if (s.status !== 'running') return s;
      won = true;
      return {
        ...s,
        status: 'exited',
        pid: 0,
        exitCode: code,
        finishedAt: msToNs(at),
        reason: oom ? 'OOMKilled' : code === 0 ? 'Completed' : 'Error',
        message,
      };
    });
    if (won) {
      this.emit(c.record, 'die', { exitCode: String(code) });
      void this.release(id);
    }
    return { record: c.record, state };
  }

  /** Releases under way (an exit's), awaited by a removal instead of doing the same again. */
  private readonly releasing = new Map<string, Promise<void>>();

  private release(id: string): Promise<void> {
    const p = (async () => {
      await this.d.tasks.delete(id).catch(() => undefined);
      try {
        unmountRootfs(this.d.layout.containerRootfs(id));
      } catch {
        // busy: the removal unmounts it
      }
    })().finally(() => {
      if (this.releasing.get(id) === p) this.releasing.delete(id);
    });
    this.releasing.set(id, p);
    return p;
  }

  /** The exit conmon just wrote (the exit directory watcher). */
  async exited(id: string): Promise<void> {
    const c = this.d.store.container(id);
    if (!c) return;
    await this.d.locks.run(id, async () => {
      const cur = this.d.store.container(id);
      if (cur) this.refresh(cur);
    });
  }

  async create(
    podId: string,
    config: ContainerConfig | null,
    _sandboxConfig: PodSandboxConfig | null,
  ): Promise<string> {
    const pod = this.d.sandboxes.tryFind(podId);
    if (!pod) throw notFound(`failed to find sandbox id "${podId}": not found`);
    if (!config?.metadata) throw unknown('container config must include metadata');
    const imageName = config.image?.image ?? '';
    const imageId = this.d.images.resolve(imageName);
    if (!imageId) throw notFound(`failed to resolve image "${imageName}": not found`);
    if (pod.state.status !== 'ready')
      throw unknown(`failed to create containerd container: sandbox container "${pod.record.id}" is not running`);
    const image = this.d.engine.store.images.load(imageId);
    // what containerd refuses when it makes the spec: refused here, before anything exists
    const sc = config.linux?.security_context;
    userString(sc);
    if (!sc?.privileged) seccompOpt(sc?.seccomp, sc?.seccomp_profile_path ?? '');
    processArgs(config, image.config.config ?? {});
    const pl = pod.record.config.log_directory;
    const logPath = config.log_path ? path.join(pl, config.log_path) : '';
    const record: ContainerRecord = {
      id: newId(),
      sandboxId: pod.record.id,
      name: containerName(config, pod.record.config),
      createdAt: nowNs(),
      config,
      imageRef: imageName,
      imageId,
      topLayer: image.record.topLayer,
      logPath: path.isAbsolute(logPath) ? logPath : '',
      mounts: config.mounts,
    };
    return this.d.locks.run(record.id, async () => {
      this.d.store.insertContainer(record, {
        status: 'created',
        pid: 0,
        pidStart: '',
        startedAt: '0',
        finishedAt: '0',
        exitCode: 0,
        reason: '',
        message: '',
      });
      const rootfs = this.d.layout.containerRootfs(record.id);
      let stage = 'generate container spec';
      try {
        mountRootfs(this.d.engine.store.layers, record.topLayer as Digest | null, rootfs, { init: false });
        const spec = this.spec(record, pod.state.pid); // the user, mounts, devices... checked against the image's root
        // the process is made now and only started by StartContainer, as CRI-O does:
        // conmon and `runc create` here, `runc start` there
        stage = 'create container';
        const cfg = record.config;
        const { pid, conmonPid } = await this.d.tasks.create(record.id, record.name, spec, {
          terminal: cfg.tty,
          stdin: cfg.stdin,
          stdinOnce: cfg.stdin_once,
          logPath: record.logPath,
        });
        this.d.store.updateContainer(record.id, (st) => ({
          ...st,
          pid,
          pidStart: processStart(pid) ?? '',
          conmonPid,
          conmonStart: processStart(conmonPid) ?? '',
        }));
      } catch (e) {
        try {
          await this.d.tasks.delete(record.id);
          unmountRootfs(rootfs);
        } finally {
          fs.rmSync(rootfs.dir, { recursive: true, force: true });
          this.d.store.deleteContainer(record.id);
        }
        throw e instanceof CriError ? e : unknown(`failed to ${stage} "${record.id}": ${(e as Error).message}`);
      }
      this.emit(record, 'create');
      return record.id;
    });
  }

  private spec(record: ContainerRecord, sandboxPid: number) {
    const pod = this.d.store.sandbox(record.sandboxId);
    if (!pod) throw notFound(`sandbox "${record.sandboxId}" not found`);
    const image = this.d.engine.store.images.get(record.imageId as Digest)
      ? (this.d.engine.store.images.load(record.imageId as Digest).config.config ?? {})
      : {};
    return containerSpec({
      id: record.id,
      sandbox: pod.record,
      sandboxPid,
      files: sandboxFiles(this.d.layout.sandboxDir(record.sandboxId)),
      config: record.config,
      image,
      rootfs: this.d.layout.containerRootfs(record.id).merged,
    });
  }

  async start(idOrPrefix: string): Promise<void> {
    const found = this.find(idOrPrefix);
    const id = found.record.id;
    await this.d.locks.run(id, async () => {
      const c = this.find(id);
      if (c.state.status !== 'created')
        throw unknown(
          `failed to set starting state for container "${id}": container is in ${CRI_STATE[c.state.status]} state`,
        );
      const pod = this.d.sandboxes.tryFind(c.record.sandboxId);
      if (!pod || pod.state.status !== 'ready')
        throw unknown(`sandbox container "${c.record.sandboxId}" is not running`);
      try {
        if (!(c.state.pid > 0) || !isAlive({ pid: c.state.pid, start: c.state.pidStart }))
          throw failedPrecondition('the container process is gone');
        await this.d.tasks.start(id);
        this.d.store.updateContainer(id, (s) => ({ ...s, status: 'running', startedAt: nowNs() }));
        this.emit(c.record, 'start');
      } catch (e) {
        // containerd's StartError: the container is exited, with why
        this.d.store.updateContainer(id, (s) => ({
          ...s,
          status: 'exited',
          exitCode: 128,
          finishedAt: nowNs(),
          reason: 'StartError',
          message: (e as Error).message,
        }));
        await this.release(id);
        throw unknown(`failed to start containerd task "${id}": ${(e as Error).message}`);
      }
    });
  }

  /** Signals the container (its image's stop signal, then SIGKILL after `timeout` seconds) and waits for it. */
  async stop(idOrPrefix: string, timeoutSec: number): Promise<void> {
    const found = this.find(idOrPrefix);
    const id = found.record.id;
    await this.d.locks.run(id, () => this.stopLocked(id, timeoutSec));
  }

  private async stopLocked(id: string, timeoutSec: number): Promise<void> {
    const c = this.find(id);
    if (c.state.status !== 'running') return;
    if (timeoutSec > 0) {
      const signal = this.stopSignal(c.record);
      this.emit(c.record, 'kill', { signal });
      // A container's first process drops a signal it has no handler for; one that has
      // just started may not have set its handler yet. When that was so, the signal is
      // sent again once the handler is there (and only then: it was surely lost).
      const signo = signalNumber(signal);
      const proc = { pid: c.state.pid, start: c.state.pidStart };
      // just started, it may still be runc's init (a Go program that dies of it): wait for its exec
      for (const deadline = Date.now() + 2000; isRuncInit(proc.pid) && Date.now() < deadline;) await sleep(5);
      let pending = signo !== undefined && !catches(proc.pid, signo);
      await this.signal(c, signal, false);
      const again = () => {
        if (pending && signo !== undefined && isAlive(proc) && catches(proc.pid, signo)) {
          pending = false;
          void this.signal(c, signal, false);
        }
      };
      if (await this.waitExit(id, timeoutSec * 1000, again)) {
        this.stopped(c);
        return;
      }
    }
    this.emit(c.record, 'kill', { signal: 'SIGKILL' });
    await this.signal(c, 'SIGKILL', true);
    if (!(await this.waitExit(id, 30_000)))
      throw unknown(`failed to stop container "${id}": the process did not exit after SIGKILL`);
    this.stopped(c);
  }

  /**
   * Signals the container's process itself (no runc to start for it). `all`: every
   * process of the container, which is what killing its first one does when it
   * has a PID namespace of its own; else runc signals its whole cgroup.
   */
  private async signal(c: Container, signal: string, all: boolean): Promise<void> {
    const ownPidNs = (c.record.config.linux?.security_context?.namespace_options?.pid ?? 'CONTAINER') === 'CONTAINER';
    if (all && !ownPidNs) return this.d.tasks.kill(c.record.id, signal.replace(/^SIG/, ''), true);
    if (!isAlive({ pid: c.state.pid, start: c.state.pidStart })) return;
    try {
      process.kill(
        c.state.pid,
        /^\d+$/.test(signal) ? Number(signal) : signal.startsWith('SIG') ? signal : `SIG${signal}`,
      );
    } catch {
      // gone meanwhile, or a signal Node does not name: runc does
      await this.d.tasks.kill(c.record.id, signal.replace(/^SIG/, ''), all);
    }
  }

  private stopped(c: Container): void {
    this.emit(c.record, 'stop');
  }

  private stopSignal(r: ContainerRecord): string {
    const img = this.d.engine.store.images.get(r.imageId as Digest)
      ? this.d.engine.store.images.load(r.imageId as Digest).config.config
      : undefined;
    return img?.StopSignal || 'SIGTERM';
  }

  /** Waits until the container exited (recorded); false after timeoutMs. */
  private async waitExit(id: string, timeoutMs: number, tick?: () => void): Promise<boolean> {
    for (const deadline = Date.now() + timeoutMs; ; await sleep(10)) {
      const cur = this.d.store.container(id);
      if (!cur || this.refresh(cur).state.status !== 'running') return true;
      if (Date.now() >= deadline) return false;
      tick?.();
    }
  }

  /** Removes the container (killed first when it runs); an unknown container is no error. */
  async remove(idOrPrefix: string): Promise<void> {
    const found = this.tryFind(idOrPrefix);
    if (!found) return;
    const id = found.record.id;
    await this.d.locks.run(id, async () => {
      const c = this.d.store.container(id);
      if (!c) return;
      if (this.refresh(c).state.status === 'running') await this.stopLocked(id, 0);
      await this.releasing.get(id);
      await this.d.tasks.forget(id);
      const rootfs = this.d.layout.containerRootfs(id);
      unmountRootfs(rootfs);
      fs.rmSync(rootfs.dir, { recursive: true, force: true });
      this.d.store.deleteContainer(id);
      this.emit(c.record, 'destroy');
      // its image was removed meanwhile: the layers it kept may go now
      if (!this.d.engine.store.images.get(c.record.imageId as Digest)) this.d.engine.store.gc();
    });
  }

  /** StopPodSandbox: every container of the pod is killed at once, as containerd does. */
  async stopAll(sandboxId: string): Promise<void> {
    await Promise.all(
      this.d.store.containers(sandboxId).map((c) =>
        this.d.locks.run(c.record.id, async () => {
          const cur = this.d.store.container(c.record.id);
          // a created container's process waits for its start, which will not come now
          if (cur?.state.status === 'created') await this.d.tasks.delete(c.record.id);
          else await this.stopLocked(c.record.id, 0);
        }),
      ),
    );
  }

  /** The pod's containers, their state made true. */
  inPod(sandboxId: string): Container[] {
    return this.d.store.containers(sandboxId).map((c) => this.refresh(c));
  }

  async removeAll(sandboxId: string): Promise<void> {
    await Promise.all(this.d.store.containers(sandboxId).map((c) => this.remove(c.record.id)));
  }

  status(idOrPrefix: string, verbose: boolean) {
    const c = this.find(idOrPrefix);
    const { record, state } = c;
    const image = this.imageSpec(record);
    const status = {
      id: record.id,
      metadata: record.config.metadata,
      state: CRI_STATE[state.status],
      created_at: record.createdAt,
      started_at: state.startedAt,
      finished_at: state.finishedAt,
      exit_code: state.exitCode,
      image: { image: image.image, annotations: record.config.image?.annotations ?? {} },
      image_ref: image.ref,
      reason: state.reason,
      message: state.message,
      labels: record.config.labels,
      annotations: record.config.annotations,
      mounts: record.mounts,
      log_path: record.logPath,
      resources: record.config.linux?.resources ? { linux: record.config.linux.resources } : null,
    };
    const info: Record<string, string> = {};
    if (verbose) {
      info.info = JSON.stringify({
        sandboxID: record.sandboxId,
        pid: state.pid,
        removing: false,
        image: record.imageId,
        config: record.config,
        runtimeType: 'io.containerd.runc.v2',
      });
    }
    return { status, info };
  }

  /** containerd's image and image_ref of a container: its image's first tag, and its first repo digest (else its ID). */
  private imageSpec(r: ContainerRecord): { image: string; ref: string } {
    const refs = this.d.engine.store.images.get(r.imageId as Digest)
      ? this.d.engine.store.images.refsOf(r.imageId as Digest)
      : [];
    const tag = refs.find((x) => !x.isDigest)?.name;
    const digest = refs.find((x) => x.isDigest)?.name;
    return { image: tag ?? r.imageRef, ref: digest ?? r.imageId };
  }

  list(filter: ContainerFilter | null) {
    return this.d.store
      .containers()
      .map((c) => this.refresh(c))
      .filter(({ record, state }) => {
        if (!filter) return true;
        if (filter.id && !record.id.startsWith(filter.id)) return false;
        if (filter.pod_sandbox_id && !record.sandboxId.startsWith(filter.pod_sandbox_id)) return false;
        if (filter.state && filter.state.state !== CRI_STATE[state.status]) return false;
        return matchesLabels(record.config.labels, filter.label_selector);
      })
      .map(({ record, state }) => {
        const image = this.imageSpec(record);
        return {
          id: record.id,
          pod_sandbox_id: record.sandboxId,
          metadata: record.config.metadata,
          image: { image: image.image, annotations: record.config.image?.annotations ?? {} },
          image_ref: image.ref,
          state: CRI_STATE[state.status],
          created_at: record.createdAt,
          labels: record.config.labels,
          annotations: record.config.annotations,
        };
      });
  }

  /** New cgroup limits: applied to a running container, kept for a created one. */
  async updateResources(idOrPrefix: string, resources: LinuxContainerResources | null): Promise<void> {
    const found = this.find(idOrPrefix);
    const id = found.record.id;
    await this.d.locks.run(id, async () => {
      const c = this.find(id);
      if (c.state.status === 'exited' || c.state.status === 'unknown') {
        throw unknown(`container "${id}" is in ${CRI_STATE[c.state.status]} state`);
      }
      if (!resources) return;
      if (c.state.status === 'running') await this.d.tasks.update(id, linuxResources(resources));
      const config: ContainerConfig = {
        ...c.record.config,
        linux: { resources, security_context: c.record.config.linux?.security_context ?? null },
      };
      this.d.store.updateContainerRecord(id, { ...c.record, config });
    });
  }

  /** The container, which must be running (for exec, attach, stats). */
  running(idOrPrefix: string): Container {
    const c = this.find(idOrPrefix);
    if (c.state.status !== 'running') throw unknown(`container is in ${CRI_STATE[c.state.status]} state`);
    return c;
  }

  async execSync(idOrPrefix: string, cmd: string[], timeoutSec: number) {
    const c = this.running(idOrPrefix);
    return execSync(this.d.tasks, c.record.id, cmd, timeoutSec);
  }

  /** Has conmon reopen the log file (after the kubelet rotated it); resolves once the new file exists. */
  async reopenLog(idOrPrefix: string): Promise<void> {
    const c = this.find(idOrPrefix);
    if (c.state.status !== 'running') throw unknown('container is not running');
    if (!c.record.logPath) return;
    reopenLogs(this.d.layout.paths(c.record.id, c.record.logPath));
    for (const deadline = Date.now() + 5000; !fs.existsSync(c.record.logPath); await sleep(10)) {
      if (Date.now() > deadline) throw unknown(`failed to reopen container log "${c.record.logPath}"`);
    }
  }
}
