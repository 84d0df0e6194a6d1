import type { RouteHandler } from '@hono/zod-openapi';
import { clearDuplicateDecision, findDuplicate, recordDuplicateDecision, recordSubjectEvent } from '../../db/subject-records.ts';
import { isTerminal, type RequestStatus } from '../../domain/request.ts';
import { cancelUpdate } from '../../workflows/messages.ts';
import type { AppDeps } from '../deps.ts';
import type { AuthEnv } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { sendDecision } from '../requests/actions.handlers.ts';
import type { duplicateDecisionRoute } from './duplicates.routes.ts';

export const createDuplicateHandlers = (deps: AppDeps) => {
  /**
   * Staff's decision on a flagged duplicate. A merge is recorded first (so the cancellation notice the workflow sends
   * names the open request), then the workflow is asked to cancel with reason `duplicate`; a refusal undoes it.
   */
  const decide: RouteHandler<typeof duplicateDecisionRoute, AuthEnv> = async (c) => {
    const { id } = c.req.valid('param');
    const { decision, note } = c.req.valid('json');
    const actor = c.get('actor').name;
    const row = await findDuplicate(deps.pool, id);
    if (!row) throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with id ${id}`);
    if (!row.duplicate_of) throw new ApiError(409, 'DUPLICATE.NOT_FLAGGED', `Request ${id} is not flagged as a duplicate`);
    const duplicateOf = row.duplicate_of;
    const wanted = decision === 'merge' ? ('merged' as const) : ('kept' as const);
    // The same decision again (a retry after a lost answer, a second click) is answered as taken; another is refused.
    if (row.duplicate_decision === wanted) {
      c.header('Idempotent-Replayed', 'true');
      return c.json({ id, duplicateOf, decision: wanted }, 200);
    }
    if (row.duplicate_decision) throw new ApiError(409, 'DUPLICATE.ALREADY_DECIDED', `Request ${id} was already ${row.duplicate_decision}`);
    if (decision === 'merge' && row.original_status && isTerminal(row.original_status as RequestStatus)) {
      throw new ApiError(409, 'DUPLICATE.ORIGINAL_CLOSED', `Request ${duplicateOf} is ${row.original_status}: it cannot answer this one; keep this request instead`);
    }
    const recorded = await recordDuplicateDecision(deps.pool, id, wanted, actor);
    if (!recorded) throw new ApiError(409, 'DUPLICATE.ALREADY_DECIDED', `Request ${id} was already decided`);
    let state: Awaited<ReturnType<typeof sendDecision>>['state'] | undefined;
    if (decision === 'merge') {
      try {
        state = (await sendDecision(deps, id, cancelUpdate, (noteId) => ({ reason: 'duplicate' as const, actor, ...(noteId ? { noteId } : {}) }), { author: actor, body: note })).state;
      } catch (error) {
        await clearDuplicateDecision(deps.pool, id);
        throw error;
      }
    }
    await recordSubjectEvent(deps.pool, {
      eventKey: `request/${id}/duplicate-${decision}`,
      requestId: id,
      organizationId: row.organization_id,
      actor,
      action: decision === 'merge' ? 'duplicate.merged' : 'duplicate.kept',
      reason: decision === 'merge' ? `closed as a duplicate of ${duplicateOf}` : `kept beside ${duplicateOf}`,
      details: { duplicateOf },
    });
    return c.json({ id, duplicateOf, decision: wanted, ...(state ? { state } : {}) }, 200);
  };
  return { decide };
};
