import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { exportRow } from './exports.ts';
import { listedRequestRow, listOrder, listQuery, type RequestListFilter } from './request-list.ts';

// Reads only the staff console needs (the API's answers carry these differently or not yet).

/** A request's export files, with how often the subject downloaded each (their link's count). */
export const listExports = (db: CommonQueryMethods, requestId: string) =>
  db.any(sql.type(exportRow.extend({ downloads: z.coerce.number(), last_downloaded_at: z.string().nullable() }))`
    select x.*, coalesce(d.download_count, 0) as downloads, d.last_downloaded_at
    from dsrflow.exports x left join dsrflow.download_tokens d on d.export_id = x.id
    where x.request_id = ${requestId} order by x.format`);

const noteRow = z.object({ id: z.uuid(), author: z.string(), body: z.string(), created_at: z.string() });
export const listNotes = (db: CommonQueryMethods, requestId: string) =>
  db.any(sql.type(noteRow)`select id, author, body, created_at from dsrflow.decision_notes where request_id = ${requestId} order by created_at`);

export const listOrganizations = (db: CommonQueryMethods) =>
  db.any(sql.type(z.object({ id: z.string(), name: z.string() }))`select id, name from dsrflow.organizations order by id`);

export const consoleListRow = listedRequestRow.extend({ identity_outcome: z.enum(['verified', 'failed', 'expired']).nullable() });

/**
 * The console list's page (docs/console.md): the shared list query, and how each listed request's identity check
 * ended, from the audit trail: verified, failed (rejected by the verification decision) or expired (not verified
 * in the window); null: not decided (yet). One statement: the audit trail is read only for the page's rows, each
 * through its (request_id, id) index.
 */
export const consoleListRequests = (db: CommonQueryMethods, f: RequestListFilter) =>
  db.any(sql.type(consoleListRow)`
    select page.*, (
      select case when a.to_status = 'verified' then 'verified' when a.to_status = 'unverified' then 'expired' else 'failed' end
      from dsrflow.audit_events a
      where a.request_id = page.id
        and (a.to_status in ('verified', 'unverified') or (a.to_status = 'rejected' and a.reason like 'identity verification failed%'))
      order by a.id limit 1
    ) as identity_outcome
    from (${listQuery(f)}) page
    order by ${listOrder(f)}`);

const overviewRow = z.object({
  regulation: z.string(),
  open: z.coerce.number(),
  overdue: z.coerce.number(),
  due_this_week: z.coerce.number(),
  completed: z.coerce.number(),
  on_time: z.coerce.number(),
  median_days: z.coerce.number().nullable(),
});
const openByStatusRow = z.object({ status: z.string(), n: z.coerce.number() });

/**
 * The DPO overview's figures per regulation: open now, overdue, due in the next 7 days; and over the 12 months
 * before `now`, requests answered (completed or rejected), how many by their (extended) due date, the median days.
 */
export async function overviewFigures(db: CommonQueryMethods, f: { organizationId?: string | undefined; now: string }) {
  const org = f.organizationId === undefined ? sql.fragment`true` : sql.fragment`organization_id = ${f.organizationId}`;
  const due = sql.fragment`coalesce(extended_due_at, due_at)`;
  const closed = sql.fragment`status in ('completed', 'rejected') and completed_at >= ${f.now}::timestamptz - interval '12 months'`;
  const open = sql.fragment`status not in ('completed', 'rejected', 'cancelled', 'unverified')`;
  const [regulations, statuses] = await Promise.all([
    db.any(sql.type(overviewRow)`
      select regulation,
        count(*) filter (where ${open}) as open,
        count(*) filter (where ${open} and ${due} < ${f.now}::timestamptz) as overdue,
        count(*) filter (where ${open} and ${due} >= ${f.now}::timestamptz and ${due} < ${f.now}::timestamptz + interval '7 days') as due_this_week,
        count(*) filter (where ${closed}) as completed,
        count(*) filter (where ${closed} and completed_at <= ${due}) as on_time,
        percentile_cont(0.5) within group (order by extract(epoch from completed_at - received_at) / 86400) filter (where ${closed}) as median_days
      from dsrflow.requests where ${org}
      group by regulation order by regulation`),
    db.any(sql.type(openByStatusRow)`
      select status, count(*) as n from dsrflow.requests where ${org} and ${open} group by status`),
  ]);
  return { regulations, statuses };
}

/** Lifts staff asked for, by suppression (the warehouse row shows the lift only once its workflow has run). */
export const listSuppressionLifts = (db: CommonQueryMethods, requestId: string) =>
  db.any(sql.type(z.object({ suppression_id: z.string(), lifted_by: z.string(), requested_at: z.string() }))`
    select suppression_id::text, lifted_by, requested_at from dsrflow.suppression_lifts where request_id = ${requestId}`);

/**
 * A staff member read a warehouse customer's profile (personal data): recorded in the audit trail with the reader,
 * the identifiers that found them named by kind only, never their values.
 */
export async function recordProfileRead(db: CommonQueryMethods, r: { eventKey: string; actor: string; matchedBy: readonly string[] }): Promise<void> {
  await db.query(sql.unsafe`
    insert into dsrflow.audit_events (event_key, actor, action, reason, details)
    values (${r.eventKey}, ${r.actor}, 'customer.viewed', 'customer profile read in the staff console', ${sql.jsonb({ matchedBy: [...r.matchedBy] })})`);
}
