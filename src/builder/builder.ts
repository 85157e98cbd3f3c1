// `build` as Docker's classic builder does it: every instruction makes an image
// on top of the last one (metadata-only steps an empty layer), so that each
// step can be found again in the cache: a child of the current image made by
// the same instruction (the same history text, which holds the command, the
// build args it saw and the hash of copied files) with the same config.
// RUN runs in a real container (runc, on the default network unless told
// otherwise) whose writable layer becomes the step's layer; COPY, ADD and
// WORKDIR write into a private overlay of the current image.
import fs from 'node:fs';
import path from 'node:path';
import { mountRootfs, rootfsPaths, unmountRootfs, type RootfsPaths } from '../container/rootfs';
import type { Digest } from '../digest';
import { shortId } from '../digest';
import type { CreateOptions } from '../engine/container-create';
import { writableLayer, type Layer } from '../engine/commit';
import type { ContainerService } from '../engine/containers';
import { NoSuchImageError, type ImageService } from '../engine/images';
import type { Store } from '../engine/store';
import { invalidArgument, StowageError } from '../errdefs';
import { fullContainerConfig, hostArch, marshalImageConfig, nowGoTime } from '../image/config-json';
import type { ContainerConfig, ImageConfig } from '../oci/types';
import type { HealthConfig } from '../container/healthcheck';
import type { Reference } from '../reference';
import { BuildContext } from './context';
import { chownOwner, copyInto, ensureDir, sourcesDigest, type CopyItem } from './copy';
import { parseDockerfile, parseInstruction, type Instruction } from './dockerfile';
import { applyMetadata, DEFAULT_SHELL, keyValues } from './instructions';
import { expandWord, expandWords, varsOf, type Vars } from './shell-lex';

/** What a step's container prints, and the builder's own lines (nothing with -q). */
export interface BuildOutput {
  line(text: string): void;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface BuildOptions {
  dockerfile: string;
  context: BuildContext;
  buildArgs: Map<string, string | undefined>;
  labels: Record<string, string>;
  noCache: boolean;
  rm: boolean;
  forceRm: boolean;
  target?: string;
  network: string;
  runtime: string;
  out: BuildOutput;
  /** Pulls an image FROM names that the store does not have. */
  pull: (name: string) => Promise<Digest>;
  /** `host:ip` lines RUN steps' /etc/hosts get (--add-host). */
  extraHosts?: string[];
  /**
   * --cache-from: when given, a cached step counts only if it is one of these
   * images or an ancestor of one (Docker's classic builder), not any local image;
   * names that were not found still make the list, so nothing may be cached.
   */
  cacheFrom?: Digest[];
}

/** A RUN step's command failed: Docker's message, and its exit code for the CLI. */
export class StepFailedError extends StowageError {
  constructor(
    command: string[],
    readonly code: number,
  ) {
    super('failed-precondition', `The command '${command.join(' ')}' returned a non-zero code: ${code}`, {
      bare: true,
    });
  }
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Build args every RUN sees without an ARG, kept out of history and cache (Docker's proxy args). */
const PREDEFINED_ARGS = new Set(
  ['HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY'].flatMap((a) => [a, a.toLowerCase()]),
);

interface Stage {
  name?: string;
  /** The image the next step builds on (null: FROM scratch, nothing yet). */
  imageId: Digest | null;
  config: ContainerConfig;
  /** ARGs declared in this stage, with their values. */
  args: Map<string, string | undefined>;
  cmdSet: boolean;
  author?: string;
}

/** One step: what it makes, and how (when the cache does not have it). */
interface StepPlan {
  config: ContainerConfig;
  /** The step's command as Docker records it (a "#(nop)" form unless RUN): joined, the history text, which with the config finds the step in the cache. */
  cmd: string[];
  make?: () => Promise<Made>;
}

interface Made {
  layer?: Layer;
  container?: string;
  containerConfig?: ContainerConfig;
  /** Runs once the image is recorded (removes RUN's container). */
  cleanup?: () => Promise<void>;
}

export class Builder {
  private readonly stages: Stage[] = [];
  private readonly usedArgs = new Set<string>();
  /** ARGs declared before the first FROM: FROM lines see them, and a stage's ARG of the same name takes their value. */
  private readonly metaArgs = new Map<string, string | undefined>();
  private escape = '\\';
  /** The RUN container, and the overlays, at work: for cancel(). */
  private running?: string;
  private readonly overlays = new Set<RootfsPaths>();

  constructor(
    private readonly store: Store,
    private readonly images: ImageService,
    private readonly containers: ContainerService,
    private readonly opts: BuildOptions,
  ) {}

  /** Runs every step; returns the final image's ID (untagged: the caller tags it). */
  async build(): Promise<Digest> {
    const df = parseDockerfile(this.opts.dockerfile);
    this.escape = df.escape;
    const first = df.instructions.findIndex((i) => i.name === 'FROM');
    if (first < 0) throw invalidArgument('no build stage in current context');
    for (const a of df.instructions.slice(0, first)) {
      if (a.name !== 'ARG') throw invalidArgument('no build stage in current context');
      for (const [k, v] of keyValues(a, (n) => this.metaArgs.get(n), this.escape, true))
        this.metaArgs.set(k, this.opts.buildArgs.has(k) ? this.arg(k) : v);
    }
    let steps = df.instructions.slice(first);
    const target = this.opts.target;
    if (target) {
      const starts = steps.map((s, i) => ({ s, i })).filter(({ s }) => s.name === 'FROM');
      const at = starts.findIndex(({ s }) => stageName(s) === target.toLowerCase());
      if (at < 0) throw invalidArgument(`failed to reach build target ${this.opts.target} in Dockerfile`);
      steps = steps.slice(0, starts[at + 1]?.i ?? steps.length);
    }
    const labels = Object.entries(this.opts.labels).sort(([a], [b]) => (a < b ? -1 : 1));
    const metaSteps = df.instructions.slice(0, first);
    const total = metaSteps.length + steps.length + labels.length;
    let n = 0;
    // ARGs before FROM are steps with nothing to show, as in Docker's output
    for (const inst of metaSteps) this.opts.out.line(`Step ${++n}/${total} : ${inst.original}\n`);
    for (const inst of steps) {
      this.opts.out.line(`Step ${++n}/${total} : ${inst.original}\n`);
      if (inst.name === 'FROM') await this.from(inst);
      else await this.step(this.current(), inst);
    }
    // each --label is one more LABEL step, by name
    for (const [k, v] of labels) {
      this.opts.out.line(`Step ${++n}/${total} : LABEL ${k}=${v}\n`);
      const st = this.current();
      await this.commitStep(
        st,
        this.metadataStep({ ...st.config, Labels: { ...(st.config.Labels ?? {}), [k]: v } }, `LABEL ${k}=${v}`),
      );
    }
    const unused = [...this.opts.buildArgs.keys()]
      .filter((k) => !this.usedArgs.has(k) && !PREDEFINED_ARGS.has(k))
      .sort();
    if (unused.length) this.opts.out.line(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    const last = this.current();
    if (!last.imageId) throw invalidArgument('No image was generated. Is your Dockerfile empty?');
    return last.imageId;
  }

  /** The build was interrupted: the RUN container and the overlays at work go, as Docker cancels a build. */
  async cancel(): Promise<void> {
    if (this.running) await this.containers.remove(this.running, { force: true, volumes: true }).catch(() => {});
    for (const p of this.overlays) {
      unmountRootfs(p);
      fs.rmSync(p.dir, { recursive: true, force: true });
    }
  }

  private arg(name: string): string | undefined {
    this.usedArgs.add(name);
    return this.opts.buildArgs.get(name);
  }

  private current(): Stage {
    return this.stages[this.stages.length - 1];
  }

  /** Variables an instruction's arguments see: the stage's ARGs, then its ENV over them. */
  private vars(st: Stage): Vars {
    const env = varsOf(st.config.Env ?? []);
    return (name) => env(name) ?? (st.args.has(name) ? st.args.get(name) : undefined);
  }

  private async from(inst: Instruction): Promise<void> {
    const words = expandWords(inst.rest, (k) => this.metaArgs.get(k), this.escape);
    if (!(words.length === 1 || (words.length === 3 && words[1].toLowerCase() === 'as'))) {
      throw invalidArgument('FROM requires either one or three arguments');
    }
    const [ref] = words;
    const name = words[2]?.toLowerCase();
    const prior = this.stages.find((s) => s.name && s.name === ref.toLowerCase());
    let imageId: Digest | null = null;
    let config: ContainerConfig = { Env: [DEFAULT_PATH] };
    if (prior) {
      imageId = prior.imageId;
      config = prior.config;
    } else if (ref !== 'scratch') {
      try {
        imageId = this.images.resolveId(ref);
      } catch (e) {
        if (!(e instanceof NoSuchImageError)) throw e;
        imageId = await this.opts.pull(ref);
      }
      config = this.store.images.load(imageId).config.config ?? {};
    }
    this.opts.out.line(` ---> ${imageId ? shortId(imageId) : ''}\n`);
    const st: Stage = { name, imageId, config, args: new Map(), cmdSet: false };
    this.stages.push(st);
    const triggers = config.OnBuild ?? [];
    if (triggers.length) {
      this.opts.out.line(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
      st.config = { ...config, OnBuild: null };
      for (const t of triggers) await this.step(st, parseInstruction(t, inst.line));
    }
  }

  private async step(st: Stage, inst: Instruction): Promise<void> {
    switch (inst.name) {
      case 'FROM':
        throw invalidArgument('FROM is not allowed here');
      case 'ARG':
        return this.commitStep(st, this.argStep(st, inst));
      case 'RUN':
        return this.commitStep(st, this.runStep(st, inst));
      case 'COPY':
      case 'ADD':
        return this.commitStep(st, this.copyStep(st, inst));
      case 'WORKDIR':
        return this.commitStep(st, this.workdirStep(st, inst));
      default: {
        const old = inst.name === 'HEALTHCHECK' ? (st.config.Healthcheck as HealthConfig | undefined)?.Test : undefined;
        if (old?.length && old[0] !== 'NONE')
          this.opts.out.line(`Note: overriding previous HEALTHCHECK: [${old.join(' ')}]\n`);
        const r = applyMetadata(st.config, inst, this.vars(st), this.escape, st.cmdSet);
        if (inst.name === 'CMD') st.cmdSet = true;
        if (r.author !== undefined) st.author = r.author;
        return this.commitStep(st, this.metadataStep(r.config, r.message));
      }
    }
  }

  private metadataStep(config: ContainerConfig, message: string): StepPlan {
    return { config, cmd: [...shellOf(config), '#(nop) ', message] };
  }

  private argStep(st: Stage, inst: Instruction): StepPlan {
    const pairs = keyValues(inst, this.vars(st), this.escape, true);
    for (const [k, def] of pairs)
      st.args.set(k, this.opts.buildArgs.has(k) ? this.arg(k) : (def ?? this.metaArgs.get(k)));
    return this.metadataStep(st.config, `ARG ${pairs.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join(' ')}`);
  }

  /** The build args a RUN sees (declared in the stage, with a value, not shadowed by ENV), sorted. */
  private runArgs(st: Stage): string[] {
    const env = new Set((st.config.Env ?? []).map((e) => e.split('=')[0]));
    return [...st.args]
      .filter(([k, v]) => v !== undefined && !env.has(k))
      .map(([k, v]) => `${k}=${v}`)
      .sort();
  }

  private runStep(st: Stage, inst: Instruction): StepPlan {
    for (const f of Object.keys(inst.flags)) throw invalidArgument(`the --${f} option requires BuildKit`);
    if (!st.imageId) throw invalidArgument('RUN needs an image to run in: FROM scratch has no shell');
    const cmd = inst.json ?? [...shellOf(st.config), inst.rest];
    const args = this.runArgs(st);
    const recorded = args.length ? [`|${args.length}`, ...args, ...cmd] : cmd;
    return {
      config: st.config,
      cmd: recorded,
      make: async () => {
        const proxies = [...this.opts.buildArgs]
          .filter(([k, v]) => PREDEFINED_ARGS.has(k) && v !== undefined && !st.args.has(k))
          .map(([k, v]) => `${k}=${v}`);
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- checked above: RUN refuses a stage with no image
        const c = await this.containers.create(containerOptions(st.imageId!, cmd, [...args, ...proxies], this.opts));
        const id = c.record.id;
        this.running = id;
        this.opts.out.line(` ---> Running in ${shortId(id)}\n`);
        let code: number;
        try {
          const { attachment } = await this.containers.start(id, {
            stdout: this.opts.out.stdout,
            stderr: this.opts.out.stderr,
          });
          await attachment?.done;
          code = await this.containers.wait(id);
        } catch (e) {
          if (this.opts.forceRm) await this.containers.remove(id, { force: true, volumes: true }).catch(() => {});
          throw e;
        } finally {
          this.running = undefined;
        }
        if (code !== 0) {
          if (this.opts.forceRm) await this.containers.remove(id, { force: true, volumes: true }).catch(() => {});
          throw new StepFailedError(cmd, code);
        }
        const top = this.topOf(st.imageId);
        const layer = await writableLayer(this.store, this.containers.rootfs(id).upper, top);
        return {
          layer,
          container: id,
          containerConfig: { ...c.record.config, Cmd: recorded, Entrypoint: null },
          cleanup: async () => {
            if (!this.opts.rm && !this.opts.forceRm) return;
            this.opts.out.line(`Removing intermediate container ${shortId(id)}\n`);
            await this.containers.remove(id, { force: true, volumes: true });
          },
        };
      },
    };
  }

  private async copyStep(st: Stage, inst: Instruction): Promise<StepPlan> {
    const allowed = inst.name === 'COPY' ? ['from', 'chown'] : ['chown'];
    for (const f of Object.keys(inst.flags)) {
      if (f === 'chmod') throw invalidArgument('the --chmod option requires BuildKit');
      if (!allowed.includes(f)) throw invalidArgument(`Unknown flag: ${f}`);
    }
    const vars = this.vars(st);
    const words = inst.json
      ? inst.json.map((w) => expandWord(w, vars, this.escape))
      : expandWords(inst.rest, vars, this.escape);
    if (words.length < 2)
      throw invalidArgument(
        `${inst.name} requires at least two arguments, but only one was provided. Destination could not be determined.`,
      );
    const destWord = words[words.length - 1];
    const dest = path.posix.resolve(st.config.WorkingDir || '/', destWord);
    const destIsDir = /\/$|(^|\/)\.$/.test(destWord);
    const chown = inst.flags.chown ? expandWord(inst.flags.chown, vars, this.escape) : undefined;
    const from = inst.flags.from ? await this.stageOrImage(expandWord(inst.flags.from, vars, this.escape)) : undefined;
    const sources = (root: string | undefined): CopyItem[] => {
      const items: CopyItem[] = [];
      // the build context, or (--from) another image's root: paths and globs resolve inside either
      const ctx = root === undefined ? this.opts.context : new BuildContext(root, 'image');
      for (const src of words.slice(0, -1)) {
        if (/^https?:\/\//.test(src))
          throw invalidArgument(
            `${inst.name} failed: source can't be a URL: stowage builds without a network; download ${src} into the context first`,
          );
        for (const s of ctx.sources(src, inst.name))
          items.push({ root: s.root, rel: s.rel, name: s.name, exclude: ctx.excluder(s.rel) });
      }
      if (!items.length) throw invalidArgument(`${inst.name} failed: no source files were specified`);
      return items;
    };
    /** Runs fn on the sources: in the context, or in a private overlay of the --from image. */
    const withSources = <T>(fn: (items: CopyItem[]) => Promise<T>): Promise<T> =>
      from === undefined ? fn(sources(undefined)) : this.withOverlay(this.topOf(from), (p) => fn(sources(p.merged)));
    // the sources' hash is part of the history text, and so of the cache key
    const digest = await withSources(async (items) => sourcesDigest(items));
    return {
      config: st.config,
      cmd: [...shellOf(st.config), `#(nop) ${inst.name} ${chown ? `--chown=${chown} ` : ''}${digest} in ${destWord} `],
      make: () =>
        withSources((items) =>
          this.withStepRoot(st, (root) =>
            copyInto(root.merged, items, dest, {
              destIsDir,
              owner: chownOwner(root.merged, chown),
              unpackArchives: inst.name === 'ADD',
              instruction: inst.name,
            }),
          ),
        ),
    };
  }

  private workdirStep(st: Stage, inst: Instruction): StepPlan {
    const w = expandWord(inst.rest, this.vars(st), this.escape);
    if (!w) throw invalidArgument('WORKDIR requires exactly one argument');
    const dir = path.posix.resolve(st.config.WorkingDir || '/', w);
    const config = { ...st.config, WorkingDir: dir };
    return {
      config,
      cmd: [...shellOf(config), `#(nop) WORKDIR ${dir}`],
      make: () =>
        this.withStepRoot(st, async (root) => {
          ensureDir(root.merged, dir, { uid: 0, gid: 0 });
        }),
    };
  }

  /** COPY --from: a stage by name or index, or an image (pulled when the store lacks it). */
  private async stageOrImage(ref: string): Promise<Digest | null> {
    const byName = this.stages.find((s) => s.name === ref.toLowerCase());
    if (byName) return byName.imageId;
    if (/^\d+$/.test(ref) && Number(ref) < this.stages.length - 1) return this.stages[Number(ref)].imageId;
    try {
      return this.images.resolveId(ref);
    } catch (e) {
      if (!(e instanceof NoSuchImageError)) throw e;
      return this.opts.pull(ref);
    }
  }

  private topOf(imageId: Digest | null): Digest | null {
    return imageId ? (this.store.images.get(imageId)?.topLayer ?? null) : null;
  }

  /** A private overlay of the stage's image; what fn writes becomes the step's layer. */
  private async withStepRoot(st: Stage, fn: (root: RootfsPaths) => Promise<void>): Promise<Made> {
    const top = this.topOf(st.imageId);
    return this.withOverlay(top, async (p) => {
      await fn(p);
      return { layer: await writableLayer(this.store, p.upper, top, () => false) };
    });
  }

  /** A private overlay of an image's layers under tmp/ (no init layer: everything in it is image content). */
  private async withOverlay<T>(top: Digest | null, fn: (p: RootfsPaths) => Promise<T>): Promise<T> {
    const p = rootfsPaths(this.store.tmpDir('build'));
    this.overlays.add(p);
    try {
      mountRootfs(this.store.layers, top, p, { init: false });
      return await fn(p);
    } finally {
      this.overlays.delete(p);
      unmountRootfs(p);
      fs.rmSync(p.dir, { recursive: true, force: true });
    }
  }

  /** Finds the step in the cache, or makes it; either way the stage moves on to its image. */
  private async commitStep(st: Stage, planned: StepPlan | Promise<StepPlan>): Promise<void> {
    const plan = await planned;
    const createdBy = plan.cmd.join(' ');
    const cached = this.opts.noCache ? undefined : this.cached(st, createdBy, plan.config);
    if (cached) {
      this.opts.out.line(` ---> Using cache\n ---> ${shortId(cached)}\n`);
      this.moveTo(st, cached);
      return;
    }
    try {
      const made = plan.make ? await plan.make() : {};
      const id = this.commit(st, {
        config: plan.config,
        createdBy,
        layer: made.layer,
        container: made.container,
        containerConfig: made.containerConfig ?? { ...plan.config, Cmd: plan.cmd },
      });
      await made.cleanup?.();
      this.opts.out.line(` ---> ${shortId(id)}\n`);
      this.moveTo(st, id);
    } finally {
      this.store.layers.releaseLeases();
    }
  }

  private moveTo(st: Stage, id: Digest): void {
    st.imageId = id;
    st.config = this.store.images.load(id).config.config ?? {};
  }

  /** A child of the stage's image made by the same step with the same config. */
  private cached(st: Stage, createdBy: string, config: ContainerConfig): Digest | undefined {
    const want = comparable(config);
    const allowed = this.cacheSources();
    // the first step after FROM scratch: an image with no parent and that one step
    const candidates = st.imageId
      ? this.store.images.children(st.imageId)
      : this.store.images
          .list()
          .filter((r) => !r.parent)
          .map((r) => r.id);
    for (const child of candidates) {
      const img = this.store.images.load(child).config;
      if (!st.imageId && img.history?.length !== 1) continue;
      if (allowed && !allowed.has(child)) continue;
      if (
        img.history?.at(-1)?.created_by === createdBy &&
        comparable(img.config ?? {}) === want &&
        (img.author ?? undefined) === st.author
      )
        return child;
    }
    return undefined;
  }

  private cacheSourceIds?: Set<Digest>;

  /** The --cache-from images and all their ancestors, or undefined for any local image. */
  private cacheSources(): Set<Digest> | undefined {
    if (!this.opts.cacheFrom) return undefined;
    if (!this.cacheSourceIds) {
      const ids = new Set<Digest>();
      for (const id of this.opts.cacheFrom) {
        for (let cur: Digest | null | undefined = id; cur && !ids.has(cur); cur = this.store.images.get(cur)?.parent)
          ids.add(cur);
      }
      this.cacheSourceIds = ids;
    }
    return this.cacheSourceIds;
  }

  private commit(
    st: Stage,
    p: {
      config: ContainerConfig;
      createdBy: string;
      layer?: Layer;
      container?: string;
      containerConfig: ContainerConfig;
    },
  ): Digest {
    const base = st.imageId ? this.store.images.load(st.imageId).config : undefined;
    const created = nowGoTime();
    const parent = st.imageId ?? '';
    const image: ImageConfig = {
      architecture: base?.architecture ?? hostArch(),
      os: base?.os ?? 'linux',
      variant: base?.variant,
      created,
      author: st.author,
      container: p.container,
      container_config: { ...p.containerConfig, Image: parent },
      config: { ...p.config, Image: parent },
      rootfs: { type: 'layers', diff_ids: [...(base?.rootfs.diff_ids ?? []), ...(p.layer ? [p.layer.diffId] : [])] },
      history: [
        ...(base?.history ?? []),
        { created, created_by: p.createdBy, author: st.author, empty_layer: p.layer ? undefined : true },
      ],
      parent: st.imageId ?? undefined,
    };
    return this.images.commitImage(marshalImageConfig(image), {
      topLayer: p.layer?.chainId ?? this.topOf(st.imageId),
      parent: st.imageId,
      tags: [] as Reference[],
    });
  }
}

function stageName(from: Instruction): string | undefined {
  const m = /\s+as\s+(\S+)\s*$/i.exec(from.rest);
  return m?.[1].toLowerCase();
}

function shellOf(config: ContainerConfig): string[] {
  return config.Shell?.length ? config.Shell : DEFAULT_SHELL;
}

/** The config as the cache compares it (the parent and hostname aside). */
function comparable(c: ContainerConfig): string {
  const { Image: _i, Hostname: _h, ...rest } = fullContainerConfig(c);
  return JSON.stringify(rest);
}

function containerOptions(imageId: Digest, cmd: string[], argEnv: string[], opts: BuildOptions): CreateOptions {
  return {
    image: imageId,
    cmd,
    entrypoint: '',
    env: argEnv,
    tty: false,
    interactive: false,
    autoRemove: false,
    readOnly: false,
    privileged: false,
    capAdd: [],
    capDrop: [],
    securityOpt: [],
    memory: 0,
    cpus: 0,
    init: false,
    labels: {},
    runtime: opts.runtime,
    networkMode: opts.network,
    extraHosts: opts.extraHosts,
    portBindings: {},
    publishAll: false,
    exposedPorts: {},
    mounts: [],
    binds: [],
  };
}
