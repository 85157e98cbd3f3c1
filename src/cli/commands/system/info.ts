// `version` and `info`: what stowage is and what it runs on.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { hostArch } from '../../../image/config-json';
import type { Command } from '../../command';
import { FORMAT_FLAG } from '../../command';
import { renderTemplate } from '../../output/template';
import { VERSION } from '../../../util/version';
import { isRootless } from '../../../rootless';
import { capture } from '../../../util/capture';

/** A tool's version line, cached in the run root by the binary's path, size and mtime: `version` runs no process when nothing changed. */
async function toolVersions(runroot: string, tools: Array<[cmd: string, pattern: RegExp]>): Promise<string[]> {
  const cacheFile = path.join(runroot, 'tool-versions.json');
  let cache: Record<string, string> = {};
  try {
    cache = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as Record<string, string>;
  } catch {
    // none yet
  }
  let changed = false;
  const out = await Promise.all(
    tools.map(async ([cmd, pattern]) => {
      const bin = onPath(cmd);
      if (!bin) return 'not installed';
      const st = fs.statSync(bin);
      const key = `${bin}:${st.size}:${st.mtimeMs}`;
      if (cache[key]) return cache[key];
      const r = await capture(bin, ['--version']).catch(() => undefined);
      if (!r || r.code !== 0) return 'not installed';
      changed = true;
      return (cache[key] = pattern.exec(r.stdout)?.[1] ?? 'unknown');
    }),
  );
  if (changed) {
    try {
      fs.mkdirSync(runroot, { recursive: true, mode: 0o700 });
      fs.writeFileSync(cacheFile, JSON.stringify(cache));
    } catch {
      // a run root we cannot write: the versions are asked again next time
    }
  }
  return out;
}

function onPath(cmd: string): string | undefined {
  const dirs = cmd.includes('/') ? [''] : (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const d of dirs) {
    const p = d ? path.join(d, cmd) : cmd;
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const versionCmd: Command = {
  name: 'version',
  usage: '[OPTIONS]',
  description: 'Show the stowage version information',
  maxArgs: 0,
  flags: [{ ...FORMAT_FLAG, short: 'f' }], // -f here, as docker's version and info
  async run(ctx, _args, flags) {
    const [runtimeVersion, conmonVersion] = await toolVersions(ctx.globals.runroot, [
      [ctx.globals.runtime, /version (\S+)/],
      ['conmon', /version (\S+)/],
    ]);
    const info = {
      Client: { Version: VERSION, NodeVersion: process.version, Os: 'linux', Arch: hostArch() },
      Runtime: { Name: ctx.globals.runtime, Version: runtimeVersion },
      Conmon: { Version: conmonVersion },
    };
    if (flags.format) {
      ctx.out(`${renderTemplate(String(flags.format), info)}\n`);
      return;
    }
    ctx.out(
      `Client: stowage (daemonless)\n Version:           ${VERSION}\n Node.js version:   ${process.version}\n OS/Arch:           linux/${hostArch()}\n\n` +
        `Runtime:\n ${info.Runtime.Name}:              ${info.Runtime.Version}\n conmon:            ${info.Conmon.Version}\n`,
    );
  },
};

export const infoCmd: Command = {
  name: 'system info',
  aliases: [['info']],
  usage: '[OPTIONS]',
  description: 'Display system-wide information',
  maxArgs: 0,
  flags: [{ ...FORMAT_FLAG, short: 'f' }], // -f here, as docker's version and info
  run(ctx, _args, flags) {
    const containers = ctx.containers.list();
    const count = (s: string[]) => containers.filter((c) => s.includes(c.state.Status)).length;
    const info = {
      Containers: containers.length,
      ContainersRunning: count(['running']),
      ContainersPaused: count(['paused']),
      ContainersStopped: containers.length - count(['running', 'paused']),
      Images: ctx.store.images.list().length,
      Driver: 'overlay2',
      DockerRootDir: ctx.globals.root,
      RunRoot: ctx.globals.runroot,
      DefaultRuntime: ctx.globals.runtime,
      KernelVersion: os.release(),
      OperatingSystem: os.type(),
      OSType: 'linux',
      Architecture: os.machine(),
      NCPU: os.cpus().length,
      MemTotal: os.totalmem(),
      Name: os.hostname(),
      ServerVersion: VERSION,
      // as Docker's /info: seccomp with its default profile (runtime/seccomp.ts)
      SecurityOptions: ['name=seccomp,profile=default', ...(isRootless() ? ['name=rootless'] : [])],
    };
    if (flags.format) {
      ctx.out(`${renderTemplate(String(flags.format), info)}\n`);
      return;
    }
    ctx.out(
      [
        `Containers: ${info.Containers}`,
        ` Running: ${info.ContainersRunning}`,
        ` Paused: ${info.ContainersPaused}`,
        ` Stopped: ${info.ContainersStopped}`,
        `Images: ${info.Images}`,
        `Server Version: stowage ${VERSION} (daemonless)`,
        `Storage Driver: overlay2`,
        `Logging Driver: k8s-file (conmon)`,
        `Default Runtime: ${info.DefaultRuntime}`,
        `Security Options:`,
        ` seccomp`,
        `  Profile: default`,
        ...(isRootless() ? [' rootless'] : []),
        `Kernel Version: ${info.KernelVersion}`,
        `Architecture: ${info.Architecture}`,
        `CPUs: ${info.NCPU}`,
        `Total Memory: ${(info.MemTotal / 1024 ** 3).toFixed(2)}GiB`,
        `Name: ${info.Name}`,
        `Stowage Root Dir: ${info.DockerRootDir}`,
        `Run Root Dir: ${info.RunRoot}`,
      ].join('\n') + '\n',
    );
  },
};
