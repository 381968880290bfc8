/**
 * Types for the parts of `usocket` (unix sockets with SCM_RIGHTS fd passing; native, no types
 * shipped) that Wharf uses: a server whose connections emit the file descriptors they receive.
 */
declare module 'usocket' {
  import { Duplex } from 'node:stream';
  import { EventEmitter } from 'node:events';

  export class USocket extends Duplex {
    fd?: number;
    on(event: 'fds', listener: (fds: number[]) => void): this;
    on(event: string | symbol, listener: (...args: unknown[]) => void): this;
  }

  export class UServer extends EventEmitter {
    listen(path: string, backlog?: number, cb?: () => void): void;
    listen(path: string, cb?: () => void): void;
    close(): void;
    on(event: 'connection', listener: (sock: USocket) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: string | symbol, listener: (...args: unknown[]) => void): this;
  }
}
