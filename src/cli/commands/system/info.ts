// `version` and `info`: what stowage is and what it runs on.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { hostArch } from '../../../image/config-json';
import type { Command } from '../../command';
import { FORMAT_FLAG } from '../../command';
import { renderTemplate } from '../../output/template';
import { VERSION } from '../../../util/version';

function toolVersion(cmd: string, args: string[], pattern: RegExp): string {
  try {
    return pattern.exec(execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))?.[1] ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

export const versionCmd: Command = {
  name: 'version',
  usage: '[OPTIONS]',
  description: 'Show the stowage version information',
  maxArgs: 0,
  flags: [{ ...FORMAT_FLAG, short: 'f' }], // -f here, as docker's version and info
  run(ctx, _args, flags) {
    const info = {
      Client: { Version: VERSION, NodeVersion: process.version, Os: 'linux', Arch: hostArch() },
      Runtime: { Name: ctx.globals.runtime, Version: toolVersion(ctx.globals.runtime, ['--version'], /version (\S+)/) },
      Conmon: { Version: toolVersion('conmon', ['--version'], /version (\S+)/) },
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
      SecurityOptions: ['name=seccomp,profile=default'],
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
