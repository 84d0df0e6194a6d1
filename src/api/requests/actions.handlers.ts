import { createHash, randomUUID } from 'node:crypto';
import type { RouteHandler } from '@hono/zod-openapi';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, WorkflowUpdateStage, type UpdateDefinition, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'slonik';
import { findRequest, insertNote } from '../../db/requests.ts';
import type { RequestState } from '../../workflows/messages.ts';
import { assessUpdate, cancelUpdate, completeUpdate, extendUpdate, stateQuery, verifyUpdate } from '../../workflows/messages.ts';
import type { AppDeps } from '../deps.ts';
import type { AuthEnv } from '../auth.ts';
import { ApiError } from '../errors.ts';
import type { assessmentRoute, cancellationRoute, completionRoute, extensionRoute, verificationRoute } from './actions.routes.ts';

export const liveState = (s: RequestState) => ({
  status: s.status,
  dueAt: s.dueAt,
  originalDueAt: s.originalDueAt,
  overdue: s.overdue,
  extended: s.extended,
  extensionsUsed: s.extensionsUsed,
  pausedDays: s.pausedDays,
  acknowledgedAt: s.acknowledgedAt,
  verification: s.verification,
  assessment: s.assessment,
});

/** How long a caller waits for the workflow to act on an accepted decision before being told it is queued. */
const DECISION_WAIT_MS = 5000;

/**
 * Sends a decision to the request's workflow as an Update: its validator checks it against the live state,
 * so an invalid transition is refused here (409 with the workflow's reason) and a valid one is in the history
 * before we answer. The answer carries the state once the workflow has acted on it; if it is still busy with an
 * earlier step (an email being retried), the answer says the decision is queued. Free-text notes are stored first
 * and travel as an id.
 */
export async function sendDecision<A>(
  deps: AppDeps,
  requestId: string,
  update: UpdateDefinition<RequestState, [A], string>,
  arg: (noteId?: string) => A,
  note: { author: string; body?: string | undefined },
  idempotencyKey: string | null = null,
) {
  const request = await findRequest(deps.pool, requestId);
  if (!request) throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with id ${requestId}`);
  if (!request.workflow_started_at) throw new ApiError(409, 'REQUEST_NOT_STARTED', 'The request’s workflow has not started yet; retry shortly');
  // With an Idempotency-Key the Update id (and the note id) derive from it: a retry after a lost answer gets the
  // first call's result from Temporal instead of a 409 for a decision already taken.
  const derived = idempotencyKey === null ? null : createHash('sha256').update(`${requestId}\n${update.name}\n${note.author}\n${idempotencyKey}`).digest('hex');
  const noteId = note.body ? (derived ? uuidFrom(derived) : randomUUID()) : undefined;
  if (noteId) await insertNote(deps.pool, { id: noteId, requestId, author: note.author, body: note.body! });
  const { client } = deps.temporal;
  const waitMs = deps.workflows.decisionWaitMs ?? DECISION_WAIT_MS;
  const workflow = client.workflow.getHandle(request.workflow_id);
  let state: RequestState | null;
  try {
    // Acceptance needs a worker to run the workflow's validator: without one, give up rather than hang.
    const accepted = await client
      .withDeadline(Date.now() + waitMs, () =>
        workflow.startUpdate(update, { args: [arg(noteId)], waitForStage: WorkflowUpdateStage.ACCEPTED, ...(derived ? { updateId: `${update.name}-${derived.slice(0, 32)}` } : {}) }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof WorkflowUpdateRPCTimeoutOrCancelledError)) throw error;
        throw new ApiError(503, 'WORKER_UNAVAILABLE', `The request’s workflow did not take the decision within ${Math.round(waitMs / 1000)} s (is a worker running?). It may still be applied once one runs: retry with the same Idempotency-Key to learn the outcome.`);
      });
    // A refused update has its outcome already; an accepted one answers once the workflow has acted on it.
    state = await client.withDeadline(Date.now() + waitMs, () => accepted.result()).catch((error: unknown) => {
      if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return null;
      throw error;
    });
  } catch (error) {
    if (error instanceof ApiError) throw error;
    // Only a refusal proves the decision (and so its note) was not taken; after a timeout it may have been.
    if (noteId && error instanceof WorkflowUpdateFailedError) await deps.pool.query(sql.unsafe`delete from dsrflow.decision_notes where id = ${noteId}`);
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      throw new ApiError(409, error.cause.type ?? 'REQUEST.INVALID_TRANSITION', error.cause.message);
    }
    if (error instanceof WorkflowNotFoundError || /workflow execution already completed/i.test((error as Error).message)) {
      throw new ApiError(409, 'REQUEST.CLOSED', `The request is ${request.status}; nothing more can be done to it`);
    }
    if ((error as { code?: number }).code === 14 || (error as Error).name === 'ServiceError') {
      throw new ApiError(503, 'TEMPORAL_UNAVAILABLE', 'The workflow service is unreachable; nothing was changed. Retry shortly.');
    }
    throw error;
  }
  if (state) return { id: requestId, accepted: true as const, queued: false, state: liveState(state) };
  return { id: requestId, accepted: true as const, queued: true, state: liveState(await queuedState(deps, workflow)) };
}

/** The state while an accepted decision waits behind the workflow's current step (it will be applied, nothing to retry). */
async function queuedState(deps: AppDeps, workflow: WorkflowHandle): Promise<RequestState> {
  try {
    return await deps.temporal.client.withDeadline(Date.now() + (deps.workflows.decisionWaitMs ?? DECISION_WAIT_MS), () => workflow.query(stateQuery));
  } catch {
    throw new ApiError(503, 'TEMPORAL_UNAVAILABLE', 'The decision was accepted and will be applied, but the request’s state could not be read; GET the request to follow it. Do not send it again.');
  }
}

const uuidFrom = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;

export const createActionHandlers = (deps: AppDeps) => {
  const verification: RouteHandler<typeof verificationRoute, AuthEnv> = async (c) => {
    const body = c.req.valid('json');
    const actor = c.get('actor').name;
    return c.json(await sendDecision(deps, c.req.valid('param').id, verifyUpdate, () => ({ ...body, actor }), { author: actor }, c.req.valid('header')['idempotency-key'] ?? null), 200);
  };
  const assessment: RouteHandler<typeof assessmentRoute, AuthEnv> = async (c) => {
    const { note, ...body } = c.req.valid('json');
    const actor = c.get('actor').name;
    return c.json(await sendDecision(deps, c.req.valid('param').id, assessUpdate, (noteId) => ({ ...body, actor, ...(noteId ? { noteId } : {}) }), { author: actor, body: note }, c.req.valid('header')['idempotency-key'] ?? null), 200);
  };
  const extension: RouteHandler<typeof extensionRoute, AuthEnv> = async (c) => {
    const { note, reason } = c.req.valid('json');
    const actor = c.get('actor').name;
    return c.json(await sendDecision(deps, c.req.valid('param').id, extendUpdate, (noteId) => ({ reason, actor, ...(noteId ? { noteId } : {}) }), { author: actor, body: note }, c.req.valid('header')['idempotency-key'] ?? null), 200);
  };
  const cancellation: RouteHandler<typeof cancellationRoute, AuthEnv> = async (c) => {
    const { note, reason } = c.req.valid('json');
    const actor = c.get('actor').name;
    return c.json(await sendDecision(deps, c.req.valid('param').id, cancelUpdate, (noteId) => ({ reason, actor, ...(noteId ? { noteId } : {}) }), { author: actor, body: note }, c.req.valid('header')['idempotency-key'] ?? null), 200);
  };
  const completion: RouteHandler<typeof completionRoute, AuthEnv> = async (c) => {
    const { note } = c.req.valid('json');
    const actor = c.get('actor').name;
    return c.json(await sendDecision(deps, c.req.valid('param').id, completeUpdate, (noteId) => ({ actor, ...(noteId ? { noteId } : {}) }), { author: actor, body: note }, c.req.valid('header')['idempotency-key'] ?? null), 200);
  };
  return { verification, assessment, extension, cancellation, completion };
};
