import type { RequestContext } from './context.js';

export type Handler = (ctx: RequestContext) => Promise<void>;

export interface Route {
  method: string;
  /**
   * Path pattern after the version prefix, e.g. `/containers/{id}/json`. `{name}` matches one
   * segment; `{name*}` matches one or more segments (image names contain slashes and are not
   * URL-escaped by the CLI: `POST /images/127.0.0.1:5000/spy/built/push`).
   */
  path: string;
  handler: Handler;
}

interface CompiledRoute extends Route {
  re: RegExp;
  names: string[];
}

export interface RouteMatch {
  handler: Handler;
  params: Record<string, string>;
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((seg) => {
      const m = /^\{(\w+)(\*?)\}$/.exec(seg);
      if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1]!);
      return m[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { ...route, re: new RegExp(`^${source}/?$`), names };
}

/** A first-match route table. Resources contribute route lists; the daemon concatenates them. */
export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(routes: readonly Route[]): this {
    for (const r of routes) this.routes.push(compile(r));
    return this;
  }

  /** Finds the handler for method+path; `undefined` if no route matches the path at all. */
  match(method: string, path: string): RouteMatch | 'method-not-allowed' | undefined {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) {
        pathMatched = true;
        continue;
      }
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1]!);
      });
      return { handler: r.handler, params };
    }
    return pathMatched ? 'method-not-allowed' : undefined;
  }
}
