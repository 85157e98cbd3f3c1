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

export const COMMANDS: Command[] = [
  imageList, imageTag, imageRemove, imagePrune, imageInspectCmd, imageHistoryCmd, imageImport, inspectCmd, imageSave, imageLoad,
];

export const GROUPS: Record<string, string> = {
  image: 'Manage images',
  system: 'Manage stowage',
};
