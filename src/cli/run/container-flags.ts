/**
 * The container flags shared by `run` and `create` (docker's addFlags in
 * cli/command/container/opts.go), declared on commander with docker's names, defaults and
 * per-value validation: a bad value fails while flags are parsed, worded
 * `invalid argument "x" for "-m, --memory" flag: …` with exit status 125, as in docker.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseGoDuration } from '../containers/go-duration.js';
import {
  validateAttach,
  validateDnsSearch,
  checkEnv,
  validateExtraHost,
  validateIPAddress,
  validateLabel,
  validateSysctl,
} from './flag-validators.js';
import { ramInBytes } from '../../lib/go-units.js';
import { goParseInt, memSwapBytes, nanoCpus, parseUlimit, type Ulimit } from './go-parse.js';
import { parseMountSpec } from './mount-spec.js';

/** The parsed container flags (commander's camelCase keys). */
export interface ContainerFlags {
  attach: string[];
  env: string[];
  envFile: string[];
  label: string[];
  labelFile: string[];
  publish: string[];
  expose: string[];
  volume: string[];
  mount: Array<Record<string, unknown>>;
  tmpfs: string[];
  addHost: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOption: string[];
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  logOpt: string[];
  ulimit: Ulimit[];
  sysctl: string[];
  device: string[];
  groupAdd: string[];
  volumesFrom: string[];
  storageOpt: string[];
  network: string[];
  /** The hidden `--net` alias of `--network`. */
  net: string[];
  name?: string;
  hostname?: string;
  domainname?: string;
  user?: string;
  workdir?: string;
  entrypoint?: string;
  restart: string;
  stopSignal?: string;
  stopTimeout?: number;
  logDriver?: string;
  ipc?: string;
  pid?: string;
  uts?: string;
  userns?: string;
  cgroupns?: string;
  cgroupParent?: string;
  runtime?: string;
  cidfile?: string;
  platform?: string;
  pull: string;
  quiet?: boolean;
  cpusetCpus?: string;
  cpusetMems?: string;
  isolation?: string;
  healthCmd?: string;
  healthInterval?: number;
  healthTimeout?: number;
  healthStartPeriod?: number;
  healthStartInterval?: number;
  healthRetries?: number;
  healthcheck?: boolean;
  volumeDriver?: string;
  memory?: number;
  memoryReservation?: number;
  memorySwap?: number;
  memorySwappiness: number;
  shmSize?: number;
  cpus?: number;
  cpuShares?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  pidsLimit?: number;
  oomScoreAdj?: number;
  oomKillDisable?: boolean;
  interactive?: boolean;
  tty?: boolean;
  rm?: boolean;
  privileged?: boolean;
  readOnly?: boolean;
  init?: boolean;
  publishAll?: boolean;
}

type Parse<T> = (v: string) => T;

/** Wraps a parser so its error becomes commander's invalid-argument error (docker's flag error). */
function checked<T>(parse: Parse<T>): Parse<T> {
  return (v) => {
    try {
      return parse(v);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

export function value<T>(flags: string, description: string, parse: Parse<T>): Option {
  return new Option(flags, description).argParser(checked(parse));
}

/** A repeatable flag whose values are checked (and converted) one by one, as docker's ListOpts validators do. */
export function list<T = string>(flags: string, description: string, parse: Parse<T> = (v) => v as T): Option {
  const p = checked(parse);
  return new Option(flags, description).argParser((v: string, prev: T[] | undefined) => [...(prev ?? []), p(v)]).default([]);
}

const int = (v: string) => goParseInt(v, 0, 64);
const int32 = (v: string) => goParseInt(v, 0, 32);

/**
 * The resource flags `run`/`create` and `update` share, with docker's texts: factories, since an
 * Option belongs to one command.
 */
const RESOURCE_FLAGS = {
  cpuPeriod: () => value('--cpu-period <int>', 'Limit CPU CFS (Completely Fair Scheduler) period', int),
  cpuQuota: () => value('--cpu-quota <int>', 'Limit CPU CFS (Completely Fair Scheduler) quota', int),
  cpuShares: () => value('-c, --cpu-shares <int>', 'CPU shares (relative weight)', int),
  cpus: () => value('--cpus <decimal>', 'Number of CPUs', nanoCpus),
  cpusetCpus: () => new Option('--cpuset-cpus <string>', 'CPUs in which to allow execution (0-3, 0,1)'),
  cpusetMems: () => new Option('--cpuset-mems <string>', 'MEMs in which to allow execution (0-3, 0,1)'),
  memory: () => value('-m, --memory <bytes>', 'Memory limit', ramInBytes),
  memoryReservation: () => value('--memory-reservation <bytes>', 'Memory soft limit', ramInBytes),
  pidsLimit: () => value('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)', int),
};

/** A new instance of one of the shared resource flags. */
export function resourceFlag(name: keyof typeof RESOURCE_FLAGS): Option {
  return RESOURCE_FLAGS[name]();
}

/** `--ulimit` keeps one entry per name, the last one given (docker's UlimitOpt is a map). */
function ulimitOption(): Option {
  const p = checked(parseUlimit);
  return new Option('--ulimit <ulimit>', 'Ulimit options')
    .argParser((v: string, prev: Ulimit[] | undefined) => {
      const u = p(v);
      return [...(prev ?? []).filter((x) => x.Name !== u.Name), u].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    })
    .default([]);
}

/** Declares the container flags (and `--name`, `--pull`, `-q`) on `cmd`. */
export function addContainerFlags(cmd: Command): Command {
  const options: Option[] = [
    list('-a, --attach <list>', 'Attach to STDIN, STDOUT or STDERR', validateAttach),
    list('--add-host <list>', 'Add a custom host-to-IP mapping (host:ip)', validateExtraHost),
    list('--cap-add <list>', 'Add Linux capabilities'),
    list('--cap-drop <list>', 'Drop Linux capabilities'),
    new Option('--cgroup-parent <string>', 'Optional parent cgroup for the container'),
    new Option('--cgroupns <string>', 'Cgroup namespace to use (host|private)'),
    new Option('--cidfile <string>', 'Write the container ID to the file'),
    resourceFlag('cpuPeriod'),
    resourceFlag('cpuQuota'),
    resourceFlag('cpuShares'),
    resourceFlag('cpus'),
    resourceFlag('cpusetCpus'),
    resourceFlag('cpusetMems'),
    list('--device <list>', 'Add a host device to the container'),
    list('--dns <list>', 'Set custom DNS servers', validateIPAddress),
    list('--dns-option <list>', 'Set DNS options'),
    list('--dns-search <list>', 'Set custom DNS search domains', validateDnsSearch),
    new Option('--domainname <string>', 'Container NIS domain name'),
    new Option('--entrypoint <string>', 'Overwrite the default ENTRYPOINT of the image'),
    // Only checked here: a bare KEY takes its value from the environment when the body is built.
    list('-e, --env <list>', 'Set environment variables', checkEnv),
    list('--env-file <list>', 'Read in a file of environment variables'),
    list('--expose <list>', 'Expose a port or a range of ports'),
    list('--group-add <list>', 'Add additional groups to join'),
    new Option('--health-cmd <string>', 'Command to run to check health'),
    value('--health-interval <duration>', 'Time between running the check (ms|s|m|h) (default 0s)', parseGoDuration),
    value('--health-retries <int>', 'Consecutive failures needed to report unhealthy', int32),
    value('--health-start-interval <duration>', 'Time between running the check during the start period (ms|s|m|h) (default 0s)', parseGoDuration),
    value('--health-start-period <duration>', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)', parseGoDuration),
    value('--health-timeout <duration>', 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)', parseGoDuration),
    new Option('-h, --hostname <string>', 'Container host name'),
    new Option('--init', 'Run an init inside the container that forwards signals and reaps processes'),
    new Option('--no-init').hideHelp(),
    new Option('-i, --interactive', 'Keep STDIN open even if not attached'),
    new Option('--ipc <string>', 'IPC mode to use'),
    new Option('--isolation <string>', 'Container isolation technology'),
    list('-l, --label <list>', 'Set meta data on a container', validateLabel),
    list('--label-file <list>', 'Read in a line delimited file of labels'),
    new Option('--log-driver <string>', 'Logging driver for the container'),
    list('--log-opt <list>', 'Log driver options'),
    resourceFlag('memory'),
    resourceFlag('memoryReservation'),
    value('--memory-swap <bytes>', "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", memSwapBytes),
    value('--memory-swappiness <int>', 'Tune container memory swappiness (0 to 100)', int).default(-1),
    list('--mount <mount>', 'Attach a filesystem mount to the container', parseMountSpec),
    new Option('--name <string>', 'Assign a name to the container'),
    list('--network <network>', 'Connect a container to a network'),
    list('--net <network>', 'Connect a container to a network').hideHelp(),
    new Option('--no-healthcheck', 'Disable any container-specified HEALTHCHECK'),
    new Option('--oom-kill-disable', 'Disable OOM Killer'),
    value('--oom-score-adj <int>', "Tune host's OOM preferences (-1000 to 1000)", int32),
    new Option('--pid <string>', 'PID namespace to use'),
    resourceFlag('pidsLimit'),
    new Option('--platform <string>', 'Set platform if server is multi-platform capable'),
    new Option('--privileged', 'Give extended privileges to this container'),
    list('-p, --publish <list>', "Publish a container's port(s) to the host"),
    new Option('-P, --publish-all', 'Publish all exposed ports to random ports'),
    new Option('--pull <string>', 'Pull image before running ("always", "missing", "never")').default('missing'),
    new Option('-q, --quiet', 'Suppress the pull output'),
    new Option('--read-only', "Mount the container's root filesystem as read only"),
    new Option('--restart <string>', 'Restart policy to apply when a container exits').default('no'),
    new Option('--rm', 'Automatically remove the container and its associated anonymous volumes when it exits'),
    new Option('--runtime <string>', 'Runtime to use for this container'),
    list('--security-opt <list>', 'Security Options'),
    value('--shm-size <bytes>', 'Size of /dev/shm', ramInBytes),
    new Option('--stop-signal <string>', 'Signal to stop the container'),
    value('--stop-timeout <int>', 'Timeout (in seconds) to stop a container', int32),
    list('--storage-opt <list>', 'Storage driver options for the container'),
    list('--sysctl <map>', 'Sysctl options', validateSysctl),
    list('--tmpfs <list>', 'Mount a tmpfs directory'),
    new Option('-t, --tty', 'Allocate a pseudo-TTY'),
    ulimitOption(),
    new Option('-u, --user <string>', 'Username or UID (format: <name|uid>[:<group|gid>])'),
    new Option('--userns <string>', 'User namespace to use'),
    new Option('--uts <string>', 'UTS namespace to use'),
    list('-v, --volume <list>', 'Bind mount a volume'),
    new Option('--volume-driver <string>', 'Optional volume driver for the container'),
    list('--volumes-from <list>', 'Mount volumes from the specified container(s)'),
    new Option('-w, --workdir <string>', 'Working directory inside the container'),
  ];
  for (const o of options) cmd.addOption(o);
  // `-h` is --hostname here, as in docker: help is only `--help`.
  cmd.helpOption('--help', 'Print usage');
  return cmd;
}
