import type { ExecConfig, ExecInspectResponse, IdResponse } from '../spec/engine/types.js';
import { type ApiCaller, pathName } from './api-caller.js';
import { jsonBody } from './containers-api.js';
import type { HijackedConnection } from './http-transport.js';

/** The exec endpoints: create a process in a running container, start it, watch it. */
export class ExecApi {
  constructor(private readonly api: ApiCaller) {}

  /** `POST /containers/{id}/exec`: the new exec's ID. */
  create(container: string, config: ExecConfig): Promise<IdResponse> {
    return this.api.callJSON('POST', `/containers/${pathName(container)}/exec`, jsonBody(config));
  }

  /** `POST /exec/{id}/start` with `Detach: true`: returns once the process runs. */
  startDetached(id: string, tty: boolean): Promise<void> {
    return this.api.callNoContent('POST', `/exec/${pathName(id)}/start`, jsonBody({ Detach: true, Tty: tty }));
  }

  /** `POST /exec/{id}/start` upgraded to a raw stream (multiplexed unless `tty`). */
  startAttached(id: string, tty: boolean): Promise<HijackedConnection> {
    return this.api.hijack('POST', `/exec/${pathName(id)}/start`, jsonBody({ Detach: false, Tty: tty }));
  }

  /** `GET /exec/{id}/json`. */
  inspect(id: string): Promise<ExecInspectResponse> {
    return this.api.callJSON('GET', `/exec/${pathName(id)}/json`);
  }

  /** `POST /exec/{id}/resize?h=&w=`. */
  resize(id: string, height: number, width: number): Promise<void> {
    return this.api.callNoContent('POST', `/exec/${pathName(id)}/resize`, { query: { h: String(height), w: String(width) } });
  }
}
