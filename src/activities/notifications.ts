import { randomBytes } from 'node:crypto';
import { ApplicationFailure, type Context } from '@temporalio/activity';
import { activityContext } from './activity-context.ts';
import { sql } from 'slonik';
import { z } from 'zod';
import { findNote, findRequest, findSubject } from '../db/requests.ts';
import { hashToken } from '../db/tokens.ts';
import { isPartialAnswer, storeAppealToken } from '../db/appeals.ts';
import type { RequestRow } from '../db/requests.ts';
import { appealRuleFor } from '../domain/appeals.ts';
import type { ActivityDeps } from './deps.ts';
import { NOTICES, type NoticeKind } from './notice-texts.ts';
import { statusFooter, subjectDate, subjectMessages } from './subject-mail.ts';

export type { NoticeKind };

type Deps = Pick<ActivityDeps, 'pool' | 'mailer' | 'logger' | 'publicUrl' | 'staffEmail'>;

/**
 * The emails this activity's earlier attempts got out: each key is heartbeated the moment the SMTP peer accepts its
 * message, and Temporal hands the last heartbeat's details to the next attempt. So an attempt that sent and then lost
 * the database (the `sent_at` write failed) is retried without sending again: the retry only records what was sent.
 * Keys hold request ids and notice kinds, no personal data. Outside an activity (tests, scripts) nothing is known.
 */
export function sentInEarlierAttempt(key: string): boolean {
  const details = activityContext()?.info.heartbeatDetails as { sentNotices?: unknown } | undefined;
  return Array.isArray(details?.sentNotices) && details.sentNotices.includes(key);
}

// Per attempt: every key sent so far (an activity may send several), heartbeated together with the earlier ones.
const sentThisAttempt = new WeakMap<Context, Set<string>>();

/** Tells Temporal that the email of `key` was accepted by the SMTP peer (see sentInEarlierAttempt). */
export function rememberSent(key: string): void {
  const ctx = activityContext();
  if (!ctx) return;
  const sent = sentThisAttempt.get(ctx) ?? new Set((ctx.info.heartbeatDetails as { sentNotices?: string[] } | undefined)?.sentNotices ?? []);
  sent.add(key);
  sentThisAttempt.set(ctx, sent);
  ctx.heartbeat({ sentNotices: [...sent] });
}

/**
 * Sends one email at most once per key: a row is written first, the send happens, the row is marked sent. A database
 * lost between send and mark is retried without a second send (sentInEarlierAttempt); a worker lost there re-sends
 * with the same Message-ID, which mail clients fold together.
 */
export async function sendOnce(
  deps: Deps,
  m: { key: string; requestId: string; kind: string; to: string; subject: string; text: string; audit: Record<string, unknown>; variant?: string; footer?: () => Promise<string> },
) {
  if (!sentInEarlierAttempt(m.key)) {
    // `variant` marks content that differs between attempts (a fresh verification token): a re-send is then a new
    // message, so a mail client cannot fold it into the first one and show the link that no longer works.
    const messageId = `<${m.key.replaceAll('/', '.')}${m.variant ? `.${m.variant}` : ''}@dsrflow>`;
    const row = await deps.pool.one(sql.type(z.object({ sent_at: z.string().nullable() }))`
      insert into dsrflow.notifications (notification_key, request_id, kind, message_id)
      values (${m.key}, ${m.requestId}, ${m.kind}, ${messageId})
      on conflict (notification_key) do update set kind = excluded.kind, message_id = case when dsrflow.notifications.sent_at is null then excluded.message_id else dsrflow.notifications.message_id end
      returning sent_at`);
    if (row.sent_at) return { sent: false };
    // The subject's private status link is made only when the email really goes out (each attempt its own).
    await deps.mailer.send({ to: m.to, subject: m.subject, text: `${m.text}${m.footer ? await m.footer() : ''}`, messageId });
    rememberSent(m.key);
  }
  return markSent(deps, m);
}

/** The email of `key` went out: its row marked sent and its audit event, each once. */
async function markSent(deps: Deps, m: { key: string; requestId: string; kind: string; audit: Record<string, unknown> }) {
  await deps.pool.query(sql.unsafe`update dsrflow.notifications set sent_at = coalesce(sent_at, now()) where notification_key = ${m.key}`);
  await deps.pool.query(sql.unsafe`
    insert into dsrflow.audit_events (event_key, request_id, organization_id, actor, action, details)
    select ${'notice/' + m.key}, r.id, r.organization_id, 'system', 'notice.sent', ${sql.jsonb(m.audit as never)}
    from dsrflow.requests r where r.id = ${m.requestId}
    on conflict (event_key) do nothing`);
  deps.logger.info('notice sent', { requestId: m.requestId, kind: m.kind });
  return { sent: true };
}

async function loadRequest(deps: Deps, requestId: string) {
  const [request, subject] = await Promise.all([findRequest(deps.pool, requestId), findSubject(deps.pool, requestId)]);
  if (!request || !subject) throw ApplicationFailure.nonRetryable(`request ${requestId} does not exist`, 'REQUEST.NOT_FOUND');
  return { request, subject };
}

export const hashVerificationToken = hashToken;

/**
 * A refusal, or a completion that did not do everything asked, under a law granting an appeal: a new single-use appeal
 * link (stored hashed) for the notice, unless that notice has gone out already. Its own Message-ID variant, as the
 * verification link: a retried send carries a new link.
 */
async function appealLinkFor(deps: Deps, request: RequestRow, kind: NoticeKind, key: string): Promise<{ link: string; variant: string } | null> {
  // Sent by an earlier attempt: its link stands (a new token would replace the one the subject has).
  if ((kind !== 'rejected' && kind !== 'completed') || !appealRuleFor(request.regulation) || sentInEarlierAttempt(key)) return null;
  if (kind === 'completed' && !(await isPartialAnswer(deps.pool, request.id))) return null;
  const sent = await deps.pool.exists(sql.type(z.object({ k: z.string() }))`
    select notification_key as k from dsrflow.notifications where notification_key = ${key} and sent_at is not null`);
  if (sent) return null;
  const token = randomBytes(32).toString('base64url');
  await storeAppealToken(deps.pool, request.id, hashToken(token));
  return { link: `${deps.publicUrl}/appeal/${token}`, variant: hashToken(token).slice(0, 12) };
}

export function createNotificationActivities(deps: Deps) {
  return {
    /** Emails the subject a notice; `key` distinguishes repeated notices of one kind (a second extension). */
    async notifySubject(input: { requestId: string; kind: NoticeKind; key?: string; reason?: string; noteId?: string }): Promise<{ sent: boolean }> {
      const { request, subject } = await loadRequest(deps, input.requestId);
      const note = input.noteId ? await findNote(deps.pool, input.noteId) : null;
      const key = `${input.requestId}/${input.key ?? input.kind}`;
      const appealLink = await appealLinkFor(deps, request, input.kind, key);
      const { subject: title, text } = NOTICES[input.kind]({ request, reason: input.reason, note, link: appealLink?.link });
      return sendOnce(deps, {
        ...(appealLink ? { variant: appealLink.variant } : {}),
        key,
        requestId: input.requestId,
        kind: input.kind,
        to: subject.email,
        subject: title,
        text,
        audit: { kind: input.kind, ...(input.reason ? { reason: input.reason } : {}) },
        footer: () => statusFooter(deps, request),
      });
    },

    /**
     * Emails the subject a single-use verification link. The token is random and only its hash is stored. A retry
     * after the database was lost between send and mark records the link sent; after a lost worker (nothing told
     * Temporal the send happened) it replaces the token and sends it as a new message (its own Message-ID); once
     * marked sent it does nothing.
     */
    async issueVerificationLink(input: { requestId: string; expiresAt: string; resend?: number }): Promise<{ sent: boolean }> {
      const { request, subject } = await loadRequest(deps, input.requestId);
      // A re-send the subject asked for (status page) is its own email; its new token replaces the first one.
      const key = `${input.requestId}/verification-link${input.resend ? `/resend-${input.resend}` : ''}`;
      const alreadySent = await deps.pool.exists(sql.type(z.object({ k: z.string() }))`
        select notification_key as k from dsrflow.notifications where notification_key = ${key} and sent_at is not null`);
      if (alreadySent) return { sent: false };
      // Sent by an earlier attempt that then lost the database: the subject has that link; record it, make no other.
      const audit = { kind: 'verification_link', expiresAt: input.expiresAt };
      if (sentInEarlierAttempt(key)) return markSent(deps, { key, requestId: input.requestId, kind: 'verification_link', audit });
      const token = randomBytes(32).toString('base64url');
      await deps.pool.query(sql.unsafe`
        insert into dsrflow.verification_tokens (request_id, token_hash, expires_at)
        values (${input.requestId}, ${hashVerificationToken(token)}, ${input.expiresAt})
        on conflict (request_id) do update set token_hash = excluded.token_hash, expires_at = excluded.expires_at, used_at = null, attempts = 0`);
      const link = `${deps.publicUrl}/verify/${token}`;
      const t = subjectMessages(request);
      return sendOnce(deps, {
        key,
        requestId: input.requestId,
        kind: 'verification_link',
        to: subject.email,
        subject: t.email.verificationSubject(t.typeInText[request.type], request.id),
        text: `${t.email.verificationText(request.id, subjectDate(request, input.expiresAt), link)}\n`,
        footer: () => statusFooter(deps, request),
        audit,
        variant: hashVerificationToken(token).slice(0, 12),
      });
    },

    /** Tells the privacy team: a reminder before the due date, the overdue escalation, a late acknowledgement. */
    async alertStaff(input: { requestId: string; kind: 'reminder' | 'overdue' | 'acknowledgement_overdue' | 'ambiguous_subject' | 'rectification_refused'; dueAt: string; daysBefore?: number }): Promise<{ sent: boolean }> {
      const { request } = await loadRequest(deps, input.requestId);
      const what = {
        reminder: `is due in ${input.daysBefore} day(s), on ${input.dueAt.slice(0, 10)}`,
        overdue: `is OVERDUE: it was due on ${input.dueAt.slice(0, 10)}`,
        acknowledgement_overdue: `has not been acknowledged to the subject; the acknowledgement was due on ${input.dueAt.slice(0, 10)}`,
        ambiguous_subject: `matches several customers in the warehouse: decide in the assessment (due ${input.dueAt.slice(0, 10)})`,
        rectification_refused: `could not be applied: the warehouse refused a correction and nothing was changed (the audit trail and GET /v1/requests/${input.requestId}/corrections say which); correct it by hand and complete, or reject (due ${input.dueAt.slice(0, 10)})`,
      }[input.kind];
      return sendOnce(deps, {
        key: `${input.requestId}/staff-${input.kind}/${input.dueAt}${input.daysBefore ? `/${input.daysBefore}` : ''}`,
        requestId: input.requestId,
        kind: `staff_${input.kind}`,
        to: deps.staffEmail,
        subject: `[dsrflow] ${request.type} request ${request.id} ${input.kind === 'reminder' ? 'due soon' : input.kind.replace('_', ' ')}`,
        text: `The ${request.type} request ${request.id} (${request.regulation}, ${request.organization_id}) ${what}.\nStatus: ${request.status}.\n`,
        audit: { kind: `staff_${input.kind}`, dueAt: input.dueAt, ...(input.daysBefore ? { daysBefore: input.daysBefore } : {}) },
      });
    },
  };
}
