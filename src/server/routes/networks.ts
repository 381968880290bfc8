/**
 * Engine API routes of networks: create, list, inspect, remove, prune, connect, disconnect.
 * Thin handlers over {@link NetworksBackend}.
 */
import type { EndpointSettings } from '../../spec/engine/types.js';
import type { Filters } from '../query.js';
import type { Route } from '../router.js';

/** The create body (moby types.NetworkCreateRequest). */
export interface NetworkCreateBody {
  Name?: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Options?: Record<string, string> | null; Config?: Array<{ Subnet?: string; IPRange?: string; Gateway?: string }> | null } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** What the network routes need from the engine. */
export interface NetworksBackend {
  create(body: NetworkCreateBody): Promise<{ Id: string; Warning: string }>;
  list(filters: Filters): Record<string, unknown>[];
  inspect(idOrName: string): Record<string, unknown>;
  remove(idOrName: string): Promise<void>;
  prune(filters: Filters): Promise<{ NetworksDeleted: string[] | null }>;
  connect(idOrName: string, body: { Container?: string; EndpointConfig?: EndpointSettings | null }): Promise<void>;
  disconnect(idOrName: string, body: { Container?: string; Force?: boolean }): Promise<void>;
}

export function networkRoutes(b: NetworksBackend): Route[] {
  return [
    { method: 'GET', path: '/networks', handler: async (ctx) => ctx.send(200, b.list(ctx.query.filters())) },
    { method: 'POST', path: '/networks/create', handler: async (ctx) => ctx.send(201, await b.create(await ctx.json<NetworkCreateBody>())) },
    { method: 'POST', path: '/networks/prune', handler: async (ctx) => ctx.send(200, await b.prune(ctx.query.filters())) },
    { method: 'GET', path: '/networks/{id}', handler: async (ctx) => ctx.send(200, b.inspect(ctx.params.id!)) },
    {
      method: 'DELETE',
      path: '/networks/{id}',
      handler: async (ctx) => {
        await b.remove(ctx.params.id!);
        ctx.noContent();
      },
    },
    {
      method: 'POST',
      path: '/networks/{id}/connect',
      handler: async (ctx) => {
        await b.connect(ctx.params.id!, await ctx.json());
        ctx.noContent(200);
      },
    },
    {
      method: 'POST',
      path: '/networks/{id}/disconnect',
      handler: async (ctx) => {
        await b.disconnect(ctx.params.id!, await ctx.json());
        ctx.noContent(200);
      },
    },
  ];
}
