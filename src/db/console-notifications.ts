import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

// The console's notification centre reads the audit trail: the events staff are told of (a new request, one
// awaiting assessment, and every email the workflow sends to STAFF_NOTIFY_EMAIL, recorded as notice.sent with a
// staff_ kind). Nothing is stored twice; each staff member's read state is one marker (migration 016).

// Must read as the partial index audit_events_console_notice_idx's predicate, so the planner uses it.
const isNotice = sql.fragment`(action in ('request.received', 'request.in_assessment') or (action = 'notice.sent' and starts_with(details ->> 'kind', 'staff_')))`;
const scoped = (organizationId: string | undefined) => (organizationId === undefined ? sql.fragment`true` : sql.fragment`organization_id = ${organizationId}`);
const marker = (tokenId: string) => sql.fragment`coalesce((select read_up_to from dsrflow.console_notification_reads where token_id = ${tokenId}), 0)`;

/** A staff member starts with nothing unread: the marker is set at their first sign-in. */
export async function startReading(db: CommonQueryMethods, tokenId: string): Promise<void> {
  await db.query(sql.unsafe`
    insert into dsrflow.console_notification_reads (token_id, read_up_to)
    select ${tokenId}, coalesce(max(id), 0) from dsrflow.audit_events
    on conflict (token_id) do nothing`);
}

/** How many are unread, counted up to 100 (the badge shows 99+ beyond). */
export const unreadCount = (db: CommonQueryMethods, tokenId: string, organizationId: string | undefined) =>
  db.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`
    select count(*) as n from (
      select 1 from dsrflow.audit_events where ${isNotice} and ${scoped(organizationId)} and id > ${marker(tokenId)} limit 100
    ) unread`);

const noticeRow = z.object({ id: z.coerce.number(), request_id: z.string().nullable(), occurred_at: z.string(), action: z.string(), kind: z.string().nullable(), days_before: z.coerce.number().nullable(), unread: z.boolean() });

export const listNotifications = (db: CommonQueryMethods, tokenId: string, organizationId: string | undefined, limit = 100) =>
  db.any(sql.type(noticeRow)`
    select id, request_id, occurred_at, action, details ->> 'kind' as kind, (details ->> 'daysBefore')::int as days_before, id > ${marker(tokenId)} as unread
    from dsrflow.audit_events where ${isNotice} and ${scoped(organizationId)}
    order by id desc limit ${limit}`);

/** Everything up to this event is read (never moves back). */
export async function markRead(db: CommonQueryMethods, tokenId: string, upTo: number): Promise<void> {
  await db.query(sql.unsafe`
    insert into dsrflow.console_notification_reads (token_id, read_up_to) values (${tokenId}, ${upTo})
    on conflict (token_id) do update set read_up_to = greatest(dsrflow.console_notification_reads.read_up_to, excluded.read_up_to), read_at = now()`);
}
