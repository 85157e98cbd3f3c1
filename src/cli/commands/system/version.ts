// `version`: stowage's and the runtime's versions.
import fs from 'node:fs';
import path from 'node:path';
import { hostArch } from '../../../image/config-json';
import { FORMAT_FLAG, type Command } from '../../command';
import { renderTemplate } from '../../output/template';
import { VERSION } from '../../../util/version';
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
