import { ApplicationFailure } from '@temporalio/activity';
import { sql } from 'slonik';
import { z } from 'zod';
import { findRequest, findSubject, type RequestRow } from '../db/requests.ts';
import type { ActivityDeps } from './index.ts';

export const NOTICE_KINDS = ['acknowledgement', 'unverified', 'rejected', 'completed'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

const day = (iso: string) => iso.slice(0, 10);

// Plain words for the subject; the request id lets them refer to it. No data beyond what they gave us.
const notices: Record<NoticeKind, (r: RequestRow) => { subject: string; text: string }> = {
  acknowledgement: (r) => ({
    subject: `We received your ${r.type} request (${r.id})`,
    text: `We received your ${r.type} request on ${day(r.received_at)} under ${r.regulation}.\n` +
      `We will respond by ${day(r.due_at)} at the latest.\n\nRequest reference: ${r.id}\n`,
  }),
  unverified: (r) => ({
    subject: `Your request ${r.id} was closed: identity not confirmed`,
    text: `We could not confirm your identity in time, so we closed request ${r.id}.\nYou are welcome to submit a new request.\n`,
  }),
  rejected: (r) => ({
    subject: `Your request ${r.id} could not be fulfilled`,
    text: `We could not fulfil request ${r.id}. You have the right to lodge a complaint with a supervisory authority.\n`,
  }),
  completed: (r) => ({
    subject: `Your ${r.type} request ${r.id} is complete`,
    text: `We have completed your ${r.type} request ${r.id}.\n`,
  }),
};

export function createNotificationActivities({ pool, mailer, logger }: Pick<ActivityDeps, 'pool' | 'mailer' | 'logger'>) {
  return {
    /** Emails the subject; the notification key makes a retry after a successful send a no-op. */
    async notifySubject(input: { requestId: string; kind: NoticeKind }): Promise<{ sent: boolean }> {
      const key = `${input.requestId}/${input.kind}`;
      const [request, subject] = await Promise.all([findRequest(pool, input.requestId), findSubject(pool, input.requestId)]);
      if (!request || !subject) throw ApplicationFailure.nonRetryable(`request ${input.requestId} does not exist`, 'REQUEST.NOT_FOUND');
      const messageId = `<${key.replace('/', '.')}@dsrflow>`;
      const row = await pool.one(sql.type(z.object({ sent_at: z.string().nullable() }))`
        insert into dsrflow.notifications (notification_key, request_id, kind, message_id)
        values (${key}, ${input.requestId}, ${input.kind}, ${messageId})
        on conflict (notification_key) do update set kind = excluded.kind
        returning sent_at`);
      if (row.sent_at) return { sent: false };
      const { subject: title, text } = notices[input.kind](request);
      await mailer.send({ to: subject.email, subject: title, text, messageId });
      await pool.query(sql.unsafe`update dsrflow.notifications set sent_at = now() where notification_key = ${key}`);
      await pool.query(sql.unsafe`
        insert into dsrflow.audit_events (event_key, request_id, organization_id, actor, action, details)
        values (${'notice/' + key}, ${input.requestId}, ${request.organization_id}, 'system', 'notice.sent', ${sql.jsonb({ kind: input.kind })})
        on conflict (event_key) do nothing`);
      logger.info('notice sent', { requestId: input.requestId, kind: input.kind });
      return { sent: true };
    },
  };
}
