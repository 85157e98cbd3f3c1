// Resource usage of pods and their containers, read from their cgroups (as
// `stowage stats` reads them), the writable layer, and the pod's network
// devices. CPU rate (usage_nano_cores) is the change since the last reading.
import path from 'node:path';
import { sample } from '../runtime/cgroup-stats';
import { usage } from './images';
import type { ContainerRecord, ContainerState, SandboxRecord, SandboxState } from './store';
import type { CriLayout } from './tasks';
import { nowNs } from './time';

const u64 = (n: number) => ({ value: String(Math.max(0, Math.round(n))) });

export class Stats {
  private readonly last = new Map<string, { cpuNs: number; at: bigint }>();

  constructor(private readonly layout: CriLayout) {}

  private cpu(id: string, cpuNs: number, running: boolean) {
    const at = process.hrtime.bigint();
    const prev = this.last.get(id);
    let nanoCores = 0;
    if (running && prev && at > prev.at) nanoCores = ((cpuNs - prev.cpuNs) * 1e9) / Number(at - prev.at);
    if (running) this.last.set(id, { cpuNs, at });
    else this.last.delete(id);
    return { timestamp: nowNs(), usage_core_nano_seconds: u64(cpuNs), usage_nano_cores: u64(nanoCores) };
  }

  container(sandbox: SandboxRecord, c: { record: ContainerRecord; state: ContainerState }) {
    const running = c.state.status === 'running';
    const s = running ? sample(path.posix.join(sandbox.cgroupParent, c.record.id), c.state.pid) : undefined;
    const ts = nowNs();
    const upper = this.layout.containerRootfs(c.record.id).upper;
    const layer = usage(upper);
    return {
      attributes: {
        id: c.record.id,
        metadata: c.record.config.metadata,
        labels: c.record.config.labels,
        annotations: c.record.config.annotations,
      },
      cpu: this.cpu(c.record.id, s?.cpuNs ?? 0, running),
      memory: {
        timestamp: ts,
        working_set_bytes: u64(s?.memUsage ?? 0),
        available_bytes: u64(s ? s.memLimit - s.memUsage : 0),
        usage_bytes: u64(s?.memUsage ?? 0),
        rss_bytes: u64(0),
        page_faults: u64(0),
        major_page_faults: u64(0),
      },
      writable_layer: {
        timestamp: ts,
        fs_id: { mountpoint: upper },
        used_bytes: u64(layer.bytes),
        inodes_used: u64(layer.inodes),
      },
    };
  }

  /** The pod: its pause process and its containers added up, and its network devices. */
  sandbox(
    s: { record: SandboxRecord; state: SandboxState },
    containers: Array<{ record: ContainerRecord; state: ContainerState }>,
  ) {
    const stats = containers.map((c) => this.container(s.record, c));
    const ready = s.state.status === 'ready';
    const pause = ready ? sample(path.posix.join(s.record.cgroupParent, s.record.id), s.state.pid) : undefined;
    const sum = (f: (x: (typeof stats)[number]) => { value: string }) =>
      stats.reduce((n, x) => n + Number(f(x).value), 0);
    const ts = nowNs();
    const net = pause && !s.record.hostNetwork ? { rx: pause.netRx, tx: pause.netTx } : { rx: 0, tx: 0 };
    return {
      attributes: {
        id: s.record.id,
        metadata: s.record.config.metadata,
        labels: s.record.config.labels,
        annotations: s.record.config.annotations,
      },
      linux: {
        cpu: {
          timestamp: ts,
          usage_core_nano_seconds: u64(sum((x) => x.cpu.usage_core_nano_seconds) + (pause?.cpuNs ?? 0)),
          usage_nano_cores: u64(sum((x) => x.cpu.usage_nano_cores)),
        },
        memory: {
          timestamp: ts,
          working_set_bytes: u64(sum((x) => x.memory.working_set_bytes) + (pause?.memUsage ?? 0)),
          usage_bytes: u64(sum((x) => x.memory.usage_bytes) + (pause?.memUsage ?? 0)),
        },
        network: {
          timestamp: ts,
          default_interface: {
            name: 'eth0',
            rx_bytes: u64(net.rx),
            rx_errors: u64(0),
            tx_bytes: u64(net.tx),
            tx_errors: u64(0),
          },
          interfaces: [],
        },
        process: { timestamp: ts, process_count: u64((pause?.pids ?? 0) + 0) },
        containers: stats,
      },
    };
  }
}
