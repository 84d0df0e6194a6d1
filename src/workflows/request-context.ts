import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ActionContext, AssessmentDecision, CancellationRequest, CompletionRequest, VerificationDecision } from '../domain/actions.ts';
import type { RequestStatus } from '../domain/request.ts';
import type { RequestState, RightsRequestInput } from './messages.ts';
import { dsrDueAt, dsrExtended, dsrOverdue, dsrStatus } from './search-attributes.ts';

const quick = { startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumInterval: '5 minutes' } } as const;
export const activities = proxyActivities<Activities>(quick);

/** Decisions waiting for the main flow to act on them; handlers only validate and enqueue (or extend, which is immediate). */
export interface Inbox {
  verification: VerificationDecision | null;
  assessment: AssessmentDecision | null;
  close: { action: 'cancel'; request: CancellationRequest } | { action: 'complete'; request: CompletionRequest } | null;
}

/** The live request inside its workflow: state, plus the one way to record a change (activity + search attributes). */
export class RequestRun {
  readonly input: RightsRequestInput;
  readonly state: RequestState;
  readonly inbox: Inbox = { verification: null, assessment: null, close: null };
  /** Set once the response is going out: a cancellation or manual completion can no longer be honoured. */
  delivering = false;
  /** The emailed verification link while the subject may still confirm: its expiry, and the re-sends asked for. */
  verificationLink: { expiresAt: string; resends: number } | null = null;
  /** Effects started by handlers that answer before them (an update must not wait for SMTP): awaited before the workflow ends. */
  readonly pending: Promise<unknown>[] = [];
  private events = 0;

  constructor(input: RightsRequestInput) {
    this.input = input;
    this.state = {
      requestId: input.requestId,
      status: 'submitted',
      type: input.type,
      regulation: input.regulation,
      receivedAt: input.receivedAt,
      dueAt: input.dueAt,
      originalDueAt: input.dueAt,
      acknowledgeBy: input.acknowledgeBy,
      acknowledgedAt: null,
      overdue: false,
      extended: false,
      extensionsUsed: 0,
      pausedDays: 0,
      verification: null,
      assessment: null,
      remindersSent: 0,
      closedBy: null,
    };
  }

  /** Natural key of the next audit event of this workflow: a retried activity writes nothing twice. */
  nextEventKey(): string {
    this.events += 1;
    return `${workflowInfo().workflowId}/${this.events}`;
  }

  /** `queueing` false judges a decision as the workflow did before decisions could queue (replayed signals). */
  actionContext(queueing = true): ActionContext {
    return {
      status: this.state.status,
      regulation: this.state.regulation,
      type: this.state.type,
      receivedAt: new Date(this.state.receivedAt),
      dueAt: new Date(this.state.dueAt),
      extensionsUsed: this.state.extensionsUsed,
      pausedDays: this.state.pausedDays,
      calendar: this.input.calendar,
      now: new Date(),
      verificationRequired: this.input.verification === 'required',
      autoApprove: this.input.autoApprove ?? false,
      queued: { verification: this.inbox.verification?.outcome ?? null, assessment: this.inbox.assessment !== null },
      queueing,
    };
  }

  async moveTo(to: RequestStatus, actor: string, reason: string | null = null, details?: Record<string, unknown>): Promise<void> {
    const from = this.state.status;
    // The state changes before the await: handlers running meanwhile see the new status.
    this.state.status = to;
    upsertSearchAttributes([{ key: dsrStatus, value: to }]);
    await activities.recordTransition({ requestId: this.input.requestId, eventKey: this.nextEventKey(), from, to, actor, reason, ...(details ? { details } : {}) });
  }

  /** A new due date (extension, clock stop): the state, the search attributes, and through `record` the database. */
  setDueAt(dueAt: string): void {
    this.state.dueAt = dueAt;
    this.state.overdue = false;
    upsertSearchAttributes([
      { key: dsrDueAt, value: new Date(dueAt) },
      { key: dsrOverdue, value: false },
      { key: dsrExtended, value: this.state.extended },
    ]);
  }

  markOverdue(): void {
    this.state.overdue = true;
    upsertSearchAttributes([{ key: dsrOverdue, value: true }]);
  }
}
