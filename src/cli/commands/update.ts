/** `wharf update` / `wharf container update`: change the resources or restart policy of containers. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { ramInBytes } from '../../lib/go-units.js';
import type { ContainerUpdateRequest } from '../../spec/engine/types.js';
import type { CliContext } from '../cli-context.js';
import { CliError, errorText } from '../cli-error.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';
import { resourceFlag, value } from '../run/container-flags.js';
import { goParseInt, memSwapBytes } from '../run/go-parse.js';
import { parseRestartPolicy } from '../run/host-config.js';

interface UpdateFlags {
  blkioWeight?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuRtPeriod?: number;
  cpuRtRuntime?: number;
  cpuShares?: number;
  cpus?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  kernelMemory?: number;
  memory?: number;
  memoryReservation?: number;
  memorySwap?: number;
  pidsLimit?: number;
  restart?: string;
}

const int = (v: string) => goParseInt(v, 0, 64);

/**
 * The request as docker's update sends it: the whole Resources struct in Go's field order
 * (0 = unchanged; unset lists and pointers null; KernelMemory only when given), the pids limit
 * only when given non-zero, then the restart policy, checked here for its format only.
 */
export function updateBody(f: UpdateFlags): ContainerUpdateRequest {
  const body: Record<string, unknown> = {
    CpuShares: f.cpuShares ?? 0,
    Memory: f.memory ?? 0,
    NanoCpus: f.cpus ?? 0,
    CgroupParent: '',
    BlkioWeight: f.blkioWeight ?? 0,
    BlkioWeightDevice: null,
    BlkioDeviceReadBps: null,
    BlkioDeviceWriteBps: null,
    BlkioDeviceReadIOps: null,
    BlkioDeviceWriteIOps: null,
    CpuPeriod: f.cpuPeriod ?? 0,
    CpuQuota: f.cpuQuota ?? 0,
    CpuRealtimePeriod: f.cpuRtPeriod ?? 0,
    CpuRealtimeRuntime: f.cpuRtRuntime ?? 0,
    CpusetCpus: f.cpusetCpus ?? '',
    CpusetMems: f.cpusetMems ?? '',
    Devices: null,
    DeviceCgroupRules: null,
    DeviceRequests: null,
  };
  if (f.kernelMemory) body.KernelMemory = f.kernelMemory;
  Object.assign(body, {
    MemoryReservation: f.memoryReservation ?? 0,
    MemorySwap: f.memorySwap ?? 0,
    MemorySwappiness: null,
    OomKillDisable: null,
    PidsLimit: f.pidsLimit ? f.pidsLimit : null,
    Ulimits: null,
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    RestartPolicy: f.restart ? parseRestartPolicy(f.restart) : { Name: '', MaximumRetryCount: 0 },
  });
  return body as ContainerUpdateRequest;
}

function declare(parent: Command, ctx: CliContext): void {
  const cmd = defineCommand<UpdateFlags>(
    parent,
    { name: 'update', usage: '[OPTIONS] CONTAINER [CONTAINER...]', description: 'Update configuration of one or more containers', args: { min: 1 } },
    async (names, flags) => {
      if (!Object.values(flags).some((v) => v !== undefined)) throw new CliError('you must provide one or more flags when using this command');
      let body: ContainerUpdateRequest;
      try {
        body = updateBody(flags);
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      // As docker: the name of each container updated, then every warning, then the errors.
      const warnings: string[] = [];
      const errors: string[] = [];
      for (const name of names) {
        try {
          const r = await ctx.client().containers.update(name, body);
          ctx.out(`${name}\n`);
          warnings.push(...(r.Warnings ?? []));
        } catch (err) {
          errors.push(errorText(err));
        }
      }
      if (warnings.length) ctx.out(`${warnings.join('\n')}\n`);
      if (errors.length) throw new CliError(errors.join('\n'));
    },
  );
  const options = [
    value('--blkio-weight <uint16>', 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)', (v) => goParseInt(v, 0, 16)),
    resourceFlag('cpuPeriod'),
    resourceFlag('cpuQuota'),
    value('--cpu-rt-period <int>', 'Limit the CPU real-time period in microseconds', int),
    value('--cpu-rt-runtime <int>', 'Limit the CPU real-time runtime in microseconds', int),
    resourceFlag('cpuShares'),
    resourceFlag('cpus'),
    resourceFlag('cpusetCpus'),
    resourceFlag('cpusetMems'),
    value('--kernel-memory <bytes>', 'Kernel memory limit (deprecated)', ramInBytes).hideHelp(),
    resourceFlag('memory'),
    resourceFlag('memoryReservation'),
    value('--memory-swap <bytes>', 'Swap limit equal to memory plus swap: -1 to enable unlimited swap', memSwapBytes),
    resourceFlag('pidsLimit'),
    new Option('--restart <string>', 'Restart policy to apply when a container exits'),
  ];
  for (const o of options) cmd.addOption(o);
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
