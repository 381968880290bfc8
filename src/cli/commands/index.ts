/**
 * The one list of CLI commands. Each module exports `register(program, ctx)`, declaring its
 * command(s) at the top level and/or under a management group (`image`, `system`); to add a
 * command, add a file here and one entry below. Modules import their heavy parts lazily inside
 * their actions, so registering everything stays cheap at start-up.
 */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { register as attachCommand } from './attach.js';
import { register as commitCommand } from './commit.js';
import { register as containerInspect } from './container-inspect.js';
import { register as containerPrune } from './container-prune.js';
import { register as cpCommand } from './cp.js';
import { register as create } from './create.js';
import { register as diffCommand } from './diff.js';
import { register as eventsCommand } from './events.js';
import { register as execCommand } from './exec.js';
import { register as exportCommand } from './export.js';
import { register as history } from './history.js';
import { register as imageBootstrap } from './image-bootstrap.js';
import { register as imageInspect } from './image-inspect.js';
import { register as imagePrune } from './image-prune.js';
import { register as images } from './images.js';
import { register as importImage } from './import.js';
import { register as info } from './info.js';
import { register as inspect } from './inspect.js';
import { register as killCommand } from './kill.js';
import { register as load } from './load.js';
import { register as buildCommand } from './build.js';
import { register as logsCommand } from './logs.js';
import { register as pauseCommand } from './pause.js';
import { register as portCommand } from './port.js';
import { register as networkCreate } from './network-create.js';
import { register as networkLs } from './network-ls.js';
import { register as networkInspect } from './network-inspect.js';
import { register as networkRm } from './network-rm.js';
import { register as networkConnect } from './network-connect.js';
import { register as volumeCreate } from './volume-create.js';
import { register as volumeLs } from './volume-ls.js';
import { register as volumeInspect } from './volume-inspect.js';
import { register as volumeRm } from './volume-rm.js';
import { register as psCommand } from './ps.js';
import { register as registryCommand } from './registry.js';
import { register as renameCommand } from './rename.js';
import { register as restartCommand } from './restart.js';
import { register as rmCommand } from './rm.js';
import { register as rmi } from './rmi.js';
import { register as run } from './run.js';
import { register as save } from './save.js';
import { register as startCommand } from './start.js';
import { register as statsCommand } from './stats.js';
import { register as stopCommand } from './stop.js';
import { register as systemDf } from './system-df.js';
import { register as tag } from './tag.js';
import { register as topCommand } from './top.js';
import { register as version } from './version.js';
import { register as pullCommand } from './pull.js';
import { register as pushCommand } from './push.js';
import { register as loginCommand } from './login.js';
import { register as logoutCommand } from './logout.js';
import { register as searchCommand } from './search.js';
import { register as updateCommand } from './update.js';
import { register as waitCommand } from './wait.js';

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
  run,
  create,
  startCommand,
  attachCommand,
  execCommand,
  stopCommand,
  restartCommand,
  killCommand,
  pauseCommand,
  rmCommand,
  waitCommand,
  renameCommand,
  updateCommand,
  logsCommand,
  topCommand,
  portCommand,
  networkCreate,
  networkLs,
  networkInspect,
  networkRm,
  networkConnect,
  volumeCreate,
  volumeLs,
  volumeInspect,
  volumeRm,
  diffCommand,
  exportCommand,
  psCommand,
  commitCommand,
  cpCommand,
  statsCommand,
  eventsCommand,
  containerPrune,
  containerInspect,
  registryCommand,
  buildCommand,
  pullCommand,
  pushCommand,
  loginCommand,
  logoutCommand,
  searchCommand,
];
