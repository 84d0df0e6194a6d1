import { ApplicationFailure, condition, patched, setHandler } from '@temporalio/workflow';
import {
  checkAssessment,
  checkCancellation,
  checkCompletion,
  checkExtension,
  checkMessage,
  checkVerification,
  isDecisionApplied,
  type AssessmentDecision,
  type CancellationRequest,
  type CompletionRequest,
  type ExtensionRequest,
  type Verdict,
  type VerificationDecision,
} from '../domain/actions.ts';
import { planExtension } from '../domain/deadlines.ts';
import {
  assessmentSignal,
  assessUpdate,
  cancellationSignal,
  cancelUpdate,
  completeUpdate,
  completionSignal,
  extendUpdate,
  extensionSignal,
  MAX_VERIFICATION_RESENDS,
  resendVerificationUpdate,
  type VerificationResendRequest,
  stateQuery,
  verificationSignal,
  verifyUpdate,
} from './messages.ts';
import { activities, type RequestRun } from './request-context.ts';

/**
 * Decisions queue behind the step under way, and their Update answers once the workflow has acted on them.
 * Histories recorded before refused such signals and answered at once: they replay as they ran.
 */
const QUEUED_DECISIONS = 'queued-decisions';

const reject = (verdict: Verdict) => {
  if (!verdict.ok) throw ApplicationFailure.nonRetryable(verdict.reason, verdict.code);
};

/** Registers every handler before the first await: updates validate synchronously, signals are checked the same way. */
export function registerHandlers(run: RequestRun): void {
  const { inbox } = run;
  const verify = (d: VerificationDecision) => void (inbox.verification = d);
  const assess = (d: AssessmentDecision) => void (inbox.assessment = d);
  const cancel = (r: CancellationRequest) => void (inbox.close ??= { action: 'cancel', request: r });
  const complete = (r: CompletionRequest) => void (inbox.close ??= { action: 'complete', request: r });

  // Validators never run on replay, so they always judge by today's rules; signal handlers do run on replay.
  const verdicts = {
    verify: (d: VerificationDecision, queueing = true) => first(checkMessage('verification', d), checkVerification(run.actionContext(queueing))),
    assess: (d: AssessmentDecision, queueing = true) => first(checkMessage('assessment', d), checkAssessment(run.actionContext(queueing), d)),
    extend: (r: ExtensionRequest) => first(checkMessage('extension', r), checkExtension(run.actionContext())),
    cancel: (r: CancellationRequest) => first(checkMessage('cancellation', r), closeVerdict(checkCancellation)),
    complete: (r: CompletionRequest) => first(checkMessage('completion', r), closeVerdict(checkCompletion)),
  };
  function closeVerdict(check: typeof checkCancellation): Verdict {
    if (inbox.close) return refusal(`The request is already being ${inbox.close.action === 'cancel' ? 'cancelled' : 'completed'}`);
    if (run.delivering) return { ok: false, code: 'REQUEST.INVALID_TRANSITION', reason: 'The response is already being delivered to the subject' };
    return check(run.actionContext());
  }
  // The caller learns the state after the decision: in assessment, processing, rejected, cancelled or completed.
  const applied = async (kind: Parameters<typeof isDecisionApplied>[0]) => {
    if (patched(QUEUED_DECISIONS)) await condition(() => isDecisionApplied(kind, run.state.status));
    return run.state;
  };

  setHandler(stateQuery, () => run.state);

  setHandler(verifyUpdate, (d) => (verify(d), applied('verification')), { validator: (d) => reject(verdicts.verify(d)) });
  setHandler(assessUpdate, (d) => (assess(d), applied('assessment')), { validator: (d) => reject(verdicts.assess(d)) });
  setHandler(extendUpdate, (r) => (extend(run, r), run.state), { validator: (r) => reject(verdicts.extend(r)) });
  setHandler(cancelUpdate, (r) => (cancel(r), applied('closing')), { validator: (r) => reject(verdicts.cancel(r)) });
  setHandler(completeUpdate, (r) => (complete(r), applied('closing')), { validator: (r) => reject(verdicts.complete(r)) });
  // New in the Privacy Center: histories before it never received this update, so it replays without a patch.
  setHandler(resendVerificationUpdate, (r) => resendVerification(run, r), { validator: (r) => reject(resendVerdict(run, r)) });

  const viaSignal = <T extends { actor: string }>(name: string, verdict: (m: T) => Verdict, apply: (m: T) => unknown) => async (m: T) => {
    const v = verdict(m);
    if (v.ok) return void (await apply(m));
    await activities.recordEvent({
      requestId: run.input.requestId,
      eventKey: run.nextEventKey(),
      action: 'action.refused',
      actor: typeof m?.actor === 'string' && m.actor ? m.actor.slice(0, 200) : 'unknown',
      reason: v.reason,
      details: { signal: name, code: v.code },
    });
  };
  setHandler(verificationSignal, viaSignal('verification', (d: VerificationDecision) => verdicts.verify(d, patched(QUEUED_DECISIONS)), verify));
  setHandler(assessmentSignal, viaSignal('assessment', (d: AssessmentDecision) => verdicts.assess(d, patched(QUEUED_DECISIONS)), assess));
  setHandler(extensionSignal, viaSignal('extension', verdicts.extend, (r: ExtensionRequest) => extend(run, r)));
  setHandler(cancellationSignal, viaSignal('cancellation', verdicts.cancel, cancel));
  setHandler(completionSignal, viaSignal('completion', verdicts.complete, complete));
}

function resendVerdict(run: RequestRun, r: VerificationResendRequest): Verdict {
  if (typeof r?.actor !== 'string' || !r.actor) return { ok: false, code: 'REQUEST.MALFORMED', reason: 'resendVerification takes {actor}' };
  const link = run.verificationLink;
  if (run.state.status !== 'awaiting_verification' || !link || run.inbox.verification || run.inbox.close) {
    return { ok: false, code: 'REQUEST.INVALID_TRANSITION', reason: 'The request is not waiting for the subject to confirm' };
  }
  if (link.resends >= MAX_VERIFICATION_RESENDS) return { ok: false, code: 'VERIFICATION.RESEND_LIMIT', reason: `The link was already sent again ${MAX_VERIFICATION_RESENDS} times` };
  return { ok: true };
}

/** A fresh link with the same expiry (the window does not restart); the earlier link stops working. */
async function resendVerification(run: RequestRun, r: VerificationResendRequest) {
  const link = run.verificationLink!;
  link.resends += 1;
  const resend = link.resends;
  await activities.recordEvent({ requestId: run.input.requestId, eventKey: run.nextEventKey(), action: 'verification.link_resent', actor: r.actor, reason: 'the subject asked for the confirmation link again', details: { resend } });
  await activities.issueVerificationLink({ requestId: run.input.requestId, expiresAt: link.expiresAt, resend });
  return run.state;
}

const refusal = (reason: string): Verdict => ({ ok: false, code: 'REQUEST.DECISION_PENDING', reason });
const first = (...verdicts: Verdict[]): Verdict => verdicts.find((v) => !v.ok) ?? verdicts[0]!;

/**
 * Extends the period now (state and search attributes); the audit event and the notice to the subject follow
 * in the background, so the caller is answered even while SMTP is down. The workflow awaits them before it ends.
 */
function extend(run: RequestRun, r: ExtensionRequest): void {
  const c = run.actionContext();
  const plan = planExtension({ regulation: c.regulation, type: c.type, receivedAt: c.receivedAt, currentDueAt: c.dueAt, extensionsUsed: c.extensionsUsed, requestedAt: c.now, pausedDays: c.pausedDays, calendar: c.calendar });
  if (!plan.ok) throw ApplicationFailure.nonRetryable(plan.reason, plan.code);
  const previousDueAt = run.state.dueAt;
  run.state.extensionsUsed += 1;
  run.state.extended = true;
  run.setDueAt(plan.dueAt.toISOString());
  run.pending.push(recordExtension(run, r, previousDueAt));
}

async function recordExtension(run: RequestRun, r: ExtensionRequest, previousDueAt: string): Promise<void> {
  const used = run.state.extensionsUsed;
  await activities.recordEvent({
    requestId: run.input.requestId,
    eventKey: run.nextEventKey(),
    action: 'deadline.extended',
    actor: r.actor,
    reason: r.reason,
    details: { previousDueAt, dueAt: run.state.dueAt, ...(r.noteId ? { noteId: r.noteId } : {}) },
    projection: { extendedDueAt: run.state.dueAt, extensionsUsed: run.state.extensionsUsed, overdue: false },
  });
  await activities.notifySubject({ requestId: run.input.requestId, kind: 'extension', key: `extension-${used}`, reason: r.reason, ...(r.noteId ? { noteId: r.noteId } : {}) });
}
