// The everyday read commands (ps, images, inspect, logs, port, version): the
// command table of the small bundle that runs them (dist/stowage-everyday.js,
// from cli/everyday.ts), so that it holds only what they need. The full table
// (index.ts) lists these same entries in its own order.
import type { CommandEntry } from '../command';

// require() inside load() is what makes loading lazy, hence the per-line no-require-imports disables.
export const containerLs: CommandEntry = {
  name: 'container ls',
  aliases: [['container', 'list'], ['container', 'ps'], ['ps']],
  load: () => (require('./container/list') as typeof import('./container/list')).containerList, // eslint-disable-line @typescript-eslint/no-require-imports
};

export const containerLogs: CommandEntry = {
  name: 'container logs',
  aliases: [['logs']],
  load: () => (require('./container/logs') as typeof import('./container/logs')).containerLogs, // eslint-disable-line @typescript-eslint/no-require-imports
};

export const containerInspect: CommandEntry = {
  name: 'container inspect',
  load: () => (require('./container/inspect') as typeof import('./container/inspect')).containerInspectCmd, // eslint-disable-line @typescript-eslint/no-require-imports
};

export const containerPort: CommandEntry = {
  name: 'container port',
  aliases: [['port']],
  load: () => (require('./container/port') as typeof import('./container/port')).containerPort, // eslint-disable-line @typescript-eslint/no-require-imports
};

export const version: CommandEntry = {
  name: 'version',
  load: () => (require('./system/version') as typeof import('./system/version')).versionCmd, // eslint-disable-line @typescript-eslint/no-require-imports
};

export const imageLs: CommandEntry = {
  name: 'image ls',
  aliases: [['image', 'list'], ['images']],
  load: () => (require('./image/list') as typeof import('./image/list')).imageList, // eslint-disable-line @typescript-eslint/no-require-imports
};

export const imageInspect: CommandEntry = {
  name: 'image inspect',
  load: () => (require('./image/inspect') as typeof import('./image/inspect')).imageInspectCmd, // eslint-disable-line @typescript-eslint/no-require-imports
};

export const inspect: CommandEntry = {
  name: 'inspect',
  load: () => (require('./system/inspect') as typeof import('./system/inspect')).inspectCmd, // eslint-disable-line @typescript-eslint/no-require-imports
};

/** The everyday commands; no path of one is a prefix of another's, so their order does not matter. */
export const EVERYDAY: CommandEntry[] = [
  containerLs,
  containerLogs,
  containerInspect,
  containerPort,
  version,
  imageLs,
  imageInspect,
  inspect,
];
