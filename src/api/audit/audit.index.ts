import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../deps.ts';
import type { AuthEnv } from '../auth.ts';
import { defaultHook } from '../errors.ts';
import { createAuditHandlers } from './audit.handlers.ts';
import { listAuditRoute, requestAuditRoute, verifyAuditRoute } from './audit.routes.ts';

/** The audit trail: read-only routes (who may read which part is decided by `authorize`). */
export function auditRouter(deps: AppDeps) {
  const handlers = createAuditHandlers(deps);
  return new OpenAPIHono<AuthEnv>({ defaultHook })
    .openapi(verifyAuditRoute, handlers.verify)
    .openapi(listAuditRoute, handlers.list)
    .openapi(requestAuditRoute, handlers.forRequest);
}
