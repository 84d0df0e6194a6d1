import { allHandlersFinished, ApplicationFailure, condition, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { checkAppealDecision, type AppealDecision } from '../domain/appeals.ts';
import { reminderInstants } from '../domain/deadlines.ts';
import { appealStateQuery, decideAppealUpdate, type AppealInput, type AppealResult, type AppealState } from './messages.ts';
import { dsrDueAt, dsrOrganization, dsrOverdue, dsrRegulation, dsrStatus, dsrType } from './search-attributes.ts';

const quick = { startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumInterval: '5 minutes' } } as const;
const { recordAppealEvent, notifyAppeal, alertStaffOfAppeal } = proxyActivities<Activities>(quick);

const DEFAULT_REMINDER_DAYS = [7, 2];

/**
 * A consumer's appeal of a refused or partly answered request: acknowledged at once, decided by staff (with written
 * reasons) before the regime's decision deadline, with reminders and the overdue escalation as durable timers, and
 * the decision told to the consumer (with the Attorney General's contact when denied). Ids and decisions only.
 */
export async function appeal(input: AppealInput): Promise<AppealResult> {
  const state: AppealState = {
    appealId: input.appealId,
    requestId: input.requestId,
    status: 'received',
    receivedAt: input.receivedAt,
    dueAt: input.dueAt,
    overdue: false,
    remindersSent: 0,
    decision: null,
  };
  let decision: AppealDecision | null = null;
  let events = 0;
  const eventKey = () => `${workflowInfo().workflowId}/${++events}`;

  setHandler(appealStateQuery, () => state);
  setHandler(
    decideAppealUpdate,
    (d) => {
      decision = d;
      // The status moves at once: a second decision is refused by the validator, never queued behind the first.
      state.status = d.decision;
      state.decision = { decision: d.decision, actor: d.actor };
      upsertSearchAttributes([{ key: dsrStatus, value: d.decision }]);
      return state;
    },
    {
      validator: (d) => {
        const verdict = checkAppealDecision(state.status, d);
        if (!verdict.ok) throw ApplicationFailure.nonRetryable(verdict.reason, verdict.code);
      },
    },
  );

  // DsrType 'appeal' keeps appeals apart from requests in the Temporal UI without a new search attribute.
  upsertSearchAttributes([
    { key: dsrType, value: 'appeal' },
    { key: dsrRegulation, value: input.regulation },
    { key: dsrOrganization, value: input.organizationId },
    { key: dsrDueAt, value: new Date(input.dueAt) },
    { key: dsrStatus, value: state.status },
    { key: dsrOverdue, value: false },
  ]);

  const watching = watchDecisionDeadline();
  await notifyAppeal({ appealId: input.appealId, kind: 'received' });
  await condition(() => decision !== null);
  const d = decision!;
  await recordAppealEvent({
    appealId: input.appealId,
    eventKey: eventKey(),
    action: `appeal.${d.decision}`,
    actor: d.actor,
    reason: null,
    details: { noteId: d.noteId },
    projection: { decision: { status: d.decision, by: d.actor, noteId: d.noteId } },
  });
  await notifyAppeal({ appealId: input.appealId, kind: d.decision });
  await watching;
  await condition(allHandlersFinished);
  return { appealId: input.appealId, status: state.status };

  /** Reminders before the decision is due and the overdue escalation at it; ends once staff have decided. */
  async function watchDecisionDeadline(): Promise<void> {
    const due = new Date(input.dueAt);
    const days = [...(input.reminderDaysBefore ?? DEFAULT_REMINDER_DAYS)].sort((a, b) => b - a);
    const reminders = reminderInstants(due, days)
      .map((at, i) => ({ at: at.getTime(), daysBefore: days[i]! }))
      .filter((r) => r.at > Date.parse(input.receivedAt));
    const decided = () => decision !== null;
    for (const r of reminders) {
      if (await condition(decided, Math.max(1, r.at - Date.now()))) return;
      state.remindersSent += 1;
      await alertStaffOfAppeal({ appealId: input.appealId, kind: 'reminder', daysBefore: r.daysBefore });
    }
    if (await condition(decided, Math.max(1, due.getTime() - Date.now()))) return;
    state.overdue = true;
    upsertSearchAttributes([{ key: dsrOverdue, value: true }]);
    await recordAppealEvent({ appealId: input.appealId, eventKey: eventKey(), action: 'appeal.overdue', actor: 'system', reason: `not decided by the due date ${input.dueAt}`, projection: { overdue: true } });
    await alertStaffOfAppeal({ appealId: input.appealId, kind: 'overdue' });
  }
}
