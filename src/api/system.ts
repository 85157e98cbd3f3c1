// Engine API routes about the engine itself: ping (the docker CLI's version
// negotiation reads its headers), version and info.
import fs from 'node:fs';
import os from 'node:os';
import { hostArch } from '../image/config-json';
import { VERSION } from '../util/version';
import { isRootless } from '../rootless';
import { checkEventFilters, eventJson, parseApiTimestamp } from '../engine/events';
import { diskUsage } from '../engine/disk-usage';
import { StowageError } from '../errdefs';
import { listEntry } from './containers';
import { filtersOf, imageSummary } from './images';
import { API_VERSION, MIN_API_VERSION, sendJson, type Route } from './server';

export const SYSTEM_ROUTES: Route[] = [
  {
    method: 'GET',
    re: /^\/_ping$/,
    async handler(_ctx, r, res) {
      res.writeHead(200, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Api-Version': API_VERSION,
        'Builder-Version': '1',
        'Docker-Experimental': 'false',
        Ostype: 'linux',
        'Cache-Control': 'no-cache, no-store, must-revalidate',
        Pragma: 'no-cache',
      });
      res.end(r.method === 'HEAD' ? undefined : 'OK');
    },
  },
  {
    method: 'GET',
    re: /^\/version$/,
    async handler(_ctx, _r, res) {
      sendJson(res, 200, {
        Platform: { Name: 'stowage' },
        Components: [
          {
            Name: 'Engine',
            Version: VERSION,
            Details: {
              ApiVersion: API_VERSION,
              MinAPIVersion: MIN_API_VERSION,
              Os: 'linux',
              Arch: hostArch(),
              KernelVersion: os.release(),
              NodeVersion: process.version,
            },
          },
        ],
        Version: VERSION,
        ApiVersion: API_VERSION,
        MinAPIVersion: MIN_API_VERSION,
        GitCommit: '',
        GoVersion: process.version,
        Os: 'linux',
        Arch: hostArch(),
        KernelVersion: os.release(),
        BuildTime: '',
      });
    },
  },
  {
    method: 'GET',
    re: /^\/info$/,
    async handler(ctx, _r, res) {
      const cs = ctx.containers.list();
      const count = (s: string) => cs.filter((c) => c.state.Status === s).length;
      sendJson(res, 200, {
        ID: '',
        Containers: cs.length,
        ContainersRunning: count('running'),
        ContainersPaused: count('paused'),
        ContainersStopped: cs.length - count('running') - count('paused'),
        Images: ctx.store.images.list().length,
        Driver: 'overlay2',
        DriverStatus: [['Backing Filesystem', 'extfs']],
        Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file'] },
        // Docker 20.10's types.Info fields, in its order (SDKs read some of them unconditionally)
        MemoryLimit: true,
        SwapLimit:
          fs.existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes') ||
          fs.existsSync('/sys/fs/cgroup/memory.swap.max'),
        KernelMemory: false,
        KernelMemoryTCP: false,
        CpuCfsPeriod: true,
        CpuCfsQuota: true,
        CPUShares: true,
        CPUSet: true,
        PidsLimit: true,
        IPv4Forwarding: readProc('/proc/sys/net/ipv4/ip_forward') === '1',
        BridgeNfIptables: readProc('/proc/sys/net/bridge/bridge-nf-call-iptables') === '1',
        BridgeNfIp6tables: readProc('/proc/sys/net/bridge/bridge-nf-call-ip6tables') === '1',
        Debug: false,
        NFd: countDir('/proc/self/fd'),
        OomKillDisable: true,
        NGoroutines: 0,
        SystemTime: new Date().toISOString(),
        LoggingDriver: 'json-file',
        CgroupDriver: 'cgroupfs',
        CgroupVersion: fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1',
        NEventsListener: 0,
        KernelVersion: os.release(),
        OperatingSystem: 'stowage (daemonless engine)',
        OSVersion: '',
        OSType: 'linux',
        Architecture: hostArch() === 'amd64' ? 'x86_64' : hostArch(),
        IndexServerAddress: 'https://index.docker.io/v1/',
        RegistryConfig: {
          AllowNondistributableArtifactsCIDRs: [],
          AllowNondistributableArtifactsHostnames: [],
          InsecureRegistryCIDRs: ['127.0.0.0/8'],
          IndexConfigs: {},
          Mirrors: [],
        },
        NCPU: os.cpus().length,
        MemTotal: os.totalmem(),
        GenericResources: null,
        DockerRootDir: ctx.globals.root,
        HttpProxy: process.env.HTTP_PROXY ?? process.env.http_proxy ?? '',
        HttpsProxy: process.env.HTTPS_PROXY ?? process.env.https_proxy ?? '',
        NoProxy: process.env.NO_PROXY ?? process.env.no_proxy ?? '',
        Name: os.hostname(),
        Labels: [],
        ExperimentalBuild: false,
        ServerVersion: VERSION,
        Runtimes: { [ctx.globals.runtime]: { path: ctx.globals.runtime } },
        DefaultRuntime: ctx.globals.runtime,
        Swarm: {
          NodeID: '',
          NodeAddr: '',
          LocalNodeState: 'inactive',
          ControlAvailable: false,
          Error: '',
          RemoteManagers: null,
        },
        LiveRestoreEnabled: false,
        Isolation: '',
        InitBinary: 'docker-init',
        ContainerdCommit: { ID: '', Expected: '' },
        RuncCommit: { ID: '', Expected: '' },
        InitCommit: { ID: '', Expected: '' },
        SecurityOptions: ['name=seccomp,profile=default', ...(isRootless() ? ['name=rootless'] : [])],
        Warnings: [],
      });
    },
  },
  {
    // past events (since) and new ones as they come, until `until` or the client goes
    method: 'GET',
    re: /^\/events$/,
    async handler(ctx, r, res) {
      const filters = filtersOf(r.query);
      checkEventFilters(filters);
      const sinceNano = parseApiTimestamp(r.query.get('since'));
      const untilNano = parseApiTimestamp(r.query.get('until'));
      const ac = new AbortController();
      res.on('close', () => ac.abort());
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      for await (const e of ctx.events.follow({ sinceNano, untilNano, filters, signal: ac.signal })) {
        if (!res.write(`${eventJson(e)}\n`)) await new Promise((ok) => res.once('drain', ok));
      }
      res.end();
    },
  },
  {
    method: 'GET',
    re: /^\/system\/df$/,
    async handler(ctx, _r, res) {
      const u = diskUsage(ctx);
      sendJson(res, 200, {
        LayersSize: u.layersSize,
        Images: u.images.map((i) => imageSummary(i, i.shared)),
        Containers: u.containers.map(({ c, size }) => ({
          ...listEntry(c),
          SizeRw: size,
          SizeRootFs: size + (ctx.store.images.get(c.record.imageId)?.size ?? 0),
        })),
        Volumes: u.volumes.map(({ v, size, links }) => ({
          ...ctx.volumes.inspect(v),
          UsageData: { Size: size, RefCount: links },
        })),
        BuildCache: [],
      });
    },
  },
  // swarm is not served: Docker without swarm answers these with 503
  ...['GET', 'POST', 'DELETE'].map((method) => ({
    method,
    re: /^\/(swarm|nodes|services|tasks|secrets|configs)(\/.*)?$/,
    async handler() {
      throw NOT_SWARM();
    },
  })),
  {
    method: 'GET',
    re: /^\/plugins$/,
    async handler(_ctx, _r, res) {
      sendJson(res, 200, []);
    },
  },
];

function readProc(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    // a /proc knob that is absent (no bridge module, no IPv4) reads as off
    return '';
  }
}

function countDir(dir: string): number {
  try {
    return fs.readdirSync(dir).length;
  } catch {
    // info is best effort: an unreadable fd directory counts as none
    return 0;
  }
}

const NOT_SWARM = () =>
  new StowageError(
    'unavailable',
    'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.',
  );
