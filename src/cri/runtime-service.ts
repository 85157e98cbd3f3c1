// runtime.v1.RuntimeService: requests in, service calls, responses out.
import type { Engine } from '../engine/engine';
import type { CriConfig } from './config';
import type { ContainerFilter, Containers } from './containers';
import type { Handlers } from './grpc-server';
import { runtimeConditions, versionInfo } from './runtime-info';
import { matchesLabels, type SandboxFilter, type Sandboxes } from './sandboxes';
import type { Stats } from './stats';
import type { ContainerConfig, LinuxContainerResources, PodSandboxConfig } from './types';

export interface RuntimeDeps {
  engine: Engine;
  config: CriConfig;
  sandboxes: Sandboxes;
  containers: Containers;
  stats: Stats;
  /** the streaming parts (exec, attach, port forward) */
  extra?: Handlers;
}

export function runtimeHandlers(deps: RuntimeDeps): Handlers {
  const { engine, config, sandboxes, containers, stats } = deps;
  const containerStats = (id: string) => {
    const c = containers.find(id);
    return stats.container(sandboxes.find(c.record.sandboxId).record, c);
  };
  const podStats = (id: string) => {
    const s = sandboxes.find(id);
    return stats.sandbox(s, containers.inPod(s.record.id));
  };
  return {
    async Version() {
      return versionInfo();
    },
    async Status(req: { verbose: boolean }) {
      const info: Record<string, string> = req.verbose ? { config: JSON.stringify(config) } : {};
      return { status: { conditions: runtimeConditions(config, engine.globals.runtime) }, info };
    },
    async UpdateRuntimeConfig() {
      // the pod CIDR: pods get their addresses from the stowage network's subnet
      return {};
    },

    async RunPodSandbox(req: { config: PodSandboxConfig | null; runtime_handler: string }) {
      return { pod_sandbox_id: await sandboxes.run(req.config, req.runtime_handler) };
    },
    async StopPodSandbox(req: { pod_sandbox_id: string }) {
      await sandboxes.stop(req.pod_sandbox_id);
      return {};
    },
    async RemovePodSandbox(req: { pod_sandbox_id: string }) {
      await sandboxes.remove(req.pod_sandbox_id);
      return {};
    },
    async PodSandboxStatus(req: { pod_sandbox_id: string; verbose: boolean }) {
      const { status, info } = sandboxes.status(req.pod_sandbox_id, req.verbose);
      return { status, info, containers_statuses: [], timestamp: '0' };
    },
    async ListPodSandbox(req: { filter: SandboxFilter | null }) {
      return { items: sandboxes.list(req.filter) };
    },

    async CreateContainer(req: {
      pod_sandbox_id: string;
      config: ContainerConfig | null;
      sandbox_config: PodSandboxConfig | null;
    }) {
      return { container_id: await containers.create(req.pod_sandbox_id, req.config, req.sandbox_config) };
    },
    async StartContainer(req: { container_id: string }) {
      await containers.start(req.container_id);
      return {};
    },
    async StopContainer(req: { container_id: string; timeout: string }) {
      await containers.stop(req.container_id, Number(req.timeout));
      return {};
    },
    async RemoveContainer(req: { container_id: string }) {
      await containers.remove(req.container_id);
      return {};
    },
    async ListContainers(req: { filter: ContainerFilter | null }) {
      return { containers: containers.list(req.filter) };
    },
    async ContainerStatus(req: { container_id: string; verbose: boolean }) {
      return containers.status(req.container_id, req.verbose);
    },
    async UpdateContainerResources(req: { container_id: string; linux: LinuxContainerResources | null }) {
      await containers.updateResources(req.container_id, req.linux);
      return {};
    },
    async ReopenContainerLog(req: { container_id: string }) {
      await containers.reopenLog(req.container_id);
      return {};
    },
    async ExecSync(req: { container_id: string; cmd: string[]; timeout: string }) {
      return containers.execSync(req.container_id, req.cmd, Number(req.timeout));
    },

    async ContainerStats(req: { container_id: string }) {
      return { stats: containerStats(req.container_id) };
    },
    async ListContainerStats(req: {
      filter: { id: string; pod_sandbox_id: string; label_selector: Record<string, string> } | null;
    }) {
      const f = req.filter;
      const list = containers.list({
        id: f?.id ?? '',
        pod_sandbox_id: f?.pod_sandbox_id ?? '',
        state: null,
        label_selector: f?.label_selector ?? {},
      });
      const out = [];
      for (const c of list) {
        try {
          out.push(containerStats(c.id));
        } catch {
          // removed meanwhile
        }
      }
      return { stats: out };
    },
    async PodSandboxStats(req: { pod_sandbox_id: string }) {
      return { stats: podStats(req.pod_sandbox_id) };
    },
    async ListPodSandboxStats(req: { filter: { id: string; label_selector: Record<string, string> } | null }) {
      const f = req.filter;
      const pods = sandboxes
        .list(null)
        .filter((p) => (!f?.id || p.id.startsWith(f.id)) && matchesLabels(p.labels, f?.label_selector ?? {}));
      return { stats: pods.map((p) => podStats(p.id)) };
    },
    ...deps.extra,
  };
}
