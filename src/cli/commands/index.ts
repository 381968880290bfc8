/**
 * The one list of CLI commands. Each module exports `register(program, ctx)`, declaring its
 * command(s) at the top level and/or under a management group (`image`, `system`); to add a
 * command, add a file here and one entry below. Modules import their heavy parts lazily inside
 * their actions, so registering everything stays cheap at start-up.
 */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { register as history } from './history.js';
import { register as imageBootstrap } from './image-bootstrap.js';
import { register as imageInspect } from './image-inspect.js';
import { register as imagePrune } from './image-prune.js';
import { register as images } from './images.js';
import { register as importImage } from './import.js';
import { register as info } from './info.js';
import { register as inspect } from './inspect.js';
import { register as load } from './load.js';
import { register as rmi } from './rmi.js';
import { register as save } from './save.js';
import { register as systemDf } from './system-df.js';
import { register as tag } from './tag.js';
import { register as version } from './version.js';

/** Declares one or more commands on the program. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

export const COMMANDS: readonly RegisterCommand[] = [
  images,
  imageInspect,
  history,
  tag,
  rmi,
  imagePrune,
  importImage,
  load,
  save,
  inspect,
  info,
  systemDf,
  version,
  imageBootstrap,
];
