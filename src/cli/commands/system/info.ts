// `info` (`system info`): what stowage holds and what it runs on.
import os from 'node:os';
import { FORMAT_FLAG, type Command } from '../../command';
import { renderTemplate } from '../../output/template';
import { VERSION } from '../../../util/version';
import { isRootless } from '../../../rootless';

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
