// Every command, with docker's names and aliases. A command's module, and all it
// imports, is loaded only when that command runs (or for help): `stowage ps`
// does not evaluate build, pull or the API server at start-up. index.test.ts
// checks these names against the modules' own.
import type { Command, CommandEntry } from '../command';
import * as everyday from './everyday';

export type { CommandEntry } from '../command';

// require() inside load() is what makes loading lazy, hence the per-line no-require-imports disables. // eslint-disable-line @typescript-eslint/no-require-imports
export const COMMANDS: CommandEntry[] = [
  {
    name: 'container run',
    aliases: [['run']],
    load: () => (require('./container/run') as typeof import('./container/run')).containerRun, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container create',
    aliases: [['create']],
    load: () => (require('./container/create') as typeof import('./container/create')).containerCreate, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container start',
    aliases: [['start']],
    load: () => (require('./container/start') as typeof import('./container/start')).containerStart, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container attach',
    aliases: [['attach']],
    load: () => (require('./container/attach') as typeof import('./container/attach')).containerAttach, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container update',
    aliases: [['update']],
    load: () => (require('./container/update') as typeof import('./container/update')).containerUpdate, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container stats',
    aliases: [['stats']],
    load: () => (require('./container/stats') as typeof import('./container/stats')).containerStats, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container stop',
    aliases: [['stop']],
    load: () => (require('./container/stop') as typeof import('./container/stop')).containerStop, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container restart',
    aliases: [['restart']],
    load: () => (require('./container/restart') as typeof import('./container/restart')).containerRestart, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container kill',
    aliases: [['kill']],
    load: () => (require('./container/kill') as typeof import('./container/kill')).containerKill, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container rm',
    aliases: [['container', 'remove'], ['rm']],
    load: () => (require('./container/remove') as typeof import('./container/remove')).containerRemove, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container wait',
    aliases: [['wait']],
    load: () => (require('./container/wait') as typeof import('./container/wait')).containerWait, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container rename',
    aliases: [['rename']],
    load: () => (require('./container/rename') as typeof import('./container/rename')).containerRename, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container prune',
    load: () => (require('./container/prune') as typeof import('./container/prune')).containerPrune, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container pause',
    aliases: [['pause']],
    load: () => (require('./container/pause') as typeof import('./container/pause')).containerPause, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container unpause',
    aliases: [['unpause']],
    load: () => (require('./container/unpause') as typeof import('./container/unpause')).containerUnpause, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container commit',
    aliases: [['commit']],
    load: () => (require('./container/commit') as typeof import('./container/commit')).containerCommit, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container diff',
    aliases: [['diff']],
    load: () => (require('./container/diff') as typeof import('./container/diff')).containerDiff, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container cp',
    aliases: [['cp']],
    load: () => (require('./container/cp') as typeof import('./container/cp')).containerCp, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container export',
    aliases: [['export']],
    load: () => (require('./container/export') as typeof import('./container/export')).containerExport, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'container cleanup',
    load: () => (require('./container/cleanup') as typeof import('./container/cleanup')).containerCleanup, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  everyday.containerLs,
  {
    name: 'container exec',
    aliases: [['exec']],
    load: () => (require('./container/exec') as typeof import('./container/exec')).containerExec, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  everyday.containerLogs,
  {
    name: 'container top',
    aliases: [['top']],
    load: () => (require('./container/top') as typeof import('./container/top')).containerTop, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  everyday.containerInspect,
  {
    name: 'network connect',
    load: () => (require('./network/connect') as typeof import('./network/connect')).networkConnect, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'network create',
    load: () => (require('./network/create') as typeof import('./network/create')).networkCreate, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'network disconnect',
    load: () => (require('./network/disconnect') as typeof import('./network/disconnect')).networkDisconnect, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'network ls',
    aliases: [['network', 'list']],
    load: () => (require('./network/list') as typeof import('./network/list')).networkList, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'network inspect',
    load: () => (require('./network/inspect') as typeof import('./network/inspect')).networkInspectCmd, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'network rm',
    aliases: [['network', 'remove']],
    load: () => (require('./network/remove') as typeof import('./network/remove')).networkRemove, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'network prune',
    load: () => (require('./network/prune') as typeof import('./network/prune')).networkPrune, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  everyday.containerPort,
  { name: 'system check', load: () => (require('./system/check') as typeof import('./system/check')).systemCheck }, // eslint-disable-line @typescript-eslint/no-require-imports
  { name: 'system dns', load: () => (require('./system/dns') as typeof import('./system/dns')).systemDns }, // eslint-disable-line @typescript-eslint/no-require-imports
  { name: 'system df', load: () => (require('./system/df') as typeof import('./system/df')).systemDf }, // eslint-disable-line @typescript-eslint/no-require-imports
  {
    name: 'system events',
    aliases: [['events']],
    load: () => (require('./system/events') as typeof import('./system/events')).systemEvents, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  { name: 'system prune', load: () => (require('./system/prune') as typeof import('./system/prune')).systemPrune }, // eslint-disable-line @typescript-eslint/no-require-imports
  { name: 'system reset', load: () => (require('./system/reset') as typeof import('./system/reset')).systemReset }, // eslint-disable-line @typescript-eslint/no-require-imports
  {
    name: 'system service',
    load: () => (require('./system/service') as typeof import('./system/service')).systemService, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  { name: 'system cri', load: () => (require('./system/cri') as typeof import('./system/cri')).systemCri }, // eslint-disable-line @typescript-eslint/no-require-imports
  everyday.version,
  {
    name: 'system info',
    aliases: [['info']],
    load: () => (require('./system/info') as typeof import('./system/info')).infoCmd, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  { name: 'volume create', load: () => (require('./volume/create') as typeof import('./volume/create')).volumeCreate }, // eslint-disable-line @typescript-eslint/no-require-imports
  {
    name: 'volume ls',
    aliases: [['volume', 'list']],
    load: () => (require('./volume/list') as typeof import('./volume/list')).volumeList, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'volume inspect',
    load: () => (require('./volume/inspect') as typeof import('./volume/inspect')).volumeInspectCmd, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'volume rm',
    aliases: [['volume', 'remove']],
    load: () => (require('./volume/remove') as typeof import('./volume/remove')).volumeRemove, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  { name: 'volume prune', load: () => (require('./volume/prune') as typeof import('./volume/prune')).volumePrune }, // eslint-disable-line @typescript-eslint/no-require-imports
  everyday.imageLs,
  {
    name: 'image tag',
    aliases: [['tag']],
    load: () => (require('./image/tag') as typeof import('./image/tag')).imageTag, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'image rm',
    aliases: [['image', 'remove'], ['rmi']],
    load: () => (require('./image/remove') as typeof import('./image/remove')).imageRemove, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  { name: 'image prune', load: () => (require('./image/prune') as typeof import('./image/prune')).imagePrune }, // eslint-disable-line @typescript-eslint/no-require-imports
  everyday.imageInspect,
  {
    name: 'image history',
    aliases: [['history']],
    load: () => (require('./image/history') as typeof import('./image/history')).imageHistoryCmd, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'image import',
    aliases: [['import']],
    load: () => (require('./image/import') as typeof import('./image/import')).imageImport, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  everyday.inspect,
  {
    name: 'image save',
    aliases: [['save']],
    load: () => (require('./image/save') as typeof import('./image/save')).imageSave, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'image load',
    aliases: [['load']],
    load: () => (require('./image/load') as typeof import('./image/load')).imageLoad, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'image build',
    aliases: [['build'], ['builder', 'build']],
    load: () => (require('./image/build') as typeof import('./image/build')).imageBuild, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'image pull',
    aliases: [['pull']],
    load: () => (require('./image/pull') as typeof import('./image/pull')).imagePull, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  {
    name: 'image push',
    aliases: [['push']],
    load: () => (require('./image/push') as typeof import('./image/push')).imagePush, // eslint-disable-line @typescript-eslint/no-require-imports
  },
  { name: 'image explain', load: () => (require('./image/explain') as typeof import('./image/explain')).imageExplain }, // eslint-disable-line @typescript-eslint/no-require-imports
  { name: 'login', load: () => (require('./registry/login') as typeof import('./registry/login')).loginCmd }, // eslint-disable-line @typescript-eslint/no-require-imports
  { name: 'logout', load: () => (require('./registry/logout') as typeof import('./registry/logout')).logoutCmd }, // eslint-disable-line @typescript-eslint/no-require-imports
];

/** Every command loaded (help lists them all). */
export function loadAll(): Command[] {
  return COMMANDS.map((c) => c.load());
}

export const GROUPS: Record<string, string> = {
  container: 'Manage containers',
  image: 'Manage images',
  network: 'Manage networks',
  volume: 'Manage volumes',
  system: 'Manage stowage',
};
