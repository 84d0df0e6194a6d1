import { createMiddleware } from 'hono/factory';
import { ApiError } from './errors.ts';

type RouteList = readonly { method: string; path: string }[];

/**
 * 405 with `Allow` for a method a known path does not serve (TRACE /v1/stats, DELETE /v1/requests/{id}), before any
 * credential check: "no such method here" is the truthful answer, where 404 or 401 would mislead a client.
 * The routes are read on first use, once every router is mounted.
 */
export function methodNotAllowed(routes: () => RouteList) {
  let table: { pattern: RegExp; methods: Set<string>; literal: boolean }[] | undefined;
  const build = () => {
    const byPath = new Map<string, Set<string>>();
    for (const r of routes()) {
      if (r.method === 'ALL') continue; // middleware, not a route
      byPath.set(r.path, (byPath.get(r.path) ?? new Set()).add(r.method));
    }
    return [...byPath].map(([path, methods]) => ({ pattern: toPattern(path), methods, literal: !/[:*]/.test(path) }));
  };
  return createMiddleware(async (c, next) => {
    table ??= build();
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    const matching = table.filter((t) => t.pattern.test(c.req.path));
    // A path served as itself (/privacy/widget.js) is that resource, not also an instance of /privacy/:organization.
    const literal = matching.filter((t) => t.literal);
    const matches = literal.length > 0 ? literal : matching;
    if (matches.length > 0 && !matches.some((t) => t.methods.has(method))) {
      const allowed = [...new Set(matches.flatMap((t) => [...t.methods]))].sort();
      c.header('Allow', allowed.join(', '));
      throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${c.req.method} is not served at ${c.req.path}; allowed: ${allowed.join(', ')}`);
    }
    await next();
  });
}

// Hono's `/v1/requests/:id/audit` and `/docs/assets/*` as an anchored expression.
const toPattern = (path: string) =>
  new RegExp(`^${path.split('/').map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`);
