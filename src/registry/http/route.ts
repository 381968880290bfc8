import type { Access } from '../auth/access.js';
import type { RegistryStorage } from '../storage/registry-storage.js';
import type { Exchange } from './exchange.js';

/** One entry of the registry's route table. */
export interface Route {
  /** Methods served (HEAD is listed explicitly where GET's handler also answers it). */
  methods: readonly string[];
  /** Matched against the URL path; captures become `Exchange.params` (a repository name first). */
  pattern: RegExp;
  /** True when the first capture is a repository name, validated before anything else. */
  named: boolean;
  /** The scopes the request needs. */
  access(x: Pick<Exchange, 'params' | 'query' | 'method'>): Access[];
  handle(x: Exchange, s: RegistryStorage): Promise<void>;
}

/** `repository:<name>:<actions>` for the request's repository. */
export function repoAccess(name: string, ...actions: string[]): Access[] {
  return [{ type: 'repository', name, actions }];
}

/** Pull for reads, push (with pull, as Docker's registry asks) for writes, delete for deletes. */
export function actionsFor(method: string): string[] {
  if (method === 'GET' || method === 'HEAD') return ['pull'];
  if (method === 'DELETE') return ['delete'];
  return ['pull', 'push'];
}
