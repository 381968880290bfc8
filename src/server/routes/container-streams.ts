/**
 * Stream routes of containers: attach and exec start (hijacked, `101 UPGRADED`), logs (a plain
 * chunked 200), terminal resize, exec create and inspect. Wire details: transcripts README §3–5.
 */
import type { Duplex, Writable } from 'node:stream';
import { invalidArgument } from '../../errdefs/index.js';
import type { ExecConfig, ExecInspectResponse } from '../../spec/engine/types.js';
import type { RequestContext } from '../context.js';
import type { Route } from '../router.js';
import { logsContentType, streamContentType } from '../version-adapter.js';

/**
 * A validated hijack: after the 101 (typed by `tty`), `run` streams until the session ends.
 * `stdin: false` when the client did not upgrade (a plain 200 response has no way back).
 */
export interface PreparedHijack {
  tty: boolean;
  run(client: Duplex, opts?: { stdin?: boolean }): Promise<void>;
}

/** A validated logs request: after the 200 (typed by `tty`), `writeTo` writes the log. */
export interface PreparedLogBody {
  tty: boolean;
  writeTo(out: Writable, signal: AbortSignal): Promise<void>;
}

/** What the stream routes need (AttachService, LogsService and ExecService implement it). */
export interface ContainerStreamsBackend {
  prepareAttach(
    idOrName: string,
    o: { stream: boolean; stdin: boolean; stdout: boolean; stderr: boolean; logs: boolean; detachKeys?: string },
  ): PreparedHijack;
  resize(idOrName: string, rows: number, cols: number): Promise<void>;
  prepareLogs(
    idOrName: string,
    o: { follow: boolean; stdout: boolean; stderr: boolean; since?: string; until?: string; timestamps: boolean; tail?: string },
  ): PreparedLogBody;
  execCreate(idOrName: string, cfg: ExecConfig): string;
  execInspect(id: string): ExecInspectResponse;
  prepareExecStart(id: string): PreparedHijack;
  execStartDetached(id: string): Promise<void>;
  execResize(id: string, rows: number, cols: number): Promise<void>;
}

/** Go's strconv.Atoi, with its error text (dockerd returns it as 400 for bad `h`/`w`). */
function atoi(value: string | undefined): number {
  const v = value ?? '';
  if (!/^[+-]?\d+$/.test(v)) throw invalidArgument(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw invalidArgument(`strconv.Atoi: parsing ${JSON.stringify(v)}: value out of range`);
  return n;
}

function size(ctx: RequestContext): { rows: number; cols: number } {
  return { rows: atoi(ctx.query.string('h')), cols: atoi(ctx.query.string('w')) };
}

/** An empty 200, as dockerd answers resize and a detached exec start. */
function emptyOk(ctx: RequestContext): void {
  if (ctx.upgrade) {
    // A client that asked to upgrade for a detached start gets a plain response on the socket.
    const headers = Object.entries(ctx.apiHeaders).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    ctx.upgrade.socket.end(`HTTP/1.1 200 OK\r\nContent-Length: 0\r\n${headers}\r\n`);
    return;
  }
  ctx.res!.writeHead(200, { 'Content-Length': 0 });
  ctx.res!.end();
}

async function hijackAndRun(ctx: RequestContext, prepared: PreparedHijack, tty: boolean): Promise<void> {
  // Reading the (empty or JSON) body first puts any bytes past it back as the client's stdin.
  if (ctx.upgrade) await ctx.bodyBuffer();
  const client = ctx.hijack(streamContentType(ctx.apiVersion, tty));
  await prepared.run(client, { stdin: ctx.upgrade !== undefined });
}

export function containerStreamRoutes(b: ContainerStreamsBackend): Route[] {
  return [
    {
      method: 'POST',
      path: '/containers/{id}/attach',
      handler: async (ctx) => {
        const q = ctx.query;
        const prepared = b.prepareAttach(ctx.params.id!, {
          stream: q.bool('stream'),
          stdin: q.bool('stdin'),
          stdout: q.bool('stdout'),
          stderr: q.bool('stderr'),
          logs: q.bool('logs'),
          detachKeys: q.string('detachKeys'),
        });
        await hijackAndRun(ctx, prepared, prepared.tty);
      },
    },
    {
      method: 'GET',
      path: '/containers/{id}/logs',
      handler: async (ctx) => {
        const q = ctx.query;
        const prepared = b.prepareLogs(ctx.params.id!, {
          follow: q.bool('follow'),
          stdout: q.bool('stdout'),
          stderr: q.bool('stderr'),
          since: q.string('since'),
          until: q.string('until'),
          timestamps: q.bool('timestamps'),
          tail: q.string('tail'),
        });
        const ac = new AbortController();
        ctx.res!.once('close', () => ac.abort());
        const out = ctx.stream(logsContentType(ctx.apiVersion, prepared.tty));
        await prepared.writeTo(out, ac.signal);
        out.end();
      },
    },
    {
      method: 'POST',
      path: '/containers/{id}/resize',
      handler: async (ctx) => {
        const { rows, cols } = size(ctx);
        await b.resize(ctx.params.id!, rows, cols);
        emptyOk(ctx);
      },
    },
    {
      method: 'POST',
      path: '/containers/{id}/exec',
      handler: async (ctx) => {
        const cfg = await ctx.json<ExecConfig>();
        ctx.send(201, { Id: b.execCreate(ctx.params.id!, cfg) });
      },
    },
    {
      method: 'POST',
      path: '/exec/{id}/start',
      handler: async (ctx) => {
        const body = await ctx.json<{ Detach?: boolean; Tty?: boolean }>();
        if (body.Detach) {
          await b.execStartDetached(ctx.params.id!);
          emptyOk(ctx);
          return;
        }
        const prepared = b.prepareExecStart(ctx.params.id!);
        // dockerd types the stream by the start request's Tty (it matters from 1.42 on).
        await hijackAndRun(ctx, prepared, body.Tty ?? prepared.tty);
      },
    },
    {
      method: 'POST',
      path: '/exec/{id}/resize',
      handler: async (ctx) => {
        const { rows, cols } = size(ctx);
        await b.execResize(ctx.params.id!, rows, cols);
        emptyOk(ctx);
      },
    },
    { method: 'GET', path: '/exec/{id}/json', handler: async (ctx) => ctx.send(200, b.execInspect(ctx.params.id!)) },
  ];
}
