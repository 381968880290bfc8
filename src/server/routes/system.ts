import type { SystemInfo, SystemVersion } from '../../spec/engine/types.js';
import type { Route } from '../router.js';

/** What the system routes need from the engine. */
export interface SystemBackend {
  version(): Promise<SystemVersion>;
  info(): Promise<SystemInfo>;
}

const PING_HEADERS = {
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
};

/** What /info takes from other subsystems than the system service. */
export interface SystemRouteExtras {
  /** The registry service's configuration (`--insecure-registry`), as dockerd reports it. */
  registryConfig?: () => NonNullable<SystemInfo['RegistryConfig']>;
}

export function systemRoutes(b: SystemBackend, extras: SystemRouteExtras = {}): Route[] {
  const info = async (): Promise<SystemInfo> => {
    const i = await b.info();
    return extras.registryConfig ? { ...i, RegistryConfig: extras.registryConfig() } : i;
  };
  return [
    {
      method: 'GET',
      path: '/_ping',
      handler: async (ctx) => {
        const res = ctx.res!;
        for (const [k, v] of Object.entries(PING_HEADERS)) res.setHeader(k, v);
        // HEAD gets the same headers and Content-Length 0 (node drops the body for HEAD).
        if (ctx.req.method === 'HEAD') {
          res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 0 });
          res.end();
          return;
        }
        ctx.text(200, 'OK');
      },
    },
    { method: 'GET', path: '/version', handler: async (ctx) => ctx.send(200, await b.version()) },
    { method: 'GET', path: '/info', handler: async (ctx) => ctx.send(200, await info()) },
  ];
}
