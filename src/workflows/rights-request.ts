import { ActivityFailure, allHandlersFinished, ApplicationFailure, condition, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { applyClockStop } from '../domain/deadlines.ts';
import { isTerminal } from '../domain/request.ts';
import { isSuppressionType } from '../domain/suppression.ts';
import { watchAcknowledgement, watchDeadline } from './deadline-watch.ts';
import { eraseForSubject } from './erasure-step.ts';
import { exportForSubject, expireWhenDue, type ExportOutcome } from './export-step.ts';
import { registerHandlers } from './handlers.ts';
import type { RightsRequestInput, RightsRequestResult } from './messages.ts';
import { activities, RequestRun } from './request-context.ts';
import { announce } from './destinations.ts';
import { suppressForSubject } from './suppression.ts';
import { dsrDueAt, dsrExtended, dsrOrganization, dsrOverdue, dsrRegulation, dsrStatus, dsrType } from './search-attributes.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * One rights request, from receipt to completion: acknowledgement, identity verification (never for opt-outs),
 * assessment, processing and the response, with the legal deadline, reminders and extensions as durable timers.
 */
export async function rightsRequest(input: RightsRequestInput): Promise<RightsRequestResult> {
  const run = new RequestRun(input);
  const { state, inbox } = run;
  registerHandlers(run);

  upsertSearchAttributes([
    { key: dsrType, value: input.type },
    { key: dsrRegulation, value: input.regulation },
    { key: dsrOrganization, value: input.organizationId },
    { key: dsrDueAt, value: new Date(input.dueAt) },
    { key: dsrStatus, value: state.status },
    { key: dsrOverdue, value: false },
    { key: dsrExtended, value: false },
  ]);

  const watchers = Promise.all([watchDeadline(run), watchAcknowledgement(run)]);
  const closing = () => inbox.close !== null;

  // Acknowledge receipt at once; the acknowledgement watcher escalates if this cannot go out in time.
  await activities.notifySubject({ requestId: input.requestId, kind: 'acknowledgement' });
  state.acknowledgedAt = new Date().toISOString();
  await activities.recordEvent({ requestId: input.requestId, eventKey: run.nextEventKey(), action: 'request.acknowledged', actor: 'system', reason: null, projection: { acknowledgedAt: state.acknowledgedAt } });

  let delivered: Extract<ExportOutcome, { delivered: true }> | null = null;
  await steps();
  if (!isTerminal(state.status)) await close();
  await watchers;
  await Promise.all(run.pending);
  if (delivered) await expireWhenDue(delivered);
  await condition(allHandlersFinished);
  return { requestId: input.requestId, status: state.status };

  async function steps(): Promise<void> {
    if (input.verification === 'required' && !(await verification())) return;
    if (closing()) return;
    if (!(await assessment())) return;
    if (closing()) return;
    // The assessment stays pending (a second one refused) until the status has moved past in_assessment.
    const processing = run.moveTo('processing', 'system', `${input.type} processing started`);
    inbox.assessment = null;
    await processing;
    // Requests started before exports existed replay as they ran: only new ones take the export path.
    let subjectNotified = false;
    if ((input.type === 'access' || input.type === 'export') && patched('access-export')) {
      const outcome = await exportForSubject(run);
      if (!outcome.delivered && outcome.outcome === 'ambiguous') {
        if (!(await resolveAmbiguousSubject())) return;
        await activities.processRequest({ requestId: input.requestId, type: input.type });
      }
      if (outcome.delivered) delivered = outcome;
      // The "we hold no data" notice is the response: no "complete" email after it (earlier requests replay as they ran).
      else if (outcome.outcome === 'noData' && patched('no-data-single-notice')) subjectNotified = true;
    } else if (input.type === 'erasure' && patched('erasure-plan')) {
      // Likewise erasure: requests started before the erasure plan existed only record the request.
      const outcome = await eraseForSubject(run);
      if (outcome.outcome === 'ambiguous') {
        if (!(await resolveAmbiguousSubject())) return;
        await activities.processRequest({ requestId: input.requestId, type: input.type });
      } else {
        // The erasure notice (what was erased, what was kept and until when) is the response.
        subjectNotified = true;
      }
    } else if (input.type === 'rectify' && patched('rectification')) {
      // The corrections were recorded with the request (by id here): applied in one warehouse transaction.
      const outcome = await applyCorrections();
      if (outcome !== 'applied' && outcome !== 'noData') {
        const why = outcome === 'ambiguous' ? undefined : { reason: `the corrections could not be applied (${outcome}); staff must decide`, alert: 'rectification_refused' as const };
        if (!(await resolveAmbiguousSubject(why))) return;
        await activities.processRequest({ requestId: input.requestId, type: input.type });
      } else {
        // Art. 19: recipients are told of the corrections (destinations taking subject.rectified).
        if (outcome === 'applied') await announce(input.requestId, 'subject.rectified', 'initial');
        await activities.notifyRectificationOutcome({ requestId: input.requestId });
        subjectNotified = true;
      }
    } else if (isSuppressionType(input.type) && patched('suppression')) {
      await suppressForSubject(run);
    } else {
      // Requests started before their type's step existed record the request only.
      await activities.processRequest({ requestId: input.requestId, type: input.type });
    }
    if (closing()) return;
    run.delivering = true;
    if (!subjectNotified) await activities.notifySubject({ requestId: input.requestId, kind: 'completed' });
    await run.moveTo('completed', 'system', 'response delivered to the subject');
  }

  /**
   * The warehouse refused a correction (e.g. the new email belongs to another customer, or the record is not the
   * subject's): nothing was changed (one transaction), and the code goes to staff rather than failing the request.
   */
  async function applyCorrections(): Promise<'applied' | 'noData' | 'ambiguous' | string> {
    try {
      return (await activities.applyRectification({ requestId: input.requestId })).outcome;
    } catch (error) {
      if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.nonRetryable && error.cause.type?.startsWith('RECTIFICATION.')) return error.cause.type;
      throw error;
    }
  }

  /** Several customers fit the identifiers, or the step was refused: staff resolve it (approve to complete by hand, or reject). False when the request ended. */
  async function resolveAmbiguousSubject(why?: { reason: string; alert: 'rectification_refused' }): Promise<boolean> {
    await run.moveTo('in_assessment', 'system', why?.reason ?? 'several customers match the identifiers given; staff must resolve it');
    await activities.alertStaff({ requestId: input.requestId, kind: why?.alert ?? 'ambiguous_subject', dueAt: state.dueAt });
    await condition(() => inbox.assessment !== null || closing());
    if (closing()) return false;
    const decision = inbox.assessment!;
    inbox.assessment = null;
    if (decision.decision === 'reject') {
      await reject(decision.actor, decision.rejectionReason ?? 'rejected', decision.rejectionReason ?? 'other');
      return false;
    }
    await run.moveTo('processing', decision.actor, 'staff resolved the subject match');
    return true;
  }

  /** True when verified; otherwise the request has ended (unverified, rejected) or is being closed. */
  async function verification(): Promise<boolean> {
    // Staff decided while the acknowledgement went out: the subject is not asked to verify by link.
    // (No patch needed: a decision could not be queued this early before, so older histories never skip the link.)
    const decidedEarly = inbox.verification !== null;
    await run.moveTo('awaiting_verification', 'system');
    const waitingSince = Date.now();
    const expiresAt = new Date(waitingSince + input.verificationWindowDays * DAY_MS).toISOString();
    if (!decidedEarly) {
      run.verificationLink = { expiresAt, resends: 0 };
      await activities.issueVerificationLink({ requestId: input.requestId, expiresAt });
    }
    const decided = await condition(() => inbox.verification !== null || closing(), input.verificationWindowDays * DAY_MS);
    if (closing()) return false;
    if (!decided) {
      await run.moveTo('unverified', 'system', `identity not verified within ${input.verificationWindowDays} days`);
      await activities.notifySubject({ requestId: input.requestId, kind: 'unverified' });
      return false;
    }
    const decision = inbox.verification!;
    state.verification = decision;
    inbox.verification = null;
    if (decision.outcome === 'failed') {
      await reject(decision.actor, `identity verification failed (${decision.method})`, 'identity_not_verified', { rejectionReason: 'identity_not_verified' });
      return false;
    }
    await run.moveTo('verified', decision.actor, `identity verified (${decision.method})`);
    await stopTheClock(Math.floor((Date.now() - waitingSince) / DAY_MS));
    return true;
  }

  /** UK GDPR: the days spent waiting for identity do not count; the due date moves by them (never under CCPA). */
  async function stopTheClock(pausedDays: number): Promise<void> {
    if (pausedDays < 1) return;
    const moved = applyClockStop({ regulation: input.regulation, type: input.type, receivedAt: new Date(input.receivedAt), pausedDays, extended: state.extended, calendar: input.calendar });
    if (moved.dueAt.toISOString() === state.dueAt) return;
    const previousDueAt = state.dueAt;
    state.pausedDays = pausedDays;
    run.setDueAt(moved.dueAt.toISOString());
    await activities.recordEvent({
      requestId: input.requestId,
      eventKey: run.nextEventKey(),
      action: 'deadline.clock_stopped',
      actor: 'system',
      reason: `${pausedDays} day(s) waiting for identity do not count`,
      details: { previousDueAt, dueAt: state.dueAt, pausedDays },
      projection: { ...(state.extended ? { extendedDueAt: state.dueAt } : { dueAt: state.dueAt }), pausedDays, overdue: false },
    });
  }

  /** True when approved (by staff or by the type's policy); a rejection ends the request. */
  async function assessment(): Promise<boolean> {
    await run.moveTo('in_assessment', 'system');
    if (input.autoApprove) {
      inbox.assessment = { decision: 'approve', actor: 'policy' };
      state.assessment = { decision: 'approve', actor: 'policy', legalExceptions: [] };
      await activities.recordEvent({ requestId: input.requestId, eventKey: run.nextEventKey(), action: 'assessment.approved', actor: 'policy', reason: `${input.type} requests are approved by policy` });
      return true;
    }
    // Erasure: the plan (what would go, what would be kept and why) is stored for staff to read before deciding.
    if (input.type === 'erasure' && patched('erasure-preview')) await activities.previewErasurePlan({ requestId: input.requestId, asOf: new Date().toISOString() });
    await condition(() => inbox.assessment !== null || closing());
    if (closing()) return false;
    const decision = inbox.assessment!;
    state.assessment = { decision: decision.decision, actor: decision.actor, legalExceptions: decision.legalExceptions ?? [] };
    const details = { legalExceptions: decision.legalExceptions ?? [], ...(decision.noteId ? { noteId: decision.noteId } : {}) };
    if (decision.decision === 'reject') {
      await reject(decision.actor, decision.rejectionReason ?? 'rejected', decision.rejectionReason ?? 'other', { ...details, rejectionReason: decision.rejectionReason }, decision.noteId);
      return false;
    }
    await activities.recordEvent({ requestId: input.requestId, eventKey: run.nextEventKey(), action: 'assessment.approved', actor: decision.actor, reason: null, details });
    return true;
  }

  /** Ends the request as rejected and tells the subject why (with the staff note, if any). */
  async function reject(actor: string, auditReason: string, subjectReason: string, details?: Record<string, unknown>, noteId?: string): Promise<void> {
    await run.moveTo('rejected', actor, auditReason, details);
    await activities.notifySubject({ requestId: input.requestId, kind: 'rejected', reason: subjectReason, ...(noteId ? { noteId } : {}) });
  }

  /** A cancellation or a manual completion by staff, acted on at the next step boundary. */
  async function close(): Promise<void> {
    await condition(() => inbox.close !== null);
    const { action, request } = inbox.close!;
    state.closedBy = { action, actor: request.actor };
    const note = request.noteId ? { noteId: request.noteId } : {};
    if (action === 'cancel') {
      await run.moveTo('cancelled', request.actor, 'reason' in request ? request.reason : null, note);
      await activities.notifySubject({ requestId: input.requestId, kind: 'cancelled' });
    } else {
      await activities.notifySubject({ requestId: input.requestId, kind: 'completed', ...note });
      await run.moveTo('completed', request.actor, 'completed manually by staff', note);
    }
  }
}
