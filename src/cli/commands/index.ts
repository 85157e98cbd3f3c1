// Every command, with docker's names and aliases.
import type { Command } from '../command';
import { imageHistoryCmd } from './image/history';
import { imageImport } from './image/import';
import { imageInspectCmd, inspectCmd } from './image/inspect';
import { imageList } from './image/list';
import { imagePrune } from './image/prune';
import { imageRemove } from './image/remove';
import { imageTag } from './image/tag';
import { imageSave } from './image/save';
import { imageLoad } from './image/load';
import { imageBuild } from './image/build';
import { imageExplain } from './image/explain';
import { imagePull, imagePush } from './image/registry';
import { loginCmd, logoutCmd } from './registry/login';

import { containerCommit, containerDiff } from './container/commit';
import { containerCp, containerExport } from './container/cp';
import { containerExec } from './container/exec';
import { containerInspectCmd } from './container/inspect';
import { containerCleanup, containerPause, containerUnpause, containerKill, containerPrune, containerRemove, containerRename, containerRestart, containerStop, containerWait } from './container/lifecycle';
import { containerLogs } from './container/logs';
import { containerList } from './container/ps';
import { containerAttach, containerCreate, containerRun, containerStart } from './container/run';
import { containerStats } from './container/stats';
import { containerUpdate } from './container/update';
import { containerTop } from './container/top';
import { networkConnect, networkCreate, networkDisconnect, networkInspectCmd, networkList, networkPrune, networkRemove } from './network/network';
import { containerPort } from './container/ports-column';
import { systemCheck } from './system/check';
import { systemDf } from './system/df';
import { systemEvents } from './system/events';
import { systemPrune } from './system/prune';
import { systemReset } from './system/reset';
import { systemService } from './system/service';
import { infoCmd, versionCmd } from './system/info';
import { volumeCreate, volumeInspectCmd, volumeList, volumePrune, volumeRemove } from './volume/volume';

export const COMMANDS: Command[] = [
  containerRun, containerCreate, containerStart, containerAttach, containerUpdate, containerStats, containerStop, containerRestart, containerKill, containerRemove, containerWait,
  containerRename, containerPrune, containerPause, containerUnpause, containerCommit, containerDiff, containerCp, containerExport, containerCleanup, containerList, containerExec, containerLogs, containerTop, containerInspectCmd,
  networkConnect, networkCreate, networkDisconnect, networkList, networkInspectCmd, networkRemove, networkPrune, containerPort,
  systemCheck, systemDf, systemEvents, systemPrune, systemReset, systemService, versionCmd, infoCmd,
  volumeCreate, volumeList, volumeInspectCmd, volumeRemove, volumePrune,
  imageList, imageTag, imageRemove, imagePrune, imageInspectCmd, imageHistoryCmd, imageImport, inspectCmd, imageSave, imageLoad, imageBuild, imagePull, imagePush, imageExplain,
  loginCmd, logoutCmd,
];

export const GROUPS: Record<string, string> = {
  container: 'Manage containers',
  image: 'Manage images',
  network: 'Manage networks',
  volume: 'Manage volumes',
  system: 'Manage stowage',
};
