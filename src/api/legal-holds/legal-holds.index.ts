import { OpenAPIHono, type RouteHandler } from '@hono/zod-openapi';
import { isTerminal } from '../../domain/request.ts';
import { findLegalHold, liftLegalHold, type LegalHoldRow } from '../../db/erasure.ts';
import { findRequest } from '../../db/requests.ts';
import { handOverHoldReview } from '../../workflow-client/hold-review.ts';
import { scheduledErasureWorkflowId } from '../../workflows/scheduled-erasure.ts';
import type { AppDeps } from '../deps.ts';
import type { AuthEnv } from '../auth.ts';
import { ApiError, defaultHook } from '../errors.ts';
import { liftLegalHoldRoute } from './legal-holds.routes.ts';

export function legalHoldsRouter(deps: AppDeps) {
  const lift: RouteHandler<typeof liftLegalHoldRoute, AuthEnv> = async (c) => {
    const { id, basis } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    const request = await findRequest(deps.pool, id);
    if (!request) throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with id ${id}`);
    let hold = await findLegalHold(deps.pool, id, basis);
    if (!hold) throw new ApiError(404, 'LEGAL_HOLD_NOT_FOUND', `Request ${id} has no legal hold ${basis} (holds are placed by its first erasure pass, from the assessment)`);
    // Until the request has ended, its workflow may still be starting the scheduled erasure this would start.
    if (!isTerminal(request.status)) throw new ApiError(409, 'REQUEST_NOT_COMPLETED', `Request ${id} is ${request.status}; lift the hold once it has ended`);
    const alreadyLifted = (h: LegalHoldRow) =>
      new ApiError(409, 'LEGAL_HOLD_ALREADY_LIFTED', `Legal hold ${basis} of request ${id} was lifted on ${h.lifted_at} by ${h.lifted_by}`);
    // Handed over, or lifted by someone else whose call (or the sweep) hands it over: only the lifter's retry does.
    if (hold.lifted_at && (hold.review_started_at || hold.lifted_by !== c.get('actor').name)) throw alreadyLifted(hold);
    if (!hold.lifted_at) {
      // Two lifts at once: one records it, the other is told who did.
      const lifted = await liftLegalHold(deps.pool, { requestId: id, basis, liftedBy: c.get('actor').name, reason });
      if (!lifted) throw alreadyLifted((await findLegalHold(deps.pool, id, basis))!);
      hold = lifted;
    }
    // Else the lifter's retry of a lift whose review was not handed over (Temporal unreachable): handed over now.
    let review: 'review' | 'nothing-kept';
    try {
      review = await handOverHoldReview(deps.temporal.client, deps.workflows, deps.pool, hold);
    } catch (error) {
      deps.logger.warn('legal hold review start failed; recorded, started on retry or by the sweep', { requestId: id, basis, error: (error as Error).name });
      throw new ApiError(503, 'WORKFLOW_START_FAILED', `The lift of ${basis} was recorded but its review could not be started yet; retry the same call, or the sweep starts it within minutes`);
    }
    return c.json(
      {
        requestId: id,
        basis,
        liftedAt: hold.lifted_at!,
        liftedBy: hold.lifted_by!,
        review: review === 'review' ? ('started' as const) : ('nothing_kept' as const),
        workflowId: review === 'review' ? scheduledErasureWorkflowId(id) : null,
      },
      202,
    );
  };
  return new OpenAPIHono<AuthEnv>({ defaultHook }).openapi(liftLegalHoldRoute, lift);
}
