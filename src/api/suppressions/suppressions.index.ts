import { OpenAPIHono, type RouteHandler } from '@hono/zod-openapi';
import { findRequest } from '../../db/requests.ts';
import { markLiftStarted, recordLift } from '../../db/suppressions.ts';
import { findSuppression } from '../../warehouse/suppressions.ts';
import { startSuppressionLift } from '../../workflow-client/starts.ts';
import type { AppDeps } from '../deps.ts';
import type { AuthEnv } from '../auth.ts';
import { ApiError, defaultHook } from '../errors.ts';
import { liftSuppressionRoute } from './suppressions.routes.ts';

export function suppressionsRouter(deps: AppDeps) {
  const lift: RouteHandler<typeof liftSuppressionRoute, AuthEnv> = async (c) => {
    const { id, suppressionId } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    const request = await findRequest(deps.pool, id);
    if (!request) throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with id ${id}`);
    const suppression = await findSuppression(deps.pool, suppressionId, deps.settings.warehouseSchema);
    if (!suppression || suppression.request_id !== id) throw new ApiError(404, 'SUPPRESSION_NOT_FOUND', `Request ${id} has no suppression ${suppressionId}`);
    if (suppression.lifted_at) throw new ApiError(409, 'SUPPRESSION_ALREADY_LIFTED', `Suppression ${suppressionId} was lifted on ${suppression.lifted_at} by ${suppression.lifted_by}`);
    const { row } = await recordLift(deps.pool, { suppressionId, requestId: id, reason, liftedBy: c.get('actor').name });
    // A lift recorded earlier whose workflow did start is under way; one that did not start is started now.
    if (row.workflow_started_at) throw new ApiError(409, 'SUPPRESSION_LIFT_UNDER_WAY', `Suppression ${suppressionId} is already being lifted (asked by ${row.lifted_by})`);
    try {
      await startSuppressionLift(deps.temporal.client, deps.workflows, { requestId: id, suppressionId });
    } catch (error) {
      deps.logger.warn('suppression lift start failed; recorded, started on retry or at worker start', { suppressionId, error: (error as Error).name });
      throw new ApiError(503, 'WORKFLOW_START_FAILED', `The lift of ${suppressionId} was recorded but could not be started yet; retry the same call, or it starts when the worker restarts`);
    }
    await markLiftStarted(deps.pool, suppressionId);
    return c.json({ suppressionId, requestId: id, status: 'lifting' as const, workflowId: `suppression-lift-${suppressionId}` }, 202);
  };
  return new OpenAPIHono<AuthEnv>({ defaultHook }).openapi(liftSuppressionRoute, lift);
}
