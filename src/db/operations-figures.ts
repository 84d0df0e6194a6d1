import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { TERMINAL_STATUSES } from '../domain/request.ts';

// What an operator alerts on, read from the request projection at scrape time (one grouped scan of open requests).

const openRow = z.object({
  status: z.string(),
  regulation: z.string(),
  open: z.coerce.number(),
  overdue: z.coerce.number(),
  due_within_7_days: z.coerce.number(),
});

export async function openRequestFigures(db: CommonQueryMethods, now: Date) {
  const at = now.toISOString();
  const due = sql.fragment`coalesce(extended_due_at, due_at)`;
  return db.any(sql.type(openRow)`
    select status, regulation,
      count(*) as open,
      count(*) filter (where ${due} < ${at}::timestamptz) as overdue,
      count(*) filter (where ${due} >= ${at}::timestamptz and ${due} < ${at}::timestamptz + interval '7 days') as due_within_7_days
    from dsrflow.requests
    where status <> all(${sql.array([...TERMINAL_STATUSES], 'text')})
    group by status, regulation`);
}

/** Seconds since the oldest erasure still waiting for the hourly push was queued (0 when none waits). */
export const oldestPendingPushSeconds = (db: CommonQueryMethods, now: Date) =>
  db.oneFirst(sql.type(z.object({ seconds: z.coerce.number() }))`
    select coalesce(extract(epoch from ${now.toISOString()}::timestamptz - min(o.enqueued_at)), 0) as seconds
    from dsrflow.deletion_queue q join dsrflow.deletion_outbox o on o.request_id = q.request_id`);
