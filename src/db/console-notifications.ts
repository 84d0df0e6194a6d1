import { sql, type CommonQueryMethods, type FragmentSqlToken as SqlFragment } from 'slonik';
import { z } from 'zod';

// The console's notification centre reads the audit trail: the events staff are told of (a new request, one
// awaiting assessment, and every email the workflow sends to STAFF_NOTIFY_EMAIL, recorded as notice.sent with a
// staff_ kind). Nothing is stored twice; each staff member's read state is one marker (migration 016).

// Must read as the partial index audit_events_console_notice_idx's predicate, so the planner uses it (the audit
// trail is always `a` here).
const isNotice = sql.fragment`(a.action in ('request.received', 'request.in_assessment') or (a.action = 'notice.sent' and starts_with(a.details ->> 'kind', 'staff_')))`;
const scoped = (organizationId: string | undefined) => (organizationId === undefined ? sql.fragment`true` : sql.fragment`a.organization_id = ${organizationId}`);
const marker = (tokenId: SqlFragment | string) => sql.fragment`coalesce((select read_up_to from dsrflow.console_notification_reads where token_id = ${tokenId}), 0)`;

/** A staff member starts with nothing unread: the marker is set at their first sign-in. */
export async function startReading(db: CommonQueryMethods, tokenId: string): Promise<void> {
  await db.query(sql.unsafe`
    insert into dsrflow.console_notification_reads (token_id, read_up_to)
    select ${tokenId}, coalesce(max(id), 0) from dsrflow.audit_events
    on conflict (token_id) do nothing`);
}

// Unread: above the reader's marker and not read on its own.
const unreadEvent = (tokenId: SqlFragment | string) => sql.fragment`(a.id > ${marker(tokenId)}
  and not exists (select 1 from dsrflow.console_notification_read_events r where r.token_id = ${tokenId} and r.event_id = a.id))`;

/**
 * How many are unread, counted up to 100 (the badge shows 99+ beyond), as an expression over the reader's token id
 * and organization (null: every organization), so the session check reads it in the same statement.
 */
export const unreadCountOf = (tokenId: SqlFragment, organizationId: SqlFragment) => sql.fragment`(
  select count(*) from (
    select 1 from dsrflow.audit_events a where ${isNotice} and (${organizationId} is null or a.organization_id = ${organizationId}) and ${unreadEvent(tokenId)} limit 100
  ) unread)`;

const noticeRow = z.object({ id: z.coerce.number(), request_id: z.string().nullable(), occurred_at: z.string(), action: z.string(), kind: z.string().nullable(), days_before: z.coerce.number().nullable(), unread: z.boolean() });

export const listNotifications = (db: CommonQueryMethods, tokenId: string, organizationId: string | undefined, limit = 100) =>
  db.any(sql.type(noticeRow)`
    select a.id, a.request_id, a.occurred_at, a.action, a.details ->> 'kind' as kind, (a.details ->> 'daysBefore')::int as days_before, ${unreadEvent(tokenId)} as unread
    from dsrflow.audit_events a where ${isNotice} and ${scoped(organizationId)}
    order by a.id desc limit ${limit}`);

/** Everything up to this event is read (never moves back); what was read one by one below it is folded in. */
export async function markRead(db: CommonQueryMethods, tokenId: string, upTo: number): Promise<void> {
  await db.query(sql.unsafe`
    with moved as (
      insert into dsrflow.console_notification_reads (token_id, read_up_to) values (${tokenId}, ${upTo})
      on conflict (token_id) do update set read_up_to = greatest(dsrflow.console_notification_reads.read_up_to, excluded.read_up_to), read_at = now()
      returning read_up_to
    )
    delete from dsrflow.console_notification_read_events r using moved where r.token_id = ${tokenId} and r.event_id <= moved.read_up_to`);
}

/**
 * One notification is read: only one this reader may see (a notice, of their organization when they have one).
 * Answers false when there is no such notification.
 */
export async function markOneRead(db: CommonQueryMethods, tokenId: string, organizationId: string | undefined, eventId: number): Promise<boolean> {
  const found = await db.maybeOneFirst(sql.type(z.object({ id: z.coerce.number() }))`
    with notice as (
      select a.id from dsrflow.audit_events a where a.id = ${eventId} and ${isNotice} and ${scoped(organizationId)}
    ), marked as (
      insert into dsrflow.console_notification_read_events (token_id, event_id)
      select ${tokenId}, notice.id from notice where notice.id > ${marker(tokenId)}
      on conflict do nothing
    )
    select id from notice`);
  return found !== null;
}
