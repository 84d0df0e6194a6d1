import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../deps.ts';
import type { AuthEnv } from '../auth.ts';
import { defaultHook } from '../errors.ts';
import { createActionHandlers } from './actions.handlers.ts';
import { assessmentRoute, cancellationRoute, completionRoute, extensionRoute, verificationRoute } from './actions.routes.ts';
import { createCorrectionHandlers } from './corrections.handlers.ts';
import { correctionsRoute } from './corrections.routes.ts';
import { createListHandlers } from './list.handlers.ts';
import { listRequestsRoute, statsRoute } from './list.routes.ts';
import { createRequestHandlers } from './requests.handlers.ts';
import { createRequestRoute, getRequestRoute } from './requests.routes.ts';

export function requestsRouter(deps: AppDeps) {
  const handlers = createRequestHandlers(deps);
  const actions = createActionHandlers(deps);
  const listing = createListHandlers(deps);
  const corrections = createCorrectionHandlers(deps);
  return new OpenAPIHono<AuthEnv>({ defaultHook })
    .openapi(createRequestRoute, handlers.create)
    .openapi(listRequestsRoute, listing.list)
    .openapi(statsRoute, listing.stats)
    .openapi(getRequestRoute, handlers.get)
    .openapi(correctionsRoute, corrections.list)
    .openapi(verificationRoute, actions.verification)
    .openapi(assessmentRoute, actions.assessment)
    .openapi(extensionRoute, actions.extension)
    .openapi(cancellationRoute, actions.cancellation)
    .openapi(completionRoute, actions.completion);
}
