import { clearDuplicateDecision, findDuplicate, recordDuplicateDecision, recordSubjectEvent } from '../../db/subject-records.ts';
import { isTerminal, type RequestStatus } from '../../domain/request.ts';
import { cancelUpdate } from '../../workflows/messages.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { sendDecision } from '../requests/actions.handlers.ts';

export type DuplicateChoice = 'merge' | 'keep';

/**
 * Staff's decision on a flagged duplicate (POST /v1/requests/{id}/duplicate and the console's form). A merge is
 * recorded first (so the cancellation notice the workflow sends names the open request), then the workflow is asked
 * to cancel with reason `duplicate`; a refusal undoes it. The same decision again answers `replayed`; another is a
 * 409. The caller has checked the actor may act on the request's organization.
 */
export async function decideDuplicate(deps: AppDeps, id: string, choice: { decision: DuplicateChoice; note?: string | undefined }, actor: string, idempotencyKey: string | null = null) {
  const { decision, note } = choice;
  const row = await findDuplicate(deps.pool, id);
  if (!row) throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with id ${id}`);
  if (!row.duplicate_of) throw new ApiError(409, 'DUPLICATE.NOT_FLAGGED', `Request ${id} is not flagged as a duplicate`);
  const duplicateOf = row.duplicate_of;
  const wanted = decision === 'merge' ? ('merged' as const) : ('kept' as const);
  if (row.duplicate_decision === wanted) return { id, duplicateOf, decision: wanted, replayed: true as const };
  if (row.duplicate_decision) throw new ApiError(409, 'DUPLICATE.ALREADY_DECIDED', `Request ${id} was already ${row.duplicate_decision}`);
  if (decision === 'merge' && row.original_status && isTerminal(row.original_status as RequestStatus)) {
    throw new ApiError(409, 'DUPLICATE.ORIGINAL_CLOSED', `Request ${duplicateOf} is ${row.original_status}: it cannot answer this one; keep this request instead`);
  }
  const recorded = await recordDuplicateDecision(deps.pool, id, wanted, actor);
  if (!recorded) throw new ApiError(409, 'DUPLICATE.ALREADY_DECIDED', `Request ${id} was already decided`);
  let state: Awaited<ReturnType<typeof sendDecision>>['state'] | undefined;
  if (decision === 'merge') {
    try {
      state = (await sendDecision(deps, id, cancelUpdate, (noteId) => ({ reason: 'duplicate' as const, actor, ...(noteId ? { noteId } : {}) }), { author: actor, body: note }, idempotencyKey)).state;
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
  return { id, duplicateOf, decision: wanted, replayed: false as const, ...(state ? { state } : {}) };
}
