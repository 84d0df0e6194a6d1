// What staff (or the subject, or an operator) may do to a request, and when. Pure: the workflow's update
// validators, its signal handlers and the API all ask these functions, so the rules live in one place.

import { planExtension } from './deadlines.ts';
import type { HolidayCalendar } from './holidays.ts';
import type { RegulationCode } from './regulations.ts';
import { isTerminal, type RequestStatus, type RequestType } from './request.ts';

export const VERIFICATION_METHODS = ['email_link', 'account_authentication', 'document_check'] as const;
export type VerificationMethod = (typeof VERIFICATION_METHODS)[number];

/** Grounds to refuse or limit a request, stated to the subject with the right to complain. */
export const REJECTION_REASONS = ['manifestly_unfounded', 'excessive', 'identity_not_verified', 'legal_exception', 'not_a_customer', 'other'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Legal-basis exceptions that keep data although the request is approved (or are why it is refused). */
export const LEGAL_EXCEPTIONS = ['tax_records', 'legal_claims', 'active_contract', 'fraud_prevention', 'legal_obligation', 'public_interest', 'freedom_of_expression'] as const;
export type LegalException = (typeof LEGAL_EXCEPTIONS)[number];

export const EXTENSION_REASONS = ['complexity', 'number_of_requests', 'format_conversion'] as const;
export type ExtensionReason = (typeof EXTENSION_REASONS)[number];

export const CANCELLATION_REASONS = ['withdrawn_by_subject', 'duplicate', 'entered_in_error'] as const;
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];

/** Free text (reasons to the subject, staff notes) is personal data at worst: it stays in PostgreSQL, Temporal carries its id. */
export interface VerificationDecision {
  outcome: 'verified' | 'failed';
  method: VerificationMethod;
  actor: string;
}
export interface AssessmentDecision {
  decision: 'approve' | 'reject';
  rejectionReason?: RejectionReason;
  legalExceptions?: LegalException[];
  noteId?: string;
  actor: string;
}
export interface ExtensionRequest {
  reason: ExtensionReason;
  noteId?: string;
  actor: string;
}
export interface CancellationRequest {
  reason: CancellationReason;
  noteId?: string;
  actor: string;
}
export interface CompletionRequest {
  noteId?: string;
  actor: string;
}

/** The facts about a live request that decide which actions are valid now. */
export interface ActionContext {
  status: RequestStatus;
  regulation: RegulationCode;
  type: RequestType;
  receivedAt: Date;
  dueAt: Date;
  extensionsUsed: number;
  pausedDays: number;
  /** The holiday calendar the request counts with; undefined for requests opened before calendars were stored. */
  calendar?: HolidayCalendar | undefined;
  now: Date;
  /** Identity is verified before assessment (the law forbids it for some opt-outs). */
  verificationRequired: boolean;
  /** Approved by policy (AUTO_APPROVE_TYPES): staff never assess it. */
  autoApprove: boolean;
  /** Decisions accepted but not yet acted on: the workflow may still be busy with the step before them. */
  queued: { verification: VerificationDecision['outcome'] | null; assessment: boolean };
  /** Whether a decision may wait behind the step under way; false judges as before queueing existed (replayed signals). */
  queueing: boolean;
}

export type Verdict = { ok: true } | { ok: false; code: string; reason: string };

const ok: Verdict = { ok: true };
const refuse = (code: string, reason: string): Verdict => ({ ok: false, code, reason });

const closed = (c: ActionContext): Verdict | null =>
  isTerminal(c.status) ? refuse('REQUEST.CLOSED', `The request is already ${c.status}; nothing more can be done to it`) : null;

const pending = (what: string): Verdict => refuse('REQUEST.DECISION_PENDING', `${what} decision is already being applied`);

/**
 * Identity can be decided while the request awaits verification, and also right after receipt while the
 * acknowledgement is still going out: the decision then waits for the workflow, which sends no link.
 */
export function checkVerification(c: ActionContext): Verdict {
  // A decision already queued counts: a second one is refused, never silently dropped.
  if (c.queued.verification) return pending('A verification');
  const state = closed(c);
  if (state) return state;
  if (!c.verificationRequired) return refuse('REQUEST.INVALID_TRANSITION', `The subject's identity is not verified for ${c.type} requests under ${c.regulation} (it is ${c.status})`);
  if (c.status === 'awaiting_verification' || (c.status === 'submitted' && c.queueing)) return ok;
  return refuse('REQUEST.INVALID_TRANSITION', `Identity can be decided only while the request awaits verification (it is ${c.status})`);
}

/**
 * Approve or reject: in assessment, or on the way to it behind an accepted decision (verified, or a verification
 * queued) or behind the acknowledgement when no verification is needed. Never for a type approved by policy.
 */
export function checkAssessment(c: ActionContext, d: AssessmentDecision): Verdict {
  if (c.queued.assessment) return pending('An assessment');
  const state = closed(c);
  if (state) return state;
  const due = assessmentDue(c);
  if (!due.ok) return due;
  if (d.decision === 'reject' && !d.rejectionReason) return refuse('ASSESSMENT.REASON_REQUIRED', 'A rejection needs a reason');
  if (d.decision === 'reject' && d.rejectionReason === 'legal_exception' && !d.legalExceptions?.length) {
    return refuse('ASSESSMENT.EXCEPTION_REQUIRED', 'A rejection on a legal exception must name the exception');
  }
  return ok;
}

function assessmentDue(c: ActionContext): Verdict {
  if (c.status === 'in_assessment') return ok;
  const notNow = refuse('REQUEST.INVALID_TRANSITION', `A request can be approved or rejected only in assessment (it is ${c.status})`);
  if (!c.queueing || !BEFORE_APPLIED.assessment.includes(c.status)) return notNow;
  if (c.autoApprove) return refuse('REQUEST.INVALID_TRANSITION', `${c.type} requests are approved by policy; staff do not assess them (it is ${c.status})`);
  const identitySettled = c.status === 'verified' || (c.status === 'submitted' && !c.verificationRequired) || c.queued.verification === 'verified';
  return identitySettled ? ok : refuse('REQUEST.INVALID_TRANSITION', `A request can be approved or rejected only once the subject's identity is verified (it is ${c.status})`);
}

/** The statuses a request passes through before the workflow has acted on an accepted decision of each kind. */
const BEFORE_APPLIED: Record<'verification' | 'assessment', readonly RequestStatus[]> = {
  verification: ['submitted', 'awaiting_verification', 'verified'],
  assessment: ['submitted', 'awaiting_verification', 'verified', 'in_assessment'],
};

/**
 * True once the workflow has acted on an accepted decision of this kind: the status is past the steps before it
 * (verification: in assessment or later; assessment: processing or later), or the request has ended (a cancellation
 * or manual completion is acted on only then).
 */
export function isDecisionApplied(kind: 'verification' | 'assessment' | 'closing', status: RequestStatus): boolean {
  if (isTerminal(status)) return true;
  return kind !== 'closing' && !BEFORE_APPLIED[kind].includes(status);
}

export function checkExtension(c: ActionContext): Verdict {
  const state = closed(c);
  if (state) return state;
  const plan = planExtension({
    regulation: c.regulation,
    type: c.type,
    receivedAt: c.receivedAt,
    currentDueAt: c.dueAt,
    extensionsUsed: c.extensionsUsed,
    requestedAt: c.now,
    pausedDays: c.pausedDays,
    calendar: c.calendar,
  });
  return plan.ok ? ok : refuse(plan.code, plan.reason);
}

export function checkCancellation(c: ActionContext): Verdict {
  return closed(c) ?? ok;
}

/** Manual completion: staff did the work outside dsrflow. Only once the request was verified (or needs no verification). */
export function checkCompletion(c: ActionContext): Verdict {
  const state = closed(c);
  if (state) return state;
  if (c.status === 'submitted' || c.status === 'awaiting_verification') {
    return refuse('REQUEST.INVALID_TRANSITION', `A request cannot be completed before the subject's identity is settled (it is ${c.status})`);
  }
  return ok;
}

// Payloads arrive from the API (already parsed) but also from operators typing JSON into the Temporal UI or CLI:
// a typo must be refused, never read as "approve" or "verified".
const isOneOf = (values: readonly string[], v: unknown) => typeof v === 'string' && values.includes(v);
const isActor = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 200;
const isOptionalId = (v: unknown) => v === undefined || (typeof v === 'string' && /^[0-9a-f-]{36}$/.test(v));
const malformed = (what: string): Verdict => refuse('ACTION.MALFORMED', `Malformed ${what}: ${MESSAGE_SHAPES[what]}`);

const MESSAGE_SHAPES: Record<string, string> = {
  verification: `{outcome: verified|failed, method: ${VERIFICATION_METHODS.join('|')}, actor}`,
  assessment: `{decision: approve|reject, rejectionReason?, legalExceptions?: [${LEGAL_EXCEPTIONS.join('|')}], noteId?, actor}`,
  extension: `{reason: ${EXTENSION_REASONS.join('|')}, noteId?, actor}`,
  cancellation: `{reason: ${CANCELLATION_REASONS.join('|')}, noteId?, actor}`,
  completion: '{noteId?, actor}',
};

/** Checks a decision's shape before its rules: every field a known value, an actor named. */
export function checkMessage(kind: keyof typeof MESSAGE_SHAPES & string, m: unknown): Verdict {
  if (typeof m !== 'object' || m === null) return malformed(kind);
  const r = m as Record<string, unknown>;
  if (!isActor(r.actor) || !isOptionalId(r.noteId)) return malformed(kind);
  const fine =
    kind === 'verification'
      ? isOneOf(['verified', 'failed'], r.outcome) && isOneOf(VERIFICATION_METHODS, r.method)
      : kind === 'assessment'
        ? isOneOf(['approve', 'reject'], r.decision) &&
          (r.rejectionReason === undefined || isOneOf(REJECTION_REASONS, r.rejectionReason)) &&
          (r.legalExceptions === undefined || (Array.isArray(r.legalExceptions) && r.legalExceptions.every((e) => isOneOf(LEGAL_EXCEPTIONS, e))))
        : kind === 'extension'
          ? isOneOf(EXTENSION_REASONS, r.reason)
          : kind === 'cancellation'
            ? isOneOf(CANCELLATION_REASONS, r.reason)
            : true;
  return fine ? ok : malformed(kind);
}
