// Pod sandboxes and their containers in the metadata database (cri_sandboxes,
// cri_containers): each row is the record (what the kubelet asked for, fixed at
// creation) and the state (what became of it), both JSON. Names are unique, as
// containerd reserves them: a second pod or container of the same name fails.
import { alreadyExists, notFound } from '../errdefs';
import { CriTable, type CriRow, type CriTableName } from '../metadata/cri';
import { writeTx, type DB } from '../metadata/db';
import type { ContainerConfig, Mount, PodSandboxConfig } from './types';

export interface SandboxRecord {
  id: string;
  /** cri-dockerd's name for the pod's infra container: k8s_POD_<name>_<namespace>_<uid>_<attempt> */
  name: string;
  /** nanoseconds since the epoch */
  createdAt: string;
  config: PodSandboxConfig;
  runtimeHandler: string;
  hostname: string;
  cgroupParent: string;
  hostNetwork: boolean;
  hostPid: boolean;
  hostIpc: boolean;
  /** the pod's network namespace file ('' with the host's network) */
  netnsPath: string;
  /** the sandbox image, when one is configured ('' = the host's pause binary) */
  imageId: string;
  topLayer: string | null;
}

export interface SandboxState {
  status: 'ready' | 'notready';
  /** the pause process (0 once it is gone) */
  pid: number;
  pidStart: string;
  conmonPid?: number;
  conmonStart?: string;
  ip: string;
  /** its network is set up (CNI ADD done; DEL still due) */
  networkAttached: boolean;
}

export type ContainerStatus = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerRecord {
  id: string;
  sandboxId: string;
  /** cri-dockerd's name: k8s_<container>_<pod>_<namespace>_<pod uid>_<attempt> */
  name: string;
  createdAt: string;
  config: ContainerConfig;
  /** the image as the request named it, and what it resolved to */
  imageRef: string;
  imageId: string;
  topLayer: string | null;
  /** the log file: the pod's log directory + the container's log path ('' = none) */
  logPath: string;
  /** the mounts as made (host paths as given) */
  mounts: Mount[];
}

export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  pidStart: string;
  /** the container's monitor: while it lives, an exit is recorded by it */
  conmonPid?: number;
  conmonStart?: string;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  reason: string;
  message: string;
}

const sandboxOf = (r: CriRow) => ({
  record: JSON.parse(r.record) as SandboxRecord,
  state: JSON.parse(r.state) as SandboxState,
});

const containerOf = (r: CriRow) => ({
  record: JSON.parse(r.record) as ContainerRecord,
  state: JSON.parse(r.state) as ContainerState,
});

export class CriStore {
  private readonly sandboxRows: CriTable;
  private readonly containerRows: CriTable;

  constructor(private readonly db: DB) {
    this.sandboxRows = new CriTable(db, 'cri_sandboxes');
    this.containerRows = new CriTable(db, 'cri_containers');
  }

  // ---- sandboxes ----

  insertSandbox(record: SandboxRecord, state: SandboxState): void {
    writeTx(this.db, () => {
      const taken = this.sandboxRows.idOfName(record.name);
      if (taken)
        throw alreadyExists(
          `failed to reserve sandbox name "${record.name}": name "${record.name}" is reserved for "${taken}"`,
        );
      this.sandboxRows.insert({
        id: record.id,
        name: record.name,
        topLayer: record.topLayer,
        record: JSON.stringify(record),
        state: JSON.stringify(state),
      });
    });
  }

  sandbox(id: string): { record: SandboxRecord; state: SandboxState } | undefined {
    const r = this.sandboxRows.get(id);
    return r && sandboxOf(r);
  }

  sandboxes(): Array<{ record: SandboxRecord; state: SandboxState }> {
    return this.sandboxRows.list().map(sandboxOf);
  }

  updateSandbox(id: string, fn: (s: SandboxState) => SandboxState): SandboxState {
    return writeTx(this.db, () => {
      const cur = this.sandbox(id);
      if (!cur) throw notFound(`sandbox ${id} not found`);
      const next = fn(cur.state);
      this.sandboxRows.setState(id, JSON.stringify(next));
      return next;
    });
  }

  deleteSandbox(id: string): void {
    this.sandboxRows.delete(id);
  }

  // ---- containers ----

  insertContainer(record: ContainerRecord, state: ContainerState): void {
    writeTx(this.db, () => {
      const taken = this.containerRows.idOfName(record.name);
      if (taken)
        throw alreadyExists(
          `failed to reserve container name "${record.name}": name "${record.name}" is reserved for "${taken}"`,
        );
      this.containerRows.insert({
        id: record.id,
        sandboxId: record.sandboxId,
        name: record.name,
        topLayer: record.topLayer,
        record: JSON.stringify(record),
        state: JSON.stringify(state),
      });
    });
  }

  container(id: string): { record: ContainerRecord; state: ContainerState } | undefined {
    const r = this.containerRows.get(id);
    return r && containerOf(r);
  }

  containers(sandboxId?: string): Array<{ record: ContainerRecord; state: ContainerState }> {
    return this.containerRows.list(sandboxId).map(containerOf);
  }

  updateContainer(id: string, fn: (s: ContainerState) => ContainerState): ContainerState {
    return writeTx(this.db, () => {
      const cur = this.container(id);
      if (!cur) throw notFound(`container ${id} not found`);
      const next = fn(cur.state);
      this.containerRows.setState(id, JSON.stringify(next));
      return next;
    });
  }

  /** Replaces a container's record (its resources changed). */
  updateContainerRecord(id: string, record: ContainerRecord): void {
    this.containerRows.setRecord(id, JSON.stringify(record));
  }

  deleteContainer(id: string): void {
    this.containerRows.delete(id);
  }

  /** IDs (sandboxes and containers) starting with a prefix. */
  idsWithPrefix(table: CriTableName, prefix: string): string[] {
    return (table === 'cri_sandboxes' ? this.sandboxRows : this.containerRows).idsWithPrefix(prefix);
  }
}
