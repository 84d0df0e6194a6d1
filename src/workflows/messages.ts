import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { HolidayCalendar } from '../domain/holidays.ts';
import type {
  AssessmentDecision,
  CancellationRequest,
  CompletionRequest,
  ExtensionRequest,
  LegalException,
  VerificationDecision,
} from '../domain/actions.ts';
import type { AppealDecision, AppealExtension, AppealStatus } from '../domain/appeals.ts';
import type { RegulationCode } from '../domain/regulations.ts';
import type { RequestStatus, RequestType } from '../domain/request.ts';

// Side-effect free: the API, the tests and the workflow all import these. Ids, codes and decisions only.
export type { AppealDecision, AppealExtension, AssessmentDecision, CancellationRequest, CompletionRequest, ExtensionRequest, VerificationDecision };

export interface RightsRequestInput {
  requestId: string;
  organizationId: string;
  type: RequestType;
  regulation: RegulationCode;
  receivedAt: string;
  dueAt: string;
  acknowledgeBy: string | null;
  verification: 'required' | 'notAllowed';
  verificationWindowDays: number;
  /** Staff reminders this many days before the due date (they follow an extension). */
  reminderDaysBefore?: number[];
  /** Approve without staff assessment (policy per type, e.g. opt-outs). */
  autoApprove?: boolean;
  /** Staff decide the identity (an authorized agent, an identity document): no verification link is emailed. */
  staffVerifies?: boolean;
  /**
   * The holidays the request counts with, made at intake (no personal data). Absent in workflows started before
   * calendars travelled with requests: those count as they always did (domain/holidays.ts legacyCalendar).
   */
  calendar?: HolidayCalendar;
}

export interface RequestState {
  requestId: string;
  status: RequestStatus;
  type: RequestType;
  regulation: RegulationCode;
  receivedAt: string;
  dueAt: string;
  originalDueAt: string;
  acknowledgeBy: string | null;
  acknowledgedAt: string | null;
  overdue: boolean;
  extended: boolean;
  extensionsUsed: number;
  pausedDays: number;
  verification: VerificationDecision | null;
  assessment: { decision: 'approve' | 'reject'; actor: string; legalExceptions: LegalException[] } | null;
  remindersSent: number;
  closedBy: { action: 'cancel' | 'complete'; actor: string } | null;
}

export interface RightsRequestResult {
  requestId: string;
  status: RequestStatus;
}

// Operators send signals (Temporal UI / CLI): fire and forget; an invalid one is refused in the audit trail.
export const verificationSignal = defineSignal<[VerificationDecision]>('verification');
export const assessmentSignal = defineSignal<[AssessmentDecision]>('assessment');
export const extensionSignal = defineSignal<[ExtensionRequest]>('extension');
export const cancellationSignal = defineSignal<[CancellationRequest]>('cancellation');
export const completionSignal = defineSignal<[CompletionRequest]>('completion');

/** Why a scheduled erasure is asked to run a pass now instead of at its next review date (codes only). */
export interface ErasureReviewRequest {
  reason: 'legal_hold_lifted';
  basis: LegalException;
  /** The lift's instant: a run serves each lift once, and a run started by this lift is keyed by it. */
  liftedAt: string;
}
/** To `erasure-<request id>` (scheduledErasure), sent with signalWithStart: a pass now, whether it was sleeping or had ended. */
export const erasureReviewSignal = defineSignal<[ErasureReviewRequest]>('erasureReview');

// The API sends updates: the same decisions, validated synchronously against the live state, so the caller
// learns at once whether it was accepted (409 if not) and an accepted one is in the history before we answer.
export const verifyUpdate = defineUpdate<RequestState, [VerificationDecision]>('verify');
export const assessUpdate = defineUpdate<RequestState, [AssessmentDecision]>('assess');
export const extendUpdate = defineUpdate<RequestState, [ExtensionRequest]>('extend');
export const cancelUpdate = defineUpdate<RequestState, [CancellationRequest]>('cancel');
export const completeUpdate = defineUpdate<RequestState, [CompletionRequest]>('complete');

export const stateQuery = defineQuery<RequestState>('state');

/** The subject asks for the verification link again (status page); `actor` is who asked, for the audit trail. */
export interface VerificationResendRequest {
  actor: string;
}
/** How often a subject may have the link re-sent while one request waits for confirmation. */
export const MAX_VERIFICATION_RESENDS = 3;
export const resendVerificationUpdate = defineUpdate<RequestState, [VerificationResendRequest]>('resendVerification');

// Appeals (docs/appeals.md): one workflow per appeal, `appeal-<appeal id>`, linked to the appealed request by id.
export interface AppealInput {
  appealId: string;
  requestId: string;
  organizationId: string;
  regulation: RegulationCode;
  receivedAt: string;
  dueAt: string;
  /** Staff reminders this many days before the decision is due. */
  reminderDaysBefore?: number[];
}

export interface AppealState {
  appealId: string;
  requestId: string;
  status: AppealStatus;
  receivedAt: string;
  /** The decision deadline, moved once by an extension where the regime allows it. */
  dueAt: string;
  extended: boolean;
  overdue: boolean;
  remindersSent: number;
  decision: { decision: AppealDecision['decision']; actor: string } | null;
}

export interface AppealResult {
  appealId: string;
  status: AppealStatus;
}

export const decideAppealUpdate = defineUpdate<AppealState, [AppealDecision]>('decideAppeal');
export const appealStateQuery = defineQuery<AppealState>('appealState');
/** Extends the decision deadline (C.R.S. 6-1-1306(3)): the reasons for the delay are a note, carried by id. */
export const extendAppealUpdate = defineUpdate<AppealState, [AppealExtension]>('extendAppeal');
