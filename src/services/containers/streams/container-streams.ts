/**
 * The stream services of containers behind one object: attach, logs, resize and exec, sharing
 * the terminal resizer (live shim connections). It has the shape of the routes' backend
 * (src/server/routes/container-streams.ts); the composition root builds one per daemon.
 */
import type { EventBus } from '../../../core/events/events.js';
import type { Logger } from '../../../lib/logger.js';
import type { ExecConfig, ExecInspectResponse } from '../../../spec/engine/types.js';
import { type AttachOptions, AttachService, type PreparedStream } from './attach-service.js';
import { ExecService } from './exec-service.js';
import { type LogsOptions, LogsService, type PreparedLogs } from './logs-service.js';
import type { ExecContainers } from './stream-deps.js';
import { TerminalResizer } from './terminal-resizer.js';

export interface ContainerStreamsDeps {
  /** The lifecycle service (it satisfies this pick of ContainerService). */
  containers: ExecContainers;
  events?: Pick<EventBus, 'publish'>;
  log?: Logger;
  /** Execs in runc containers started by the shim itself (default true; see exec-launch.ts). */
  nativeExec?: boolean;
}

export class ContainerStreams {
  readonly attach: AttachService;
  readonly logs: LogsService;
  readonly exec: ExecService;

  constructor(deps: ContainerStreamsDeps) {
    const resizer = new TerminalResizer();
    this.attach = new AttachService({ containers: deps.containers, resizer, events: deps.events });
    this.logs = new LogsService({ containers: deps.containers });
    this.exec = new ExecService({ containers: deps.containers, resizer, events: deps.events, log: deps.log, nativeExec: deps.nativeExec });
  }

  prepareAttach(idOrName: string, o: AttachOptions): PreparedStream {
    return this.attach.prepare(idOrName, o);
  }

  resize(idOrName: string, rows: number, cols: number): Promise<void> {
    return this.attach.resize(idOrName, rows, cols);
  }

  prepareLogs(idOrName: string, o: LogsOptions): PreparedLogs {
    return this.logs.prepare(idOrName, o);
  }

  execCreate(idOrName: string, cfg: ExecConfig): string {
    return this.exec.create(idOrName, cfg);
  }

  execInspect(id: string): ExecInspectResponse {
    return this.exec.inspect(id);
  }

  prepareExecStart(id: string): PreparedStream {
    return this.exec.prepareStart(id);
  }

  execStartDetached(id: string): Promise<void> {
    return this.exec.startDetached(id);
  }

  execResize(id: string, rows: number, cols: number): Promise<void> {
    return this.exec.resize(id, rows, cols);
  }
}
