import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'slonik';
import { closedAt, findAppealOfRequest, insertAppeal, isPartialAnswer, markAppealStarted, type AppealRow } from '../../db/appeals.ts';
import { findRequest, insertNote } from '../../db/requests.ts';
import { appealDeadline, appealRuleFor, checkAppealable, type AppealDecisionOutcome } from '../../domain/appeals.ts';
import { appealWorkflowIdFor, startAppealWorkflow } from '../../workflow-client/appeals.ts';
import { decideAppealUpdate } from '../../workflows/messages.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';

// Filing and deciding appeals, shared by the staff API, the console and the consumer's appeal page (and the Privacy
// Center's status page once it exists): the rules are domain/appeals.ts, the record db/appeals.ts.

export const toAppealBody = (a: AppealRow) => ({
  id: a.id,
  requestId: a.request_id,
  regulation: a.regulation,
  status: a.status,
  channel: a.channel,
  receivedAt: a.received_at,
  dueAt: a.due_at,
  overdue: a.overdue,
  decidedAt: a.decided_at,
  decidedBy: a.decided_by,
  source: appealRuleFor(a.regulation)?.source ?? '',
  workflowId: a.workflow_id,
});

export interface AppealFiling {
  channel: 'staff' | 'subject';
  actor: string;
  /** The consumer's own words, why they disagree (a note in PostgreSQL). */
  statement?: string | undefined;
  /** When the appeal reached an official channel (staff typing in one that came by post); default now. */
  receivedAt?: string | undefined;
}

/** Records the appeal (409 where the law grants none, the outcome is not appealable, or it was appealed) and starts its workflow. */
export async function fileAppeal(deps: AppDeps, requestId: string, filing: AppealFiling): Promise<AppealRow> {
  const request = await findRequest(deps.pool, requestId);
  if (!request) throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with id ${requestId}`);
  const now = deps.now();
  const receivedAt = filing.receivedAt ? new Date(filing.receivedAt) : now;
  if (receivedAt.getTime() > now.getTime() + 60_000) throw new ApiError(400, 'VALIDATION_FAILED', 'receivedAt: must not be in the future', [{ field: 'receivedAt', message: 'must not be in the future' }]);
  const existing = await findAppealOfRequest(deps.pool, requestId);
  // A staff retry after a lost answer, or a start that failed: the workflow is started again (idempotent), no second appeal.
  if (existing && !existing.workflow_started_at) return start(existing);
  const [partial, decided] = await Promise.all([isPartialAnswer(deps.pool, requestId), closedAt(deps.pool, requestId)]);
  const verdict = checkAppealable({ regulation: request.regulation, status: request.status, partial, decidedAt: decided ? new Date(decided) : null, now: receivedAt, alreadyAppealed: existing !== null });
  if (!verdict.ok) throw new ApiError(409, verdict.code, verdict.reason, existing ? { appealId: existing.id } : undefined);
  const id = randomUUID();
  const { dueAt } = appealDeadline(request.regulation, receivedAt);
  const { row } = await insertAppeal(deps.pool, {
    id,
    requestId,
    organizationId: request.organization_id,
    regulation: request.regulation,
    channel: filing.channel,
    receivedAt: receivedAt.toISOString(),
    dueAt: dueAt.toISOString(),
    workflowId: appealWorkflowIdFor(id),
    createdBy: filing.actor,
    statement: filing.statement ? { noteId: randomUUID(), body: filing.statement } : undefined,
  });
  return start(row);

  async function start(row: AppealRow): Promise<AppealRow> {
    try {
      await startAppealWorkflow(deps.temporal.client, row, deps.workflows);
    } catch {
      throw new ApiError(503, 'TEMPORAL_UNAVAILABLE', `The appeal ${row.id} is recorded but its workflow could not be started; send the same call again shortly`);
    }
    await markAppealStarted(deps.pool, row.id);
    return { ...row, workflow_started_at: row.workflow_started_at ?? new Date().toISOString() };
  }
}

/** Staff's decision with written reasons, sent to the appeal's workflow as an Update (409 with its reason if refused). */
export async function decideAppeal(deps: AppDeps, requestId: string, d: { decision: AppealDecisionOutcome; reasons: string; actor: string }): Promise<AppealRow> {
  const appeal = await findAppealOfRequest(deps.pool, requestId);
  if (!appeal) throw new ApiError(404, 'APPEAL_NOT_FOUND', `Request ${requestId} has not been appealed`);
  if (appeal.status !== 'received') throw new ApiError(409, 'APPEAL.DECIDED', `The appeal was already ${appeal.status}`);
  if (!appeal.workflow_started_at) throw new ApiError(409, 'APPEAL.NOT_STARTED', 'The appeal is recorded but its workflow has not started; POST /v1/requests/{id}/appeal again to start it, then decide');
  const noteId = randomUUID();
  await insertNote(deps.pool, { id: noteId, requestId, author: d.actor, body: d.reasons });
  try {
    await deps.temporal.client.workflow.getHandle(appeal.workflow_id).executeUpdate(decideAppealUpdate, { args: [{ decision: d.decision, noteId, actor: d.actor }] });
  } catch (error) {
    await deps.pool.query(sql.unsafe`delete from dsrflow.decision_notes where id = ${noteId}`);
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) throw new ApiError(409, error.cause.type ?? 'APPEAL.INVALID', error.cause.message);
    if (error instanceof WorkflowNotFoundError || /already completed/i.test((error as Error).message)) throw new ApiError(409, 'APPEAL.DECIDED', 'The appeal was already decided');
    throw new ApiError(503, 'TEMPORAL_UNAVAILABLE', 'The workflow service is unreachable; nothing was decided. Retry shortly.');
  }
  // The workflow records the decision (audit event and projection) right after; the answer shows it already.
  return { ...appeal, status: d.decision, decided_by: d.actor, decision_note_id: noteId, decided_at: now(deps) };
}

const now = (deps: AppDeps) => deps.now().toISOString();
