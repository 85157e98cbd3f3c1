// Engine API routes for containers: create (Docker's Config + HostConfig),
// start, attach (hijacked, before or after start), wait, stop, kill, restart,
// pause, rm, list, inspect, logs, cp archives.
import type { Duplex } from 'node:stream';
import { commandLine, listContainers, statusText } from '../engine/container-queries';
import type { Container } from '../container/store';
import type { PortBindings } from '../container/types';
import type { HealthConfig } from '../container/healthcheck';
import { isUserDefinedNetwork, type CreateOptions, type EndpointOptions } from '../engine/container-create';
import { isIPv4, isIPv6 } from 'node:net';
import { containerPorts } from '../engine/container-ports';
import { apiPorts } from '../network/ports';
import { containerInspect } from '../engine/container-inspect';
import { copyFromContainer, copyToContainer, statInContainer } from '../engine/cp';
import { conflict, invalidArgument, notFound } from '../errdefs';
import type { AttachIO } from '../util/attach-io';
import { DEFAULT_DETACH_KEYS, DetachWatcher, parseDetachKeys } from '../util/detach-keys';
import { parseApiTimestamp } from '../engine/events';
import { parseMountFlag, parseVolumeFlag, type VolumeRequest } from '../volume/specs';
import { filtersOf } from './images';
import { flag, sendJson, type Route } from './server';
import { frame, framed, hijack, STDERR, STDOUT } from './stream';

interface CreateBody {
  Image?: string;
  Cmd?: string[] | null;
  Entrypoint?: string[] | string | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  Hostname?: string;
  MacAddress?: string;
  Tty?: boolean;
  OpenStdin?: boolean;
  Labels?: Record<string, string> | null;
  ExposedPorts?: Record<string, object> | null;
  Volumes?: Record<string, object> | null;
  StopSignal?: string;
  StopTimeout?: number;
  Healthcheck?: HealthConfig | null;
  Shell?: string[] | null;
  NetworkingConfig?: { EndpointsConfig?: Record<string, EndpointSettings | null> | null } | null;
  HostConfig?: {
    Binds?: string[] | null;
    Mounts?: ApiMount[] | null;
    Tmpfs?: Record<string, string> | null;
    AutoRemove?: boolean;
    NetworkMode?: string;
    PortBindings?: PortBindings | null;
    PublishAllPorts?: boolean;
    Privileged?: boolean;
    ReadonlyRootfs?: boolean;
    CapAdd?: string[] | null;
    CapDrop?: string[] | null;
    SecurityOpt?: string[] | null;
    Memory?: number;
    MemorySwap?: number;
    NanoCpus?: number;
    PidsLimit?: number | null;
    Init?: boolean | null;
    RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
    ExtraHosts?: string[] | null;
    Dns?: string[] | null;
    DnsSearch?: string[] | null;
    DnsOptions?: string[] | null;
    Ulimits?: Array<{ Name: string; Hard: number; Soft: number }> | null;
    UsernsMode?: string;
    ShmSize?: number;
    Runtime?: string;
    ContainerIDFile?: string;
    LogConfig?: { Type?: string; Config?: Record<string, string> | null } | null;
    VolumesFrom?: string[] | null;
    GroupAdd?: string[] | null;
    IpcMode?: string;
    PidMode?: string;
    UTSMode?: string;
    CpuShares?: number;
    CpusetCpus?: string;
    MemoryReservation?: number;
    OomKillDisable?: boolean | null;
    OomScoreAdj?: number;
    Devices?: Array<{ PathOnHost?: string; PathInContainer?: string; CgroupPermissions?: string }> | null;
    Sysctls?: Record<string, string> | null;
    Links?: string[] | null;
    Isolation?: string;
    DeviceCgroupRules?: string[] | null;
  };
}

/** mount.Mount of the Engine API (HostConfig.Mounts). */
interface ApiMount {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string } | null;
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string> | null } | null;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number } | null;
}

/** network.EndpointSettings as a create names them (NetworkingConfig.EndpointsConfig). */
export interface EndpointSettings {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] | null } | null;
  Links?: string[] | null;
  Aliases?: string[] | null;
  DriverOpts?: Record<string, string> | null;
}

/** An endpoint's settings as stowage keeps them (IPv4Address checked). */
export function endpointOptions(ep: EndpointSettings): EndpointOptions {
  const ip = ep.IPAMConfig?.IPv4Address || undefined;
  if (ip !== undefined && !isIPv4(ip)) throw invalidArgument(`invalid IPv4 address: ${ip}`);
  const ip6 = ep.IPAMConfig?.IPv6Address || undefined;
  if (ip6 !== undefined && !isIPv6(ip6)) throw invalidArgument(`invalid IPv6 address: ${ip6}`);
  const linkLocal = ep.IPAMConfig?.LinkLocalIPs ?? [];
  const driverOpts = ep.DriverOpts ?? {};
  return {
    aliases: ep.Aliases ?? [],
    ipv4Address: ip,
    ...(ip6 ? { ipv6Address: ip6 } : {}),
    links: ep.Links ?? [],
    ...(linkLocal.length ? { linkLocalIps: linkLocal } : {}),
    ...(Object.keys(driverOpts).length ? { driverOpts } : {}),
  };
}

/** One of HostConfig.Mounts as a volume request (--mount's rules, with the volume's labels and nocopy). */
function mountRequest(m: ApiMount): VolumeRequest {
  const fields = [
    `type=${m.Type ?? 'volume'}`,
    m.Source ? `source=${m.Source}` : '',
    `target=${m.Target ?? ''}`,
    m.ReadOnly ? 'readonly' : '',
  ];
  if (m.BindOptions?.Propagation) fields.push(`bind-propagation=${m.BindOptions.Propagation}`);
  if (m.TmpfsOptions?.SizeBytes) fields.push(`tmpfs-size=${m.TmpfsOptions.SizeBytes}`);
  if (m.TmpfsOptions?.Mode) fields.push(`tmpfs-mode=${m.TmpfsOptions.Mode.toString(8)}`);
  const req = parseMountFlag(fields.filter(Boolean).join(','));
  if (req.Type !== 'volume') return req;
  const labels = m.VolumeOptions?.Labels ?? {};
  return {
    ...req,
    ...(m.VolumeOptions?.NoCopy ? { NoCopy: true } : {}),
    ...(Object.keys(labels).length ? { VolumeLabels: labels } : {}),
  };
}

/**
 * The create's one endpoint (Docker 20.10 takes no more): its settings go to the
 * --network's endpoint when it names that network, else they name one more network.
 */
function endpointOf(body: CreateBody, networkMode: string): Pick<CreateOptions, 'endpoint' | 'extraNetworks'> {
  const eps = Object.entries(body.NetworkingConfig?.EndpointsConfig ?? {});
  if (eps.length > 1)
    throw invalidArgument(`Container cannot be connected to network endpoints: ${eps.map(([k]) => k).join(', ')}`);
  if (!eps.length) return {};
  const [name, ep] = eps[0];
  if (!ep) throw invalidArgument(`no EndpointSettings for ${name}`);
  const settings = endpointOptions(ep);
  const primary = networkMode === 'default' ? ['default', 'bridge'] : [networkMode];
  return primary.includes(name) ? { endpoint: settings } : { extraNetworks: { [name]: settings } };
}

/** Docker's container create body as stowage's create options and volume requests. */
export function createRequest(
  body: CreateBody,
  name: string | undefined,
  runtime: string,
): { opts: CreateOptions; volumes: VolumeRequest[] } {
  const h = body.HostConfig ?? {};
  let cmd = body.Cmd ?? [];
  let entrypoint: string | undefined;
  if (body.Entrypoint !== undefined && body.Entrypoint !== null) {
    const ep = Array.isArray(body.Entrypoint) ? body.Entrypoint : [body.Entrypoint];
    entrypoint = ep[0] ?? '';
    cmd = [...ep.slice(1), ...cmd];
  }
  const networkMode = !h.NetworkMode || h.NetworkMode === 'default' ? 'default' : h.NetworkMode;
  const binds = h.Binds ?? [];
  const volumes: VolumeRequest[] = [
    ...binds.map(parseVolumeFlag),
    ...Object.keys(body.Volumes ?? {})
      .filter((d) => !binds.some((b) => b.split(':')[1] === d))
      .map(parseVolumeFlag),
    ...(h.Mounts ?? []).map(mountRequest),
    ...Object.entries(h.Tmpfs ?? {}).map(([dest, o]) => ({
      ...parseMountFlag(`type=tmpfs,target=${dest}`),
      TmpfsOptions: o ? o.split(',') : [],
    })),
  ];
  return {
    volumes,
    opts: {
      image: body.Image ?? '',
      cmd,
      name,
      entrypoint,
      env: body.Env ?? [],
      workdir: body.WorkingDir || undefined,
      user: body.User || undefined,
      hostname: body.Hostname || undefined,
      macAddress: body.MacAddress || undefined,
      tty: !!body.Tty,
      interactive: !!body.OpenStdin,
      autoRemove: !!h.AutoRemove,
      readOnly: !!h.ReadonlyRootfs,
      privileged: !!h.Privileged,
      capAdd: h.CapAdd ?? [],
      capDrop: h.CapDrop ?? [],
      securityOpt: h.SecurityOpt ?? [],
      memory: h.Memory ?? 0,
      memorySwap: h.MemorySwap || undefined,
      cpus: (h.NanoCpus ?? 0) / 1e9,
      pidsLimit: h.PidsLimit ?? undefined,
      init: !!h.Init,
      labels: body.Labels ?? {},
      runtime: h.Runtime || runtime,
      networkMode,
      portBindings: h.PortBindings ?? {},
      publishAll: !!h.PublishAllPorts,
      exposedPorts: body.ExposedPorts ?? {},
      mounts: [],
      binds,
      stopSignal: body.StopSignal || undefined,
      stopTimeout: body.StopTimeout,
      shmSize: h.ShmSize || undefined,
      restartPolicy: h.RestartPolicy?.Name
        ? { Name: h.RestartPolicy.Name, MaximumRetryCount: h.RestartPolicy.MaximumRetryCount ?? 0 }
        : undefined,
      extraHosts: h.ExtraHosts ?? [],
      dns: h.Dns ?? [],
      dnsSearch: h.DnsSearch ?? [],
      dnsOptions: h.DnsOptions ?? [],
      ulimits: h.Ulimits ?? [],
      healthcheck: body.Healthcheck ?? undefined,
      shell: body.Shell ?? undefined,
      containerIdFile: h.ContainerIDFile || undefined,
      logDriver: h.LogConfig?.Type || undefined,
      logOpts: h.LogConfig?.Config ?? {},
      volumesFrom: h.VolumesFrom ?? [],
      groupAdd: h.GroupAdd ?? [],
      ipcMode: h.IpcMode || undefined,
      pidMode: h.PidMode ?? '',
      utsMode: h.UTSMode ?? '',
      usernsMode: h.UsernsMode ?? '',
      cpuShares: h.CpuShares ?? 0,
      cpusetCpus: h.CpusetCpus ?? '',
      memoryReservation: h.MemoryReservation || undefined,
      oomKillDisable: !!h.OomKillDisable,
      oomScoreAdj: h.OomScoreAdj ?? 0,
      devices: (h.Devices ?? []).map((d) => ({
        PathOnHost: d.PathOnHost ?? '',
        PathInContainer: d.PathInContainer || d.PathOnHost || '',
        CgroupPermissions: d.CgroupPermissions || 'rwm',
      })),
      sysctls: h.Sysctls ?? {},
      tmpfs: h.Tmpfs ?? undefined,
      isolation: h.Isolation || undefined,
      deviceCgroupRules: h.DeviceCgroupRules ?? [],
      // legacy links are the default bridge network's (Docker ignores them on a user-defined one)
      links: isUserDefinedNetwork(networkMode) ? [] : (h.Links ?? []),
      ...endpointOf(body, networkMode),
    },
  };
}

/** Attachments asked for before the container started: its start connects them. */
const pendingAttach = new Map<string, { io: ReturnType<typeof streamsFor>; socket: Duplex; watcher?: DetachWatcher }>();
/** Terminal sizes given before the start (the pty is made with it). */
const pendingSize = new Map<string, [number, number]>();

/** since/until of logs: "SECONDS[.NANOS]" as milliseconds (0 or absent: no bound). */
function parseApiTimestampMs(v: string | null): number | undefined {
  const ns = parseApiTimestamp(v);
  return ns ? Number(ns / 1_000_000n) : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function listEntry(c: Container) {
  const ports = apiPorts(containerPorts(c));
  return {
    Id: c.record.id,
    Names: [`/${c.record.name}`],
    Image: c.record.imageRef,
    ImageID: c.record.imageId,
    Command: commandLine(c),
    Created: Math.floor(Date.parse(c.record.created) / 1000),
    Ports: ports,
    Labels: c.record.config.Labels ?? {},
    State: c.state.Status,
    Status: statusText(c),
    HostConfig: { NetworkMode: c.record.hostConfig.NetworkMode },
    Mounts: c.record.mounts.map((m) => ({
      Type: m.Type,
      Name: m.Name,
      Source: m.Source,
      Destination: m.Destination,
      Mode: m.Mode,
      RW: m.RW,
      Propagation: m.Propagation,
    })),
    NetworkSettings: { Networks: Object.fromEntries(Object.keys(c.state.Networks ?? {}).map((n) => [n, {}])) },
  };
}

/** The streams an attach or exec start writes to its hijacked connection; close() ends it once they are flushed. */
export function streamsFor(
  socket: Duplex,
  tty: boolean,
  want: { stdin: boolean; stdout: boolean; stderr: boolean },
): AttachIO & { close(): void } {
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  const stdout = want.stdout ? framed(socket, STDOUT, tty) : framed(sink, STDOUT, true);
  const stderr = want.stderr ? framed(socket, STDERR, tty) : framed(sink, STDERR, true);
  const flushed = (w: NodeJS.WritableStream) => new Promise<void>((resolve) => w.end(() => resolve()));
  return {
    stdin: want.stdin ? socket : undefined,
    stdout,
    stderr,
    close: () => void Promise.all([flushed(stdout), flushed(stderr)]).then(() => socket.end()),
  };
}

export const CONTAINER_ROUTES: Route[] = [
  {
    method: 'GET',
    re: /^\/containers\/json$/,
    async handler(ctx, r, res) {
      const limit = Number(r.query.get('limit') ?? -1);
      const list = listContainers(ctx, { all: flag(r.query, 'all'), limit, filters: filtersOf(r.query) });
      sendJson(
        res,
        200,
        list.map((c) => listEntry(c)),
      );
    },
  },
  {
    method: 'POST',
    re: /^\/containers\/create$/,
    async handler(ctx, r, res) {
      const { opts, volumes } = createRequest(
        await r.json<CreateBody>(),
        r.query.get('name') ?? undefined,
        ctx.globals.runtime,
      );
      const c = await ctx.containers.create(opts, volumes);
      sendJson(res, 201, { Id: c.record.id, Warnings: [] });
    },
  },
  {
    method: 'GET',
    re: /^\/containers\/([^/]+)\/json$/,
    async handler(ctx, r, res) {
      sendJson(
        res,
        200,
        containerInspect(ctx.store, ctx.containers, ctx.containers.find(r.params[0]), flag(r.query, 'size')),
      );
    },
  },
  {
    method: 'POST',
    re: /^\/containers\/([^/]+)\/start$/,
    async handler(ctx, r, res) {
      const c = ctx.containers.find(r.params[0]);
      if (c.state.Status === 'running') return void res.writeHead(304).end();
      const pending = pendingAttach.get(c.record.id);
      pendingAttach.delete(c.record.id);
      const consoleSize = pendingSize.get(c.record.id);
      pendingSize.delete(c.record.id);
      let started;
      try {
        started = await ctx.containers.start(c.record.id, pending ? { ...pending.io, consoleSize } : undefined);
      } catch (e) {
        // nothing will come on the attachment; a --rm container goes, as the docker CLI's run expects
        pending?.io.close();
        if (c.record.hostConfig.AutoRemove)
          await ctx.containers.remove(c.record.id, { force: true, volumes: true }).catch(() => {});
        throw e;
      }
      if (pending) {
        const runId = started.container.state.RunId;
        if (started.attachment) {
          const attachment = started.attachment;
          let detached = false;
          pending.watcher?.on('detach', () => {
            detached = true;
            attachment.detach();
          });
          void started.attachment.done
            .catch(() => {})
            .finally(async () => {
              pending.io.close();
              // the attachment ends when the container exits: release it (and remove a --rm
              // one) here at once, rather than after conmon's exit command has started a CLI
              // (cleanup waits for the exit code conmon writes after closing the socket, and
              // leaves a container that still runs alone: a client that went away)
              if (!detached) await ctx.containers.cleanup(c.record.id, runId);
            })
            .catch(() => {}); // (conmon's exit command cleans up all the same)
        } else pending.io.close();
      }
      res.writeHead(204).end();
    },
  },
  {
    method: 'POST',
    re: /^\/containers\/([^/]+)\/attach$/,
    async upgrade(ctx, r, socket) {
      const c = ctx.containers.find(r.params[0]);
      // (a stopped container is the docker CLI's refusal, not the daemon's: its logs can be read, and a stream waits for its next start)
      if (c.state.Status === 'paused')
        throw conflict(`container ${r.params[0]} is paused, unpause the container before attach`);
      if (c.state.Status === 'restarting')
        throw conflict(`container ${r.params[0]} is restarting, wait until the container is running`);
      const tty = !!c.record.config.Tty;
      // the detach keys, typed on stdin, end the attachment and leave the container running (checked before the stream begins)
      const keys = flag(r.query, 'stdin')
        ? parseDetachKeys(r.query.get('detachKeys') || DEFAULT_DETACH_KEYS)
        : undefined;
      hijack(socket, !tty);
      const io = streamsFor(socket, tty, {
        stdin: flag(r.query, 'stdin'),
        stdout: flag(r.query, 'stdout'),
        stderr: flag(r.query, 'stderr'),
      });
      const watcher = keys && io.stdin ? new DetachWatcher(keys) : undefined;
      if (watcher && io.stdin) io.stdin = io.stdin.pipe(watcher);
      if (flag(r.query, 'logs')) {
        for await (const rec of ctx.containers.logs(c.record.id, {
          follow: false,
          stillWanted: () => !socket.destroyed,
        })) {
          const text = `${rec.line}${rec.partial ? '' : '\n'}`;
          (rec.stream === 'stderr' ? io.stderr : io.stdout).write(text);
        }
      }
      // stream=0 (or none): the logs only, as Docker's attach without a stream
      if (!flag(r.query, 'stream')) {
        io.close();
        return;
      }
      if (c.state.Status === 'running') {
        const a = ctx.containers.attach(c.record.id, io);
        watcher?.on('detach', () => a.detach());
        void a.done.catch(() => {}).finally(() => io.close());
        socket.on('close', () => a.detach());
      } else {
        pendingAttach.set(c.record.id, { io, socket, watcher });
        socket.on(
          'close',
          () => pendingAttach.get(c.record.id)?.socket === socket && pendingAttach.delete(c.record.id),
        );
      }
    },
  },
  {
    // answered when the condition holds: next-exit (default), not-running, removed
    method: 'POST',
    re: /^\/containers\/([^/]+)\/wait$/,
    async handler(ctx, r, res) {
      const condition = r.query.get('condition') || 'not-running';
      const first = ctx.containers.find(r.params[0]);
      const id = first.record.id;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      // the client went away (`docker run -d` asks, then leaves): stop waiting for it
      const left = new AbortController();
      res.on('close', () => left.abort());
      const gone = () => left.signal.aborted;
      const live = (s: string) => ['running', 'paused', 'restarting'].includes(s);
      if (condition !== 'not-running' && !live(first.state.Status)) {
        // wait for the start this wait was asked before (docker run: wait, then start)
        for (; !gone(); await sleep(20)) {
          const cur = ctx.containers.records.get(id);
          if (!cur || cur.state.StartedAt !== first.state.StartedAt || live(ctx.containers.refresh(cur).state.Status))
            break;
        }
      }
      const kept = () => ctx.containers.records.removedExitCode(id) ?? 0; // --rm: removed as it exited
      let code = ctx.containers.records.get(id) ? await ctx.containers.wait(id, left.signal).catch(kept) : kept();
      if (gone()) return;
      if (!ctx.containers.records.get(id)) code = kept();
      if (condition === 'removed') {
        while (!gone() && ctx.containers.records.get(id)) await sleep(10);
        code = ctx.containers.records.removedExitCode(id) ?? code;
      }
      res.end(JSON.stringify({ StatusCode: code, Error: null }));
    },
  },
  {
    method: 'POST',
    re: /^\/containers\/([^/]+)\/stop$/,
    async handler(ctx, r, res) {
      const c = ctx.containers.find(r.params[0]);
      if (!['running', 'paused', 'restarting'].includes(c.state.Status)) return void res.writeHead(304).end();
      const t = r.query.get('t');
      await ctx.containers.stop(c.record.id, t === null ? undefined : Number(t), r.query.get('signal') ?? undefined);
      res.writeHead(204).end();
    },
  },
  {
    method: 'POST',
    re: /^\/containers\/([^/]+)\/restart$/,
    async handler(ctx, r, res) {
      const t = r.query.get('t');
      await ctx.containers.restart(r.params[0], t === null ? undefined : Number(t), r.query.get('signal') ?? undefined);
      res.writeHead(204).end();
    },
  },
  {
    // the docker CLI follows its terminal's size
    method: 'POST',
    re: /^\/containers\/([^/]+)\/resize$/,
    async handler(ctx, r, res) {
      const c = ctx.containers.find(r.params[0]);
      const size: [number, number] = [Number(r.query.get('h')), Number(r.query.get('w'))];
      if (c.state.Status === 'running') ctx.containers.resize(c.record.id, size[0], size[1]);
      else pendingSize.set(c.record.id, size);
      res.writeHead(200).end();
    },
  },
  {
    method: 'POST',
    re: /^\/containers\/([^/]+)\/kill$/,
    async handler(ctx, r, res) {
      await ctx.containers.kill(r.params[0], r.query.get('signal') || 'KILL');
      res.writeHead(204).end();
    },
  },
  {
    method: 'POST',
    re: /^\/containers\/([^/]+)\/(pause|unpause)$/,
    async handler(ctx, r, res) {
      await ctx.containers.pause(r.params[0], r.params[1] === 'pause');
      res.writeHead(204).end();
    },
  },
  {
    // rm --link: PARENT/ALIAS names a legacy link, not a container
    method: 'DELETE',
    re: /^\/containers\/([^/]+\/[^/]+)$/,
    async handler(ctx, r, res) {
      if (!flag(r.query, 'link')) throw notFound(`No such container: ${r.params[0]}`);
      ctx.containers.removeLink(r.params[0]);
      res.writeHead(204).end();
    },
  },
  {
    method: 'DELETE',
    re: /^\/containers\/([^/]+)$/,
    async handler(ctx, r, res) {
      const c = ctx.containers.find(r.params[0]);
      if (flag(r.query, 'link')) ctx.containers.removeLink(r.params[0]); // a bare name: Docker's "default link name" conflict
      await ctx.containers.remove(c.record.id, { force: flag(r.query, 'force'), volumes: flag(r.query, 'v') });
      pendingSize.delete(c.record.id);
      ctx.execs.forget(c.record.id);
      res.writeHead(204).end();
    },
  },
  {
    method: 'GET',
    re: /^\/containers\/([^/]+)\/logs$/,
    async handler(ctx, r, res) {
      const c = ctx.containers.find(r.params[0]);
      const tty = !!c.record.config.Tty;
      const tail = r.query.get('tail');
      res.writeHead(200, {
        'Content-Type': tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream',
      });
      const want = { stdout: flag(r.query, 'stdout'), stderr: flag(r.query, 'stderr') };
      for await (const rec of ctx.containers.logs(c.record.id, {
        follow: flag(r.query, 'follow'),
        stillWanted: () => !res.destroyed, // the client went away: stop following
        tail: tail && tail !== 'all' && Number(tail) >= 0 ? Number(tail) : undefined,
        since: parseApiTimestampMs(r.query.get('since')),
        until: parseApiTimestampMs(r.query.get('until')),
      })) {
        if (!want[rec.stream === 'stderr' ? 'stderr' : 'stdout']) continue;
        const text = Buffer.from(
          `${flag(r.query, 'timestamps') ? `${rec.time} ` : ''}${rec.line}${rec.partial ? '' : '\n'}`,
        );
        if (res.destroyed) break;
        if (!res.write(tty ? text : frame(rec.stream === 'stderr' ? STDERR : STDOUT, text)))
          await new Promise((ok) => res.once('drain', ok));
      }
      res.end();
    },
  },
  {
    // docker cp: HEAD stats a path, GET sends it as a tar, PUT unpacks a tar into a directory
    method: 'HEAD',
    re: /^\/containers\/([^/]+)\/archive$/,
    async handler(ctx, r, res) {
      const st = await statInContainer(ctx.containers, ctx.containers.find(r.params[0]), r.query.get('path') ?? '/');
      res.writeHead(200, { 'X-Docker-Container-Path-Stat': Buffer.from(JSON.stringify(st)).toString('base64') }).end();
    },
  },
  {
    method: 'GET',
    re: /^\/containers\/([^/]+)\/archive$/,
    async handler(ctx, r, res) {
      const c = ctx.containers.find(r.params[0]);
      const p = r.query.get('path') ?? '/';
      const st = await statInContainer(ctx.containers, c, p);
      res.writeHead(200, {
        'Content-Type': 'application/x-tar',
        'X-Docker-Container-Path-Stat': Buffer.from(JSON.stringify(st)).toString('base64'),
      });
      await copyFromContainer(ctx.containers, c, p, '-', { follow: false }, res);
      res.end();
    },
  },
  {
    method: 'PUT',
    re: /^\/containers\/([^/]+)\/archive$/,
    async handler(ctx, r, res) {
      const c = ctx.containers.find(r.params[0]);
      await copyToContainer(ctx.containers, c, '-', r.query.get('path') ?? '/', {}, r.req as AsyncIterable<Buffer>);
      res.writeHead(200).end();
    },
  },
];
