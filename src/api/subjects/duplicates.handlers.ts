import type { RouteHandler } from '@hono/zod-openapi';
import type { AppDeps } from '../deps.ts';
import type { AuthEnv } from '../auth.ts';
import { decideDuplicate } from './duplicate-decision.ts';
import type { duplicateDecisionRoute } from './duplicates.routes.ts';

export const createDuplicateHandlers = (deps: AppDeps) => {
  /** Staff's decision on a flagged duplicate: decideDuplicate, shared with the staff console. */
  const decide: RouteHandler<typeof duplicateDecisionRoute, AuthEnv> = async (c) => {
    const { replayed, ...result } = await decideDuplicate(deps, c.req.valid('param').id, c.req.valid('json'), c.get('actor').name);
    // The same decision again (a retry after a lost answer, a second click) is answered as taken.
    if (replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(result, 200);
  };
  return { decide };
};
