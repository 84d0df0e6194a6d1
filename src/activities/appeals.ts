import { ApplicationFailure } from '@temporalio/activity';
import { findAppeal, recordAppealEvent } from '../db/appeals.ts';
import { findNote, findRequest, findSubject } from '../db/requests.ts';
import type { ActivityDeps } from './deps.ts';
import { appealNotice, type AppealNoticeKind } from './appeal-notices.ts';
import { sendOnce } from './notifications.ts';

type Deps = Pick<ActivityDeps, 'pool' | 'mailer' | 'logger' | 'publicUrl' | 'staffEmail'>;

/** The appeal workflow's side effects: its audit events and projection, the notices to the consumer and to staff. */
export function createAppealActivities(deps: Deps) {
  async function load(appealId: string) {
    const appeal = await findAppeal(deps.pool, appealId);
    const request = appeal ? await findRequest(deps.pool, appeal.request_id) : null;
    if (!appeal || !request) throw ApplicationFailure.nonRetryable(`appeal ${appealId} does not exist`, 'APPEAL.NOT_FOUND');
    return { appeal, request };
  }

  return {
    async recordAppealEvent(input: Parameters<typeof recordAppealEvent>[1]): Promise<void> {
      await recordAppealEvent(deps.pool, input);
    },

    /** The consumer's notices: receipt with the decision date; an extension with the new date and why; the decision with its reasons (and, denied, the AG). */
    async notifyAppeal(input: { appealId: string; kind: AppealNoticeKind }): Promise<{ sent: boolean }> {
      const { appeal, request } = await load(input.appealId);
      const subject = await findSubject(deps.pool, request.id);
      if (!subject) throw ApplicationFailure.nonRetryable(`request ${request.id} has no subject`, 'REQUEST.NOT_FOUND');
      const noteId = input.kind === 'extended' ? appeal.extension_note_id : appeal.decision_note_id;
      const reasons = noteId ? await findNote(deps.pool, noteId) : null;
      const { subject: title, text } = appealNotice(input.kind, { appeal, request, reasons });
      return sendOnce(deps, {
        key: `${request.id}/appeal-${input.kind}`,
        requestId: request.id,
        kind: `appeal_${input.kind}`,
        to: subject.email,
        subject: title,
        text,
        audit: { kind: `appeal_${input.kind}`, appealId: appeal.id },
      });
    },

    /** `extended`: the reminders re-aimed at an extended due date are new emails, not repeats of the first ones. */
    async alertStaffOfAppeal(input: { appealId: string; kind: 'reminder' | 'overdue'; daysBefore?: number; extended?: boolean }): Promise<{ sent: boolean }> {
      const { appeal, request } = await load(input.appealId);
      const due = appeal.due_at.slice(0, 10);
      const what = input.kind === 'reminder' ? `must be decided in ${input.daysBefore} day(s), by ${due}` : `is OVERDUE: its decision was due on ${due}`;
      return sendOnce(deps, {
        key: `${request.id}/staff-appeal-${input.kind}${input.daysBefore ? `/${input.daysBefore}` : ''}${input.extended ? '/extended' : ''}`,
        requestId: request.id,
        kind: `staff_appeal_${input.kind}`,
        to: deps.staffEmail,
        subject: `[dsrflow] appeal of request ${request.id} ${input.kind === 'reminder' ? 'due soon' : 'overdue'}`,
        text: `The appeal ${appeal.id} of the ${request.type} request ${request.id} (${request.regulation}, ${request.organization_id}) ${what}.\nDecide it in the console or with POST /v1/requests/${request.id}/appeal/decision.\n`,
        audit: { kind: `staff_appeal_${input.kind}`, appealId: appeal.id, dueAt: appeal.due_at, ...(input.daysBefore ? { daysBefore: input.daysBefore } : {}) },
      });
    },
  };
}
