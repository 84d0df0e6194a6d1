// The statuses every route shares, added to the generated document in one place, so a new route is documented
// as completely as the old ones without repeating them: what the middleware in front of it can answer.

type Response = { description: string; content?: Record<string, { schema: unknown }>; headers?: Record<string, unknown> };
type Operation = { security?: Record<string, unknown>[]; parameters?: unknown[]; requestBody?: unknown; responses: Record<string, Response> };
export interface OpenApiDocument {
  paths?: object | undefined;
}

/** Paths behind the per-address limiter of app.ts (no token: the link or the signature is the credential). */
export const RATE_LIMITED_PATHS = ['/v1/webhooks/', '/verify/', '/downloads/', '/appeal/', '/privacy/'] as const;

const error = (description: string, headers?: Record<string, unknown>): Response => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  ...(headers ? { headers } : {}),
});
const retryAfter = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } } };

/**
 * Links from a created request to every operation on it (`/v1/requests/{id}/...`), so generated clients and
 * stateful testers know where the `id` of POST /v1/requests's answer goes.
 */
function linkCreatedRequest(paths: Record<string, Record<string, Operation>>): void {
  const created = paths['/v1/requests']?.post?.responses['201'] as (Response & { links?: Record<string, unknown> }) | undefined;
  if (!created) return;
  for (const [path, item] of Object.entries(paths)) {
    if (!path.startsWith('/v1/requests/{id}')) continue;
    for (const method of Object.keys(item)) {
      const name = `${method}${path.slice('/v1/requests/{id}'.length).replace(/\/\{?(\w)(\w*)\}?/g, (_, a: string, b: string) => a.toUpperCase() + b) || 'Request'}`;
      (created.links ??= {})[name] = {
        // A JSON pointer in a URI fragment: `/` is `~1`, and the braces are percent-encoded.
        operationRef: `#/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1').replaceAll('{', '%7B').replaceAll('}', '%7D')}/${method}`,
        parameters: { id: '$response.body#/id' },
      };
    }
  }
}

/** Adds, where a route does not say more itself, the statuses its place in the app can answer. Returns the document. */
export function completeResponses<D extends OpenApiDocument>(doc: D): D {
  linkCreatedRequest((doc.paths ?? {}) as Record<string, Record<string, Operation>>);
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Record<string, Operation>>)) {
    for (const op of Object.values(item)) {
      const add = (status: number, response: Response) => (op.responses[String(status)] ??= response);
      const bearer = op.security?.some((s) => Object.hasOwn(s, 'bearer')) ?? false;
      if (op.requestBody || (op.parameters?.length ?? 0) > 0) add(400, error('Invalid input: the message and details name each field and why'));
      if (bearer) {
        add(401, error('Missing, malformed, unknown or revoked token'));
        add(403, error('The role, or the controller’s organization, may not do this; the code names the rule'));
      }
      if (op.requestBody) add(413, error('Request body over the size limit (64 KiB by default); nothing recorded'));
      if (RATE_LIMITED_PATHS.some((p) => path.startsWith(p))) add(429, error('Too many requests from this address; see Retry-After', retryAfter));
      // Every route reads PostgreSQL (the token, the request) first: unreachable, it answers 503 and changes nothing.
      add(503, error('The database (DATABASE_UNAVAILABLE) or Temporal is unreachable; see Retry-After', retryAfter));
    }
  }
  return doc;
}
