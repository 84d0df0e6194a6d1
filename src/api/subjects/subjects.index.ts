import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../deps.ts';
import type { AuthEnv } from '../auth.ts';
import { defaultHook } from '../errors.ts';
import { createDuplicateHandlers } from './duplicates.handlers.ts';
import { duplicateDecisionRoute } from './duplicates.routes.ts';
import { createSubjectHandlers } from './subjects.handlers.ts';
import { findSubjectsRoute, getSubjectRoute } from './subjects.routes.ts';

export function subjectsRouter(deps: AppDeps) {
  const subjects = createSubjectHandlers(deps);
  const duplicates = createDuplicateHandlers(deps);
  return new OpenAPIHono<AuthEnv>({ defaultHook })
    .openapi(findSubjectsRoute, subjects.find)
    .openapi(getSubjectRoute, subjects.get)
    .openapi(duplicateDecisionRoute, duplicates.decide);
}
