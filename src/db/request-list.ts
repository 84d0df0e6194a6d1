import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { requestRow } from './requests.ts';

// Staff listings and the quarterly figures: read from the request projection in PostgreSQL, never from Temporal.

export interface RequestListFilter {
  organizationId?: string | undefined;
  status?: readonly string[] | undefined;
  type?: readonly string[] | undefined;
  regulation?: readonly string[] | undefined;
  overdue?: boolean | undefined;
  dueBefore?: string | undefined;
  receivedFrom?: string | undefined;
  receivedTo?: string | undefined;
  /** Requests whose id starts with these hex digits (dashes left out), found on the primary key's order. */
  idPrefix?: string | undefined;
  /** The subject's stored id (not the DID). */
  subjectId?: string | undefined;
  duplicate?: boolean | undefined;
  duplicateUndecided?: boolean | undefined;
  overLimit?: boolean | undefined;
  /** Position after which the page starts, in the list order (received_at desc, id desc). */
  after?: { receivedAt: string; id: string } | undefined;
  /** 'due': soonest (effective) due date first, the page starting after `afterDue`; default newest received first. */
  sort?: 'received' | 'due' | undefined;
  afterDue?: { dueAt: string; id: string } | undefined;
  now: string;
  limit: number;
}

const effectiveDue = sql.fragment`coalesce(extended_due_at, due_at)`;
const isOverdue = (now: string) => sql.fragment`(completed_at is null and ${effectiveDue} < ${now}::timestamptz)`;

function conditions(f: Omit<RequestListFilter, 'after' | 'afterDue' | 'sort' | 'limit'>) {
  return [
    f.organizationId !== undefined ? sql.fragment`organization_id = ${f.organizationId}` : null,
    f.status?.length ? sql.fragment`status = any(${sql.array([...f.status], 'text')})` : null,
    f.type?.length ? sql.fragment`type = any(${sql.array([...f.type], 'text')})` : null,
    f.regulation?.length ? sql.fragment`regulation = any(${sql.array([...f.regulation], 'text')})` : null,
    f.overdue === true ? isOverdue(f.now) : f.overdue === false ? sql.fragment`not ${isOverdue(f.now)}` : null,
    f.dueBefore !== undefined ? sql.fragment`${effectiveDue} < ${f.dueBefore}::timestamptz` : null,
    f.receivedFrom !== undefined ? sql.fragment`received_at >= ${f.receivedFrom}::timestamptz` : null,
    f.receivedTo !== undefined ? sql.fragment`received_at < ${f.receivedTo}::timestamptz` : null,
    f.idPrefix !== undefined ? sql.fragment`id between ${uuidOf(f.idPrefix.padEnd(32, '0'))}::uuid and ${uuidOf(f.idPrefix.padEnd(32, 'f'))}::uuid` : null,
    f.subjectId !== undefined ? sql.fragment`subject_id = ${f.subjectId}` : null,
    f.duplicate === undefined ? null : f.duplicate ? sql.fragment`duplicate_of is not null` : sql.fragment`duplicate_of is null`,
    f.duplicateUndecided ? sql.fragment`duplicate_of is not null and duplicate_decision is null` : null,
    f.overLimit === undefined ? null : f.overLimit ? sql.fragment`over_limit is not null` : sql.fragment`over_limit is null`,
  ].filter((c) => c !== null);
}

const uuidOf = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;

const whereOf = (parts: ReturnType<typeof conditions>) =>
  parts.length > 0 ? sql.fragment`where ${sql.join(parts, sql.fragment` and `)}` : sql.fragment``;

export const listedRequestRow = requestRow.extend({ is_overdue: z.boolean() });

/** The order of a page: soonest (effective) due first, or newest received first; the id breaks ties. */
export const listOrder = (f: Pick<RequestListFilter, 'sort'>) => (f.sort === 'due' ? sql.fragment`${effectiveDue} asc, id asc` : sql.fragment`received_at desc, id desc`);

/** One page's statement (`listRequests`' query), for callers that read more beside each row of it. */
export function listQuery(f: RequestListFilter) {
  const parts = conditions(f);
  if (f.sort === 'due') {
    if (f.afterDue) parts.push(sql.fragment`(${effectiveDue}, id) > (${f.afterDue.dueAt}::timestamptz, ${f.afterDue.id}::uuid)`);
  } else if (f.after) parts.push(sql.fragment`(received_at, id) < (${f.after.receivedAt}::timestamptz, ${f.after.id}::uuid)`);
  return sql.fragment`
    select *, ${isOverdue(f.now)} as is_overdue from dsrflow.requests ${whereOf(parts)}
    order by ${listOrder(f)}
    limit ${f.limit + 1}`;
}

/** One page in a stable order (newest received first, id breaking ties); one extra row tells whether more follow. */
export const listRequests = (db: CommonQueryMethods, f: RequestListFilter) => db.any(sql.type(listedRequestRow)`${listQuery(f)}`);

const countRow = z.object({
  regulation: z.string(),
  status: z.string(),
  type: z.string(),
  n: z.coerce.number(),
  overdue: z.coerce.number(),
  duplicates: z.coerce.number(),
  duplicates_undecided: z.coerce.number(),
  over_limit: z.coerce.number(),
});
const medianRow = z.object({ regulation: z.string().nullable(), median_days: z.coerce.number().nullable() });

export type StatsFilter = Pick<RequestListFilter, 'organizationId' | 'receivedFrom' | 'receivedTo' | 'now'>;

/** Counts by (regulation, status, type) with their overdue share, and median days from receipt to completion. */
export async function requestStats(db: CommonQueryMethods, f: StatsFilter) {
  const where = whereOf(conditions(f));
  const [counts, medians] = await Promise.all([
    db.any(sql.type(countRow)`
      select regulation, status, type, count(*) as n, count(*) filter (where ${isOverdue(f.now)}) as overdue,
             count(*) filter (where duplicate_of is not null) as duplicates,
             count(*) filter (where duplicate_of is not null and duplicate_decision is null) as duplicates_undecided,
             count(*) filter (where over_limit is not null) as over_limit
      from dsrflow.requests ${where}
      group by regulation, status, type`),
    db.any(sql.type(medianRow)`
      select regulation,
        percentile_cont(0.5) within group (order by extract(epoch from completed_at - received_at) / 86400) as median_days
      from dsrflow.requests ${whereOf([...conditions(f), sql.fragment`status = 'completed'`, sql.fragment`completed_at is not null`])}
      group by grouping sets ((regulation), ())`),
  ]);
  return { counts, medians };
}
