// Pod sandboxes: a pause process holding the pod's network, IPC, UTS (and,
// when shared, PID) namespaces, its files (hostname, hosts, resolv.conf,
// /dev/shm) and its place on the pods' network. Run, stop, remove, status and
// list with containerd's rules and error codes; a failure half-way through a
// run takes back everything it made.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type { Digest } from '../digest';
import type { Engine } from '../engine/engine';
import { netnsPath, removeNetns } from '../network/netns';
import { notFound } from '../errdefs';
import { mountRootfs, unmountRootfs } from '../container/rootfs';
import { isAlive, processStart } from '../util/proc';
import type { CriConfig } from './config';
import type { CriImages } from './images';
import type { KeyedLock } from './keyed-lock';
import type { PodNetwork } from './pod-network';
import { removeSandboxFiles, sandboxFiles, unmountShm, writeSandboxFiles } from './sandbox-files';
import { sandboxSpec } from './spec';
import { unknown } from './status';
import type { CriStore, SandboxRecord, SandboxState } from './store';
import { monitored, type CriLayout, type Tasks } from './tasks';
import { nowNs } from './time';
import type { Labels, NamespaceMode, PodSandboxConfig, PodSandboxState } from './types';

export interface SandboxDeps {
  engine: Engine;
  store: CriStore;
  tasks: Tasks;
  layout: CriLayout;
  network: PodNetwork;
  images: CriImages;
  config: CriConfig;
  locks: KeyedLock;
  /** stops and removes a pod's containers (the container service) */
  containers: {
    stopAll(sandboxId: string): Promise<void>;
    removeAll(sandboxId: string): Promise<void>;
  };
}

export interface SandboxFilter {
  id: string;
  state: { state: PodSandboxState } | null;
  label_selector: Labels;
}

/** cri-dockerd's name of a pod's infra container; also the name reserved for the pod. */
export function sandboxName(config: PodSandboxConfig): string {
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- CreateContainer and RunPodSandbox refuse a config without metadata
  const m = config.metadata!;
  return ['k8s', 'POD', m.name, m.namespace, m.uid, String(m.attempt)].join('_');
}

export const newId = () => randomBytes(32).toString('hex');

export function matchesLabels(labels: Labels, selector: Labels): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export class Sandboxes {
  constructor(private readonly d: SandboxDeps) {}

  /** A pod by its ID or a unique prefix of it. */
  find(idOrPrefix: string): { record: SandboxRecord; state: SandboxState } {
    if (!idOrPrefix) throw unknown(`an error occurred when try to find sandbox "": Prefix can't be empty`);
    const exact = idOrPrefix ? this.d.store.sandbox(idOrPrefix) : undefined;
    if (exact) return this.refresh(exact);
    const ids = idOrPrefix ? this.d.store.idsWithPrefix('cri_sandboxes', idOrPrefix) : [];
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the ID came from the store's own index
    if (ids.length === 1) return this.refresh(this.d.store.sandbox(ids[0])!);
    throw notFound(`an error occurred when try to find sandbox: not found`);
  }

  tryFind(idOrPrefix: string): { record: SandboxRecord; state: SandboxState } | undefined {
    try {
      return this.find(idOrPrefix);
    } catch {
      // not found, empty or ambiguous prefix: no such pod; this also drops a failed refresh (a store write)
      return undefined;
    }
  }

  /** A ready pod whose pause process is gone is not ready any more. */
  refresh(s: { record: SandboxRecord; state: SandboxState }): { record: SandboxRecord; state: SandboxState } {
    if (s.state.status !== 'ready') return s;
    const exited = this.d.tasks.exitCode(s.record.id) !== undefined;
    if (!exited && (isAlive({ pid: s.state.pid, start: s.state.pidStart }) || monitored(s.state))) return s;
    const state = this.d.store.updateSandbox(s.record.id, (st) => ({ ...st, status: 'notready' }));
    this.emit(s.record, 'die');
    return { record: s.record, state };
  }

  private emit(r: SandboxRecord, action: string): void {
    this.d.engine.events.container(
      { id: r.id, name: r.name, image: this.d.config.sandboxImage || 'catatonit', labels: r.config.labels },
      action,
    );
  }

  async run(config: PodSandboxConfig | null, runtimeHandler: string): Promise<string> {
    if (!config?.metadata) throw unknown('sandbox config must include metadata');
    if (runtimeHandler && runtimeHandler !== 'runc') {
      throw unknown(`failed to get sandbox runtime: no runtime for "${runtimeHandler}" is configured`);
    }
    const ns = config.linux?.security_context?.namespace_options;
    const mode = (m: NamespaceMode | undefined) => m === 'NODE';
    const record: SandboxRecord = {
      id: newId(),
      name: sandboxName(config),
      createdAt: nowNs(),
      config,
      runtimeHandler,
      hostname: config.hostname || os.hostname(),
      cgroupParent: config.linux?.cgroup_parent || this.d.config.cgroupParent,
      hostNetwork: mode(ns?.network),
      hostPid: mode(ns?.pid),
      hostIpc: mode(ns?.ipc),
      netnsPath: '',
      imageId: '',
      topLayer: null,
    };
    if (!record.hostNetwork) record.netnsPath = netnsPath(this.d.engine.store.runroot, record.id);
    return this.d.locks.run(record.id, () => this.create(record));
  }

  private async create(record: SandboxRecord): Promise<string> {
    const { store, layout, tasks, network } = this.d;
    const undo: Array<() => Promise<void> | void> = [];
    let image: import('../oci/types').ContainerConfig | undefined;
    try {
      if (this.d.config.sandboxImage) {
        const id =
          this.d.images.resolve(this.d.config.sandboxImage) ?? (await this.d.images.pull(this.d.config.sandboxImage));
        const img = this.d.engine.store.images.load(id);
        record.imageId = id;
        record.topLayer = img.record.topLayer;
        image = img.config.config ?? {};
      }
      store.insertSandbox(record, { status: 'notready', pid: 0, pidStart: '', ip: '', networkAttached: false });
      undo.push(() => store.deleteSandbox(record.id));
      const dir = layout.sandboxDir(record.id);
      undo.push(() => removeSandboxFiles(dir));
      writeSandboxFiles(dir, { hostname: record.hostname, dns: record.config.dns_config, hostIpc: record.hostIpc });
      let rootfs = this.pauseRoot();
      if (image) {
        const paths = layout.containerRootfs(record.id);
        undo.push(() => {
          unmountRootfs(paths);
          fs.rmSync(paths.dir, { recursive: true, force: true });
        });
        mountRootfs(this.d.engine.store.layers, record.topLayer as Digest | null, paths, { init: false });
        rootfs = paths.merged;
      }
      const spec = sandboxSpec({ sandbox: record, rootfs, image, pauseCommand: this.d.config.pauseCommand });
      if (!record.hostNetwork) {
        await network.createNetns(record.id);
        undo.push(() => removeNetns(record.netnsPath));
      }
      // the pause process and the CNI plugins at the same time: both need only the namespace
      undo.push(() => tasks.delete(record.id));
      const attached = record.hostNetwork
        ? Promise.resolve('')
        : network.attach(record.id, record.netnsPath, record.name, record.config.port_mappings);
      const started = tasks.runDetached(record.id, spec);
      const [net, run] = await Promise.allSettled([attached, started]);
      if (!record.hostNetwork && net.status === 'fulfilled')
        undo.push(() => network.tearDown(record.id, record.netnsPath));
      if (net.status === 'rejected')
        throw unknown(`failed to setup network for sandbox "${record.id}": ${(net.reason as Error).message}`);
      if (run.status === 'rejected')
        throw unknown(`failed to create containerd task: ${(run.reason as Error).message}`);
      const pid = run.value;
      store.updateSandbox(record.id, (st) => ({
        ...st,
        status: 'ready',
        pid,
        pidStart: processStart(pid) ?? '',
        ip: net.value,
        networkAttached: !record.hostNetwork,
      }));
      this.emit(record, 'create');
      this.emit(record, 'start');
      return record.id;
    } catch (e) {
      for (const step of undo.reverse()) {
        try {
          await step();
        } catch {
          // best effort: the first error is the one to report
        }
      }
      throw e;
    }
  }

  /** The root of pause processes run from the host's binary: empty but for their mount points. */
  private pauseRoot(): string {
    const root = this.d.layout.pauseRoot;
    if (!fs.existsSync(`${root}/pause`)) {
      for (const d of ['proc', 'dev', 'sys', 'etc']) fs.mkdirSync(`${root}/${d}`, { recursive: true, mode: 0o755 });
      fs.writeFileSync(`${root}/pause`, '', { mode: 0o755 });
    }
    return root;
  }

  /** Stops the pod's containers and its pause process, takes its network down. Idempotent. */
  async stop(idOrPrefix: string): Promise<void> {
    const found = this.find(idOrPrefix);
    const id = found.record.id;
    await this.d.locks.run(id, async () => {
      const cur = this.d.store.sandbox(id);
      if (!cur) return;
      // the containers, the pause process and the network all go at the same time
      const [ctrs, pause, net] = await Promise.allSettled([
        this.d.containers.stopAll(id),
        this.stopPause(cur.record, cur.state),
        cur.state.networkAttached ? this.d.network.tearDown(id, cur.record.netnsPath) : Promise.resolve(),
      ]);
      if (ctrs.status === 'rejected') throw ctrs.reason;
      if (pause.status === 'rejected') throw pause.reason;
      if (net.status === 'rejected')
        throw unknown(`failed to destroy network for sandbox "${id}": ${(net.reason as Error).message}`);
      unmountShm(this.d.layout.sandboxDir(id));
      const wasReady = cur.state.status === 'ready';
      this.d.store.updateSandbox(id, (st) => ({
        ...st,
        status: 'notready',
        pid: 0,
        pidStart: '',
        networkAttached: false,
      }));
      if (wasReady) this.emit(cur.record, 'die');
      if (wasReady) this.emit(cur.record, 'stop');
    });
  }

  /** Kills the pause process (it holds nothing worth a signal first) and forgets it. */
  private async stopPause(r: SandboxRecord, st: SandboxState): Promise<void> {
    const proc = { pid: st.pid, start: st.pidStart };
    if (st.pid > 0 && isAlive(proc)) {
      try {
        process.kill(st.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      for (const deadline = Date.now() + 10_000; isAlive(proc) && Date.now() < deadline;)
        await new Promise((res) => setTimeout(res, 5));
    }
    await this.d.tasks.delete(r.id);
    if (r.imageId) unmountRootfs(this.d.layout.containerRootfs(r.id));
  }

  /** Removes the pod and its containers; a ready pod is stopped first. An unknown pod is no error. */
  async remove(idOrPrefix: string): Promise<void> {
    const found = this.tryFind(idOrPrefix);
    if (!found) return;
    const id = found.record.id;
    if (found.state.status === 'ready' || found.state.networkAttached) await this.stop(id);
    await this.d.containers.removeAll(id);
    await this.d.locks.run(id, async () => {
      const cur = this.d.store.sandbox(id);
      if (!cur) return;
      await this.stopPause(cur.record, cur.state);
      removeSandboxFiles(this.d.layout.sandboxDir(id));
      fs.rmSync(this.d.layout.containerRootfs(id).dir, { recursive: true, force: true });
      this.d.store.deleteSandbox(id);
      this.emit(cur.record, 'destroy');
    });
  }

  status(idOrPrefix: string, verbose: boolean) {
    const { record, state } = this.find(idOrPrefix);
    const ns = record.config.linux?.security_context?.namespace_options;
    const status = {
      id: record.id,
      metadata: record.config.metadata,
      state: state.status === 'ready' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
      created_at: record.createdAt,
      network: { ip: record.hostNetwork ? '' : state.ip, additional_ips: [] },
      linux: {
        namespaces: {
          options: { network: ns?.network ?? 'POD', pid: ns?.pid ?? 'CONTAINER', ipc: ns?.ipc ?? 'POD', target_id: '' },
        },
      },
      labels: record.config.labels,
      annotations: record.config.annotations,
      runtime_handler: record.runtimeHandler,
    };
    const info: Record<string, string> = {};
    if (verbose) {
      info.info = JSON.stringify({
        pid: state.pid,
        processStatus: state.status === 'ready' ? 'running' : 'stopped',
        netNamespacePath: record.netnsPath,
        image: record.imageId || this.d.config.pauseCommand[0],
        runtimeHandler: record.runtimeHandler,
        config: record.config,
        files: sandboxFiles(this.d.layout.sandboxDir(record.id)),
      });
    }
    return { status, info };
  }

  list(filter: SandboxFilter | null) {
    return this.d.store
      .sandboxes()
      .map((s) => this.refresh(s))
      .filter(({ record, state }) => {
        if (!filter) return true;
        if (filter.id && !record.id.startsWith(filter.id)) return false;
        if (filter.state && filter.state.state !== (state.status === 'ready' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY'))
          return false;
        return matchesLabels(record.config.labels, filter.label_selector);
      })
      .map(({ record, state }) => ({
        id: record.id,
        metadata: record.config.metadata,
        state: state.status === 'ready' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
        created_at: record.createdAt,
        labels: record.config.labels,
        annotations: record.config.annotations,
        runtime_handler: record.runtimeHandler,
      }));
  }
}
