// The in-memory fakes put together as a container service's parts, for tests of
// its rules as an ordinary user: records, volumes, root filesystem holds, networks
// and the runtime in memory; a process is alive while the fake runtime runs it.
// Files a start writes (bundle, /etc files) go under a temporary root.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomHex } from '../digest';
import { FakeContainerRecords } from '../container/fake-records';
import { FakeRootfsHolders } from '../container/fake-rootfs-holders';
import { FakeNetworks } from '../network/fake-networks';
import { netnsPath } from '../network/netns';
import type { ContainerPaths } from '../runtime/conmon-files';
import { FakeRuntime } from '../runtime/fake-runtime';
import { FakeVolumes } from '../volume/fake-volumes';
import { ContainerNetworking } from './container-network';
import type { ContainerParts } from './container-parts';
import { containerDirOf, type Processes } from './container-reads';
import type { ContainerEvents } from './events';
import { FakeStorage } from './fake-storage';

/** Events kept in a list, in order: "container die", with the actor's ID and attributes. */
export class FakeEvents implements ContainerEvents {
  readonly log: Array<{ event: string; id: string; attributes: Record<string, string> }> = [];

  container(c: { id: string; name: string; image: string }, action: string, extra: Record<string, string> = {}): void {
    this.log.push({ event: `container ${action}`, id: c.id, attributes: { ...extra, name: c.name, image: c.image } });
  }

  network(id: string, name: string, action: string, extra: Record<string, string> = {}): void {
    this.log.push({ event: `network ${action}`, id, attributes: { ...extra, name } });
  }

  volume(name: string, action: string, extra: Record<string, string> = {}): void {
    this.log.push({ event: `volume ${action}`, id: name, attributes: extra });
  }

  /** The actions of one actor's events, in order ("create", "start", ...). */
  of(type: string, id: string): string[] {
    return this.log
      .filter((e) => e.id === id && e.event.startsWith(`${type} `))
      .map((e) => e.event.slice(type.length + 1));
  }
}

export class FakeContainerParts implements ContainerParts {
  readonly root: string;
  readonly runroot: string;
  readonly records = new FakeContainerRecords();
  readonly rootfsHolders = new FakeRootfsHolders();
  readonly runtime = new FakeRuntime();
  readonly networks = new FakeNetworks();
  readonly volumes: FakeVolumes;
  readonly networking: ContainerNetworking<FakeNetworks>;
  /** Images and layers: the image service's fakes, keeping the top layers of these containers. */
  readonly storage = new FakeStorage(() => this.records.list().flatMap((c) => c.record.topLayer ?? []));
  readonly processes: Processes = {
    // this process (a restart's waiter) and what the fake runtime runs
    start: (pid) => (pid === process.pid || this.runtime.isLive(pid) ? `fake-${pid}` : undefined),
  };

  constructor() {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-fake-parts-'));
    this.root = path.join(top, 'root');
    this.runroot = path.join(top, 'run');
    for (const d of [this.root, this.runroot]) fs.mkdirSync(d, { mode: 0o700 });
    this.volumes = new FakeVolumes(path.join(this.root, 'volumes'));
    this.networking = new ContainerNetworking(this.runroot, this.records, (id) => containerDirOf(this.root, id), {
      backend: () => this.networks,
      // a file stands for the namespace: the fake backend never enters it
      namespaces: {
        create: async (runroot, id) => {
          const netns = netnsPath(runroot, id);
          fs.mkdirSync(path.dirname(netns), { recursive: true });
          fs.writeFileSync(netns, '');
          return { netns };
        },
        remove: async (runroot, id) => fs.rmSync(netnsPath(runroot, id), { force: true }),
      },
      rootless: false,
    });
  }

  get images() {
    return this.storage.images;
  }

  runtimeFor(): FakeRuntime {
    return this.runtime;
  }

  exitCode(paths: ContainerPaths, id: string): number | undefined {
    return this.runtime.exitCode(paths, id);
  }

  tmpDir(prefix: string): string {
    const dir = path.join(this.root, 'tmp', `${prefix}-${randomHex(6)}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  gc(): void {
    this.storage.gc();
  }

  /** Removes the temporary root. */
  cleanup(): void {
    fs.rmSync(path.dirname(this.root), { recursive: true, force: true });
  }
}
