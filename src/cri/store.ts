// Pod sandboxes and their containers in the metadata database (cri_sandboxes,
// cri_containers): each row is the record (what the kubelet asked for, fixed at
// creation) and the state (what became of it), both JSON. Names are unique, as
// containerd reserves them: a second pod or container of the same name fails.
import { alreadyExists, notFound } from '../errdefs';
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

interface Row {
  record: string;
  state: string;
}

export class CriStore {
  constructor(private readonly db: DB) {}

  // ---- sandboxes ----

  insertSandbox(record: SandboxRecord, state: SandboxState): void {
    writeTx(this.db, () => {
      const taken = this.db.prepare('SELECT id FROM cri_sandboxes WHERE name = ?').get(record.name) as
        { id: string } | undefined;
      if (taken)
        throw alreadyExists(
          `failed to reserve sandbox name "${record.name}": name "${record.name}" is reserved for "${taken.id}"`,
        );
      this.db
        .prepare('INSERT INTO cri_sandboxes (id, name, top_layer, record, state) VALUES (?, ?, ?, ?, ?)')
        .run(record.id, record.name, record.topLayer, JSON.stringify(record), JSON.stringify(state));
    });
  }

  sandbox(id: string): { record: SandboxRecord; state: SandboxState } | undefined {
    const r = this.db.prepare('SELECT record, state FROM cri_sandboxes WHERE id = ?').get(id) as Row | undefined;
    return r && { record: JSON.parse(r.record) as SandboxRecord, state: JSON.parse(r.state) as SandboxState };
  }

  sandboxes(): Array<{ record: SandboxRecord; state: SandboxState }> {
    return (this.db.prepare('SELECT record, state FROM cri_sandboxes').all() as Row[]).map((r) => ({
      record: JSON.parse(r.record) as SandboxRecord,
      state: JSON.parse(r.state) as SandboxState,
    }));
  }

  updateSandbox(id: string, fn: (s: SandboxState) => SandboxState): SandboxState {
    return writeTx(this.db, () => {
      const cur = this.sandbox(id);
      if (!cur) throw notFound(`sandbox ${id} not found`);
      const next = fn(cur.state);
      this.db.prepare('UPDATE cri_sandboxes SET state = ? WHERE id = ?').run(JSON.stringify(next), id);
      return next;
    });
  }

  deleteSandbox(id: string): void {
    this.db.prepare('DELETE FROM cri_sandboxes WHERE id = ?').run(id);
  }

  // ---- containers ----

  insertContainer(record: ContainerRecord, state: ContainerState): void {
    writeTx(this.db, () => {
      const taken = this.db.prepare('SELECT id FROM cri_containers WHERE name = ?').get(record.name) as
        { id: string } | undefined;
      if (taken)
        throw alreadyExists(
          `failed to reserve container name "${record.name}": name "${record.name}" is reserved for "${taken.id}"`,
        );
      this.db
        .prepare(
          'INSERT INTO cri_containers (id, sandbox_id, name, top_layer, record, state) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(record.id, record.sandboxId, record.name, record.topLayer, JSON.stringify(record), JSON.stringify(state));
    });
  }

  container(id: string): { record: ContainerRecord; state: ContainerState } | undefined {
    const r = this.db.prepare('SELECT record, state FROM cri_containers WHERE id = ?').get(id) as Row | undefined;
    return r && { record: JSON.parse(r.record) as ContainerRecord, state: JSON.parse(r.state) as ContainerState };
  }

  containers(sandboxId?: string): Array<{ record: ContainerRecord; state: ContainerState }> {
    const rows = (
      sandboxId === undefined
        ? this.db.prepare('SELECT record, state FROM cri_containers').all()
        : this.db.prepare('SELECT record, state FROM cri_containers WHERE sandbox_id = ?').all(sandboxId)
    ) as Row[];
    return rows.map((r) => ({
      record: JSON.parse(r.record) as ContainerRecord,
      state: JSON.parse(r.state) as ContainerState,
    }));
  }

  updateContainer(id: string, fn: (s: ContainerState) => ContainerState): ContainerState {
    return writeTx(this.db, () => {
      const cur = this.container(id);
      if (!cur) throw notFound(`container ${id} not found`);
      const next = fn(cur.state);
      this.db.prepare('UPDATE cri_containers SET state = ? WHERE id = ?').run(JSON.stringify(next), id);
      return next;
    });
  }

  /** Replaces a container's record (its resources changed). */
  updateContainerRecord(id: string, record: ContainerRecord): void {
    this.db.prepare('UPDATE cri_containers SET record = ? WHERE id = ?').run(JSON.stringify(record), id);
  }

  deleteContainer(id: string): void {
    this.db.prepare('DELETE FROM cri_containers WHERE id = ?').run(id);
  }

  /** IDs (sandboxes and containers) starting with a prefix. */
  idsWithPrefix(table: 'cri_sandboxes' | 'cri_containers', prefix: string): string[] {
    return (
      this.db.prepare(`SELECT id FROM ${table} WHERE substr(id, 1, ?) = ?`).all(prefix.length, prefix) as Array<{
        id: string;
      }>
    ).map((r) => r.id);
  }
}
