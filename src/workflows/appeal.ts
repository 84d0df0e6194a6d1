import { allHandlersFinished, ApplicationFailure, condition, patched, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { appealRuleFor, checkAppealDecision, checkAppealExtension, type AppealDecision, type AppealExtension } from '../domain/appeals.ts';
import { reminderInstants } from '../domain/deadlines.ts';
import { appealStateQuery, decideAppealUpdate, extendAppealUpdate, type AppealInput, type AppealResult, type AppealState } from './messages.ts';
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
  // Appeals started before extensions existed keep their fixed deadline (their recorded histories must replay).
  const movable = patched('appeal-extension');
  const state: AppealState = {
    appealId: input.appealId,
    requestId: input.requestId,
    status: 'received',
    receivedAt: input.receivedAt,
    dueAt: input.dueAt,
    extended: false,
    overdue: false,
    remindersSent: 0,
    decision: null,
  };
  let decision: AppealDecision | null = null;
  let events = 0;
  const eventKey = () => `${workflowInfo().workflowId}/${++events}`;
  /** The extension's audit event and notice, running in the background so staff are answered while SMTP is down. */
  const pending: Promise<void>[] = [];
  const extensionVerdict = (x: unknown) =>
    checkAppealExtension({ regulation: input.regulation, status: state.status, receivedAt: input.receivedAt, extended: state.extended }, appealRuleFor(input.regulation), new Date(), x);

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

  setHandler(
    extendAppealUpdate,
    (x) => {
      const verdict = extensionVerdict(x);
      if (!verdict.ok) throw ApplicationFailure.nonRetryable(verdict.reason, verdict.code);
      const previousDueAt = state.dueAt;
      // The deadline moves at once: the waiting below re-aims its reminders and the overdue escalation at it.
      state.dueAt = verdict.dueAt.toISOString();
      state.extended = true;
      upsertSearchAttributes([{ key: dsrDueAt, value: verdict.dueAt }]);
      pending.push(recordExtension(x, previousDueAt));
      return state;
    },
    {
      validator: (x) => {
        if (!movable) throw ApplicationFailure.nonRetryable('This appeal was opened before extensions were supported; its deadline cannot be moved', 'APPEAL.EXTENSION_UNAVAILABLE');
        const verdict = extensionVerdict(x);
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

  const watching = movable ? watchMovableDeadline() : watchDecisionDeadline();
  await notifyAppeal({ appealId: input.appealId, kind: 'received' });
  await condition(() => decision !== null);
  const d = decision!;
  // The extension notice goes out before the decision's (only awaited when there is one: older histories replay).
  if (pending.length) await Promise.all(pending);
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

  async function recordExtension(x: AppealExtension, previousDueAt: string): Promise<void> {
    await recordAppealEvent({
      appealId: input.appealId,
      eventKey: eventKey(),
      action: 'appeal.extended',
      actor: x.actor,
      reason: `decision deadline extended under ${appealRuleFor(input.regulation)?.source ?? input.regulation}`,
      details: { previousDueAt, dueAt: state.dueAt, noteId: x.noteId },
      projection: { extension: { dueAt: state.dueAt, by: x.actor, noteId: x.noteId } },
    });
    await notifyAppeal({ appealId: input.appealId, kind: 'extended' });
  }

  /**
   * Reminders before the decision is due and the overdue escalation at it, re-aimed when an extension moves the
   * due date (state.dueAt); ends once staff have decided.
   */
  async function watchMovableDeadline(): Promise<void> {
    const days = [...(input.reminderDaysBefore ?? DEFAULT_REMINDER_DAYS)].sort((a, b) => b - a);
    const decided = () => decision !== null;
    for (;;) {
      const aim = state.dueAt;
      const due = Date.parse(aim);
      const settled = () => decided() || state.dueAt !== aim;
      const round = state.extended ? { extended: true } : {};
      const reminders = reminderInstants(new Date(due), days)
        .map((at, i) => ({ at: at.getTime(), daysBefore: days[i]! }))
        .filter((r) => r.at > Date.parse(input.receivedAt));
      let moved = false;
      for (const r of reminders) {
        if (await condition(settled, Math.max(1, r.at - Date.now()))) {
          moved = true;
          break;
        }
        state.remindersSent += 1;
        await alertStaffOfAppeal({ appealId: input.appealId, kind: 'reminder', daysBefore: r.daysBefore, ...round });
      }
      if (!moved && !(await condition(settled, Math.max(1, due - Date.now())))) {
        state.overdue = true;
        upsertSearchAttributes([{ key: dsrOverdue, value: true }]);
        await recordAppealEvent({ appealId: input.appealId, eventKey: eventKey(), action: 'appeal.overdue', actor: 'system', reason: `not decided by the due date ${aim}`, projection: { overdue: true } });
        await alertStaffOfAppeal({ appealId: input.appealId, kind: 'overdue', ...round });
        return;
      }
      if (decided()) return;
    }
  }

  /** Before the patch: reminders before the decision is due and the overdue escalation at it; ends once staff have decided. */
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
