// `stowage system cri`: the CRI v1 RuntimeService and ImageService on a unix
// socket, over the engine (store, images, events) the CLI uses, with the
// streaming server the Exec/Attach/PortForward URLs point at.
import fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { Engine } from '../engine/engine';
import type { CriConfig } from './config';
import { Containers } from './containers';
import { implementation, listenUnix, type Logger } from './grpc-server';
import { imageHandlers } from './image-service';
import { CriImages } from './images';
import { KeyedLock } from './keyed-lock';
import { PodNetwork } from './pod-network';
import { criServices } from './proto';
import { runtimeHandlers } from './runtime-service';
import { Sandboxes } from './sandboxes';
import { Stats } from './stats';
import { StreamingServer } from './streaming/server';
import { streamingHandlers } from './streaming-service';
import { CriStore } from './store';
import { CriLayout, Tasks } from './tasks';

export interface CriServer {
  socket: string;
  /** base URL of the streaming server */
  streamingUrl?: string;
  close(): Promise<void>;
}

export interface CriParts {
  store: CriStore;
  layout: CriLayout;
  tasks: Tasks;
  images: CriImages;
  network: PodNetwork;
  sandboxes: Sandboxes;
  containers: Containers;
}

/** The CRI's services over an engine (no sockets): what the gRPC handlers call. */
export function criParts(engine: Engine, config: CriConfig): CriParts {
  const store = new CriStore(engine.store.db);
  const layout = new CriLayout(engine.store.root, engine.store.runroot);
  const tasks = new Tasks(layout, engine.globals.runtime);
  const images = new CriImages(engine, () => config.mirrors);
  const network = new PodNetwork(engine.store.root, engine.store.runroot, config.cni);
  const locks = new KeyedLock();
  let containers: Containers | undefined;
  const sandboxes = new Sandboxes({
    engine,
    store,
    tasks,
    layout,
    network,
    images,
    config,
    locks,
    containers: {
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- set just below, before anything can call back
      stopAll: (id) => containers!.stopAll(id),
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- set just below, before anything can call back
      removeAll: (id) => containers!.removeAll(id),
    },
  });
  containers = new Containers({ engine, store, tasks, layout, images, sandboxes, locks });
  return { store, layout, tasks, images, network, sandboxes, containers };
}

/** Records exits as conmon writes them (and those that happened while nobody served). */
function watchExits(parts: CriParts, log: Logger): fs.FSWatcher {
  const dir = parts.layout.exitDir;
  fs.mkdirSync(dir, { recursive: true });
  const onExit = (id: string) => {
    if (parts.store.container(id))
      void parts.containers
        .exited(id)
        .catch((e: unknown) => log.error(`recording the exit of ${id}: ${(e as Error).message}`));
    else if (parts.store.sandbox(id)) parts.sandboxes.tryFind(id);
  };
  const watcher = fs.watch(dir, (_event, name) => {
    if (name && /^[0-9a-f]{64}$/.test(name)) onExit(name);
  });
  parts.containers.list(null);
  parts.sandboxes.list(null);
  return watcher;
}

export async function startCriServer(engine: Engine, config: CriConfig, log: Logger): Promise<CriServer> {
  const services = criServices();
  const parts = criParts(engine, config);
  const watcher = watchExits(parts, log);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': 16 << 20,
    'grpc.max_send_message_length': 16 << 20,
  });
  server.addService(services.image, implementation(services.image, imageHandlers(parts.images), log));
  const streaming = new StreamingServer(config.streaming.address, config.streaming.port);
  const streamingUrl = await streaming.start();
  const extra = streamingHandlers({
    server: streaming,
    containers: parts.containers,
    sandboxes: parts.sandboxes,
    tasks: parts.tasks,
  });
  const runtime = runtimeHandlers({
    engine,
    config,
    sandboxes: parts.sandboxes,
    containers: parts.containers,
    stats: new Stats(parts.layout),
    extra,
  });
  server.addService(services.runtime, implementation(services.runtime, runtime, log));
  const front = await listenUnix(server, config.socket);
  return {
    socket: config.socket,
    streamingUrl,
    async close() {
      await streaming.close();
      watcher.close();
      front.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      parts.network.close();
      fs.rmSync(config.socket, { force: true });
    },
  };
}
