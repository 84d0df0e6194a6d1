import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../app.ts';
import type { AuthEnv } from '../auth.ts';
import { defaultHook } from '../errors.ts';
import { createRequestHandlers } from './requests.handlers.ts';
import { createRequestRoute, getRequestRoute } from './requests.routes.ts';

export function requestsRouter(deps: AppDeps) {
  const handlers = createRequestHandlers(deps);
  return new OpenAPIHono<AuthEnv>({ defaultHook }).openapi(createRequestRoute, handlers.create).openapi(getRequestRoute, handlers.get);
}
