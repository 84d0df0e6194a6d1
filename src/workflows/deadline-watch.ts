import { condition } from '@temporalio/workflow';
import { reminderInstants } from '../domain/deadlines.ts';
import { isTerminal } from '../domain/request.ts';
import { activities, type RequestRun } from './request-context.ts';

const DEFAULT_REMINDER_DAYS = [7, 2];

interface DeadlineEvent {
  at: number;
  kind: 'reminder' | 'overdue';
  daysBefore?: number;
}

/** Reminders not yet sent for the current due date, then the overdue escalation: the earliest is next. */
function nextEvent(run: RequestRun, sent: Set<string>): DeadlineEvent | null {
  const due = new Date(run.state.dueAt);
  const days = [...(run.input.reminderDaysBefore ?? DEFAULT_REMINDER_DAYS)].sort((a, b) => b - a);
  const instants = reminderInstants(due, days);
  const candidates: DeadlineEvent[] = instants
    .map((at, i) => ({ at: at.getTime(), kind: 'reminder' as const, daysBefore: days[i]! }))
    .filter((r) => !sent.has(`${run.state.dueAt}/${r.daysBefore}`) && r.at > Date.parse(run.state.receivedAt));
  if (!run.state.overdue) candidates.push({ at: due.getTime(), kind: 'overdue' });
  candidates.sort((a, b) => a.at - b.at);
  return candidates[0] ?? null;
}

/**
 * Staff reminders before the due date and the overdue escalation at it, as durable timers that follow
 * every move of the due date (extension, clock stop). Ends when the request is closed.
 */
export async function watchDeadline(run: RequestRun): Promise<void> {
  const sent = new Set<string>();
  const closed = () => isTerminal(run.state.status);
  while (!closed()) {
    const dueAt = run.state.dueAt;
    const next = nextEvent(run, sent);
    const moved = () => closed() || run.state.dueAt !== dueAt;
    if (!next) {
      await condition(moved);
      continue;
    }
    if (await condition(moved, Math.max(1, next.at - Date.now()))) continue;
    if (next.kind === 'reminder') {
      sent.add(`${dueAt}/${next.daysBefore}`);
      run.state.remindersSent += 1;
      await activities.alertStaff({ requestId: run.input.requestId, kind: 'reminder', dueAt, daysBefore: next.daysBefore! });
    } else {
      run.markOverdue();
      await activities.recordEvent({
        requestId: run.input.requestId,
        eventKey: run.nextEventKey(),
        action: 'deadline.overdue',
        actor: 'system',
        reason: `not completed by the due date ${dueAt}`,
        projection: { overdue: true },
      });
      await activities.alertStaff({ requestId: run.input.requestId, kind: 'overdue', dueAt });
    }
  }
}

/** The acknowledgement duty (CCPA: 10 business days): escalate to staff if the receipt notice has not gone out in time. */
export async function watchAcknowledgement(run: RequestRun): Promise<void> {
  const by = run.state.acknowledgeBy;
  if (!by) return;
  const acknowledged = await condition(() => run.state.acknowledgedAt !== null || isTerminal(run.state.status), Math.max(1, Date.parse(by) - Date.now()));
  if (!acknowledged) await activities.alertStaff({ requestId: run.input.requestId, kind: 'acknowledgement_overdue', dueAt: by });
}
