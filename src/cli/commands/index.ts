// Every command, with docker's names and aliases. A command's module, and all it
// imports, is loaded only when that command runs (or for help): `stowage ps`
// does not evaluate build, pull or the API server at start-up. index.test.ts
// checks these names against the modules' own.
import type { Command } from '../command';

export interface CommandEntry {
  /** As Command.name. */
  name: string;
  /** As Command.aliases. */
  aliases?: string[][];
  load(): Command;
}

/* eslint-disable @typescript-eslint/no-require-imports -- require() inside load() is what makes loading lazy */
export const COMMANDS: CommandEntry[] = [
  {
    name: 'container run',
    aliases: [['run']],
    load: () => (require('./container/run') as typeof import('./container/run')).containerRun,
  },
  {
    name: 'container create',
    aliases: [['create']],
    load: () => (require('./container/create') as typeof import('./container/create')).containerCreate,
  },
  {
    name: 'container start',
    aliases: [['start']],
    load: () => (require('./container/start') as typeof import('./container/start')).containerStart,
  },
  {
    name: 'container attach',
    aliases: [['attach']],
    load: () => (require('./container/attach') as typeof import('./container/attach')).containerAttach,
  },
  {
    name: 'container update',
    aliases: [['update']],
    load: () => (require('./container/update') as typeof import('./container/update')).containerUpdate,
  },
  {
    name: 'container stats',
    aliases: [['stats']],
    load: () => (require('./container/stats') as typeof import('./container/stats')).containerStats,
  },
  {
    name: 'container stop',
    aliases: [['stop']],
    load: () => (require('./container/stop') as typeof import('./container/stop')).containerStop,
  },
  {
    name: 'container restart',
    aliases: [['restart']],
    load: () => (require('./container/restart') as typeof import('./container/restart')).containerRestart,
  },
  {
    name: 'container kill',
    aliases: [['kill']],
    load: () => (require('./container/kill') as typeof import('./container/kill')).containerKill,
  },
  {
    name: 'container rm',
    aliases: [['container', 'remove'], ['rm']],
    load: () => (require('./container/remove') as typeof import('./container/remove')).containerRemove,
  },
  {
    name: 'container wait',
    aliases: [['wait']],
    load: () => (require('./container/wait') as typeof import('./container/wait')).containerWait,
  },
  {
    name: 'container rename',
    aliases: [['rename']],
    load: () => (require('./container/rename') as typeof import('./container/rename')).containerRename,
  },
  {
    name: 'container prune',
    load: () => (require('./container/prune') as typeof import('./container/prune')).containerPrune,
  },
  {
    name: 'container pause',
    aliases: [['pause']],
    load: () => (require('./container/pause') as typeof import('./container/pause')).containerPause,
  },
  {
    name: 'container unpause',
    aliases: [['unpause']],
    load: () => (require('./container/unpause') as typeof import('./container/unpause')).containerUnpause,
  },
  {
    name: 'container commit',
    aliases: [['commit']],
    load: () => (require('./container/commit') as typeof import('./container/commit')).containerCommit,
  },
  {
    name: 'container diff',
    aliases: [['diff']],
    load: () => (require('./container/diff') as typeof import('./container/diff')).containerDiff,
  },
  {
    name: 'container cp',
    aliases: [['cp']],
    load: () => (require('./container/cp') as typeof import('./container/cp')).containerCp,
  },
  {
    name: 'container export',
    aliases: [['export']],
    load: () => (require('./container/export') as typeof import('./container/export')).containerExport,
  },
  {
    name: 'container cleanup',
    load: () => (require('./container/cleanup') as typeof import('./container/cleanup')).containerCleanup,
  },
  {
    name: 'container ls',
    aliases: [['container', 'list'], ['container', 'ps'], ['ps']],
    load: () => (require('./container/list') as typeof import('./container/list')).containerList,
  },
  {
    name: 'container exec',
    aliases: [['exec']],
    load: () => (require('./container/exec') as typeof import('./container/exec')).containerExec,
  },
  {
    name: 'container logs',
    aliases: [['logs']],
    load: () => (require('./container/logs') as typeof import('./container/logs')).containerLogs,
  },
  {
    name: 'container top',
    aliases: [['top']],
    load: () => (require('./container/top') as typeof import('./container/top')).containerTop,
  },
  {
    name: 'container inspect',
    load: () => (require('./container/inspect') as typeof import('./container/inspect')).containerInspectCmd,
  },
  {
    name: 'network connect',
    load: () => (require('./network/connect') as typeof import('./network/connect')).networkConnect,
  },
  {
    name: 'network create',
    load: () => (require('./network/create') as typeof import('./network/create')).networkCreate,
  },
  {
    name: 'network disconnect',
    load: () => (require('./network/disconnect') as typeof import('./network/disconnect')).networkDisconnect,
  },
  {
    name: 'network ls',
    aliases: [['network', 'list']],
    load: () => (require('./network/list') as typeof import('./network/list')).networkList,
  },
  {
    name: 'network inspect',
    load: () => (require('./network/inspect') as typeof import('./network/inspect')).networkInspectCmd,
  },
  {
    name: 'network rm',
    aliases: [['network', 'remove']],
    load: () => (require('./network/remove') as typeof import('./network/remove')).networkRemove,
  },
  {
    name: 'network prune',
    load: () => (require('./network/prune') as typeof import('./network/prune')).networkPrune,
  },
  {
    name: 'container port',
    aliases: [['port']],
    load: () => (require('./container/port') as typeof import('./container/port')).containerPort,
  },
  { name: 'system check', load: () => (require('./system/check') as typeof import('./system/check')).systemCheck },
  { name: 'system df', load: () => (require('./system/df') as typeof import('./system/df')).systemDf },
  {
    name: 'system events',
    aliases: [['events']],
    load: () => (require('./system/events') as typeof import('./system/events')).systemEvents,
  },
  { name: 'system prune', load: () => (require('./system/prune') as typeof import('./system/prune')).systemPrune },
  { name: 'system reset', load: () => (require('./system/reset') as typeof import('./system/reset')).systemReset },
  {
    name: 'system service',
    load: () => (require('./system/service') as typeof import('./system/service')).systemService,
  },
  { name: 'system cri', load: () => (require('./system/cri') as typeof import('./system/cri')).systemCri },
  { name: 'version', load: () => (require('./system/version') as typeof import('./system/version')).versionCmd },
  {
    name: 'system info',
    aliases: [['info']],
    load: () => (require('./system/info') as typeof import('./system/info')).infoCmd,
  },
  { name: 'volume create', load: () => (require('./volume/create') as typeof import('./volume/create')).volumeCreate },
  {
    name: 'volume ls',
    aliases: [['volume', 'list']],
    load: () => (require('./volume/list') as typeof import('./volume/list')).volumeList,
  },
  {
    name: 'volume inspect',
    load: () => (require('./volume/inspect') as typeof import('./volume/inspect')).volumeInspectCmd,
  },
  {
    name: 'volume rm',
    aliases: [['volume', 'remove']],
    load: () => (require('./volume/remove') as typeof import('./volume/remove')).volumeRemove,
  },
  { name: 'volume prune', load: () => (require('./volume/prune') as typeof import('./volume/prune')).volumePrune },
  {
    name: 'image ls',
    aliases: [['image', 'list'], ['images']],
    load: () => (require('./image/list') as typeof import('./image/list')).imageList,
  },
  {
    name: 'image tag',
    aliases: [['tag']],
    load: () => (require('./image/tag') as typeof import('./image/tag')).imageTag,
  },
  {
    name: 'image rm',
    aliases: [['image', 'remove'], ['rmi']],
    load: () => (require('./image/remove') as typeof import('./image/remove')).imageRemove,
  },
  { name: 'image prune', load: () => (require('./image/prune') as typeof import('./image/prune')).imagePrune },
  {
    name: 'image inspect',
    load: () => (require('./image/inspect') as typeof import('./image/inspect')).imageInspectCmd,
  },
  {
    name: 'image history',
    aliases: [['history']],
    load: () => (require('./image/history') as typeof import('./image/history')).imageHistoryCmd,
  },
  {
    name: 'image import',
    aliases: [['import']],
    load: () => (require('./image/import') as typeof import('./image/import')).imageImport,
  },
  { name: 'inspect', load: () => (require('./system/inspect') as typeof import('./system/inspect')).inspectCmd },
  {
    name: 'image save',
    aliases: [['save']],
    load: () => (require('./image/save') as typeof import('./image/save')).imageSave,
  },
  {
    name: 'image load',
    aliases: [['load']],
    load: () => (require('./image/load') as typeof import('./image/load')).imageLoad,
  },
  {
    name: 'image build',
    aliases: [['build'], ['builder', 'build']],
    load: () => (require('./image/build') as typeof import('./image/build')).imageBuild,
  },
  {
    name: 'image pull',
    aliases: [['pull']],
    load: () => (require('./image/pull') as typeof import('./image/pull')).imagePull,
  },
  {
    name: 'image push',
    aliases: [['push']],
    load: () => (require('./image/push') as typeof import('./image/push')).imagePush,
  },
  { name: 'image explain', load: () => (require('./image/explain') as typeof import('./image/explain')).imageExplain },
  { name: 'login', load: () => (require('./registry/login') as typeof import('./registry/login')).loginCmd },
  { name: 'logout', load: () => (require('./registry/logout') as typeof import('./registry/logout')).logoutCmd },
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
