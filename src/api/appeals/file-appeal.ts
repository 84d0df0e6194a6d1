import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'slonik';
import { closedAt, findAppealOfRequest, insertAppeal, isPartialAnswer, markAppealStarted, type AppealRow } from '../../db/appeals.ts';
import { findRequest, insertNote, type RequestRow } from '../../db/requests.ts';
import { appealDeadline, appealExtensionVerdict, appealRuleFor, checkAppealable, type AppealDecisionOutcome } from '../../domain/appeals.ts';
import { appealWorkflowIdFor, startAppealWorkflow } from '../../workflow-client/appeals.ts';
import { decideAppealUpdate, extendAppealUpdate } from '../../workflows/messages.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';

// Filing and deciding appeals, shared by the staff API, the console and the consumer's appeal page (and the Privacy
// Center's status page): the rules are domain/appeals.ts, the record db/appeals.ts.

export const toAppealBody = (a: AppealRow) => ({
  id: a.id,
  requestId: a.request_id,
  regulation: a.regulation,
  status: a.status,
  channel: a.channel,
  receivedAt: a.received_at,
  dueAt: a.due_at,
  overdue: a.overdue,
  extendedAt: a.extended_at,
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

/** Whether the request's outcome may be appealed at `at` (the law, the outcome, one appeal per request). */
export async function appealVerdict(deps: AppDeps, request: Pick<RequestRow, 'id' | 'regulation' | 'status'>, at: Date, alreadyAppealed: boolean) {
  const [partial, decided] = await Promise.all([isPartialAnswer(deps.pool, request.id), closedAt(deps.pool, request.id)]);
  return checkAppealable({ regulation: request.regulation, status: request.status, partial, decidedAt: decided ? new Date(decided) : null, now: at, alreadyAppealed });
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
  const verdict = await appealVerdict(deps, request, receivedAt, existing !== null);
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

/** How long staff wait for the appeal's workflow to take an extension before being told no worker runs. */
const EXTENSION_WAIT_MS = 5000;

/** Whether the appeal's deadline may be extended now (the console shows its form only then; the workflow checks again). */
export const extensionVerdictOf = (a: AppealRow, now: Date) =>
  appealExtensionVerdict({ regulation: a.regulation, status: a.status, receivedAt: a.received_at, extended: a.extended_at !== null }, appealRuleFor(a.regulation), now);

/**
 * Staff extend the decision deadline with the reasons for the delay (a note, sent to the consumer), as an Update to the
 * appeal's workflow, which moves its reminders and records the extension (409 with the domain's code if refused).
 */
export async function extendAppeal(deps: AppDeps, requestId: string, x: { reason: string; actor: string }): Promise<AppealRow> {
  const appeal = await findAppealOfRequest(deps.pool, requestId);
  if (!appeal) throw new ApiError(404, 'APPEAL_NOT_FOUND', `Request ${requestId} has not been appealed`);
  const verdict = extensionVerdictOf(appeal, deps.now());
  if (!verdict.ok) throw new ApiError(409, verdict.code, verdict.reason);
  if (!appeal.workflow_started_at) throw new ApiError(409, 'APPEAL.NOT_STARTED', 'The appeal is recorded but its workflow has not started; POST /v1/requests/{id}/appeal again to start it, then extend');
  const noteId = randomUUID();
  await insertNote(deps.pool, { id: noteId, requestId, author: x.actor, body: x.reason });
  const { client } = deps.temporal;
  const waitMs = deps.workflows.decisionWaitMs ?? EXTENSION_WAIT_MS;
  let dueAt: string;
  try {
    // The Update needs a worker to run its validator: without one, answer rather than hang.
    ({ dueAt } = await client.withDeadline(Date.now() + waitMs, () => client.workflow.getHandle(appeal.workflow_id).executeUpdate(extendAppealUpdate, { args: [{ noteId, actor: x.actor }] })));
  } catch (error) {
    // After a timeout the extension may still be applied once a worker runs (its note must stay); a refusal proves it was not.
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      throw new ApiError(503, 'WORKER_UNAVAILABLE', `The appeal's workflow did not take the extension within ${Math.round(waitMs / 1000)} s (is a worker running?). It may still be applied once one runs: GET the appeal before sending it again.`);
    }
    await deps.pool.query(sql.unsafe`delete from dsrflow.decision_notes where id = ${noteId}`);
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) throw new ApiError(409, error.cause.type ?? 'APPEAL.INVALID', error.cause.message);
    if (error instanceof WorkflowNotFoundError || /already completed/i.test((error as Error).message)) throw new ApiError(409, 'APPEAL.DECIDED', 'The appeal was already decided');
    throw new ApiError(503, 'TEMPORAL_UNAVAILABLE', 'The workflow service is unreachable; nothing was extended. Retry shortly.');
  }
  // The workflow records the extension (audit event, the row's due date) and tells the consumer right after.
  return { ...appeal, due_at: dueAt, extended_at: now(deps), extended_by: x.actor, extension_note_id: noteId };
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
