import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { ActivityDeps } from './index.ts';

// The warehouse's deletion_requests table: one row per erasure request, incremental (seq) and timestamped, for
// downstream systems (ad platforms, CRMs, purge jobs). Rows move from dsrflow.deletion_outbox in batches; the insert
// and the outbox update commit together, so a crash midway loses nothing and a re-run duplicates nothing.

export const DEFAULT_DELETION_SCHEMA = 'delta_storage';

/** Creates the schema and table when missing (worker start); idempotent. */
export async function ensureDeletionTable(db: CommonQueryMethods, schema: string = DEFAULT_DELETION_SCHEMA): Promise<void> {
  await db.query(sql.unsafe`create schema if not exists ${sql.identifier([schema])}`);
  await db.query(sql.unsafe`
    create table if not exists ${sql.identifier([schema, 'deletion_requests'])} (
      seq bigint generated always as identity unique,
      request_id uuid primary key,
      user_key text,
      email text,
      customer_id text,
      phone text,
      regulation text not null,
      requested_at timestamptz not null,
      pushed_at timestamptz not null default now()
    )`);
}

/** Enters an erasure request into the outbox (once). */
export async function enqueueDeletion(db: CommonQueryMethods, requestId: string, userKey: string | null): Promise<void> {
  await db.query(sql.unsafe`
    insert into dsrflow.deletion_outbox (request_id, user_key, regulation, requested_at)
    select r.id, ${userKey}, r.regulation, r.received_at from dsrflow.requests r where r.id = ${requestId}
    on conflict (request_id) do nothing`);
}

/**
 * Moves up to `batchSize` pending rows; returns how many left the outbox. One statement, so one transaction: the
 * outbox rows are locked (skip locked: two pushes at once take different rows), marked pushed and inserted together.
 */
export async function pushDeletionBatch(pool: CommonQueryMethods, schema: string, batchSize: number): Promise<number> {
  const target = sql.identifier([schema, 'deletion_requests']);
  // By ctid: the rows just locked, without a second index lookup per row. The rows come from the update's
  // RETURNING, so the outbox is read once (joining it back would scan it). `not exists` keeps a row already in the
  // table from being inserted twice, at a quarter of the cost of ON CONFLICT's speculative insertion; the primary
  // key still refuses a duplicate from a concurrent writer (the statement fails and the activity retries).
  return pool.oneFirst(sql.type(z.object({ moved: z.number() }))`
    with moved as (
      update dsrflow.deletion_outbox o set pushed_at = now()
      where o.ctid = any(array(
        select ctid from dsrflow.deletion_outbox where pushed_at is null
        order by enqueued_at, request_id limit ${batchSize} for update skip locked))
      returning o.request_id, o.user_key, o.regulation, o.requested_at, o.enqueued_at
    ), landed as (
      insert into ${target} (request_id, user_key, email, customer_id, phone, regulation, requested_at)
      select m.request_id, m.user_key, s.email, s.customer_id, s.phone, m.regulation, m.requested_at
      from moved m left join dsrflow.request_subjects s on s.request_id = m.request_id
      where not exists (select from ${target} d where d.request_id = m.request_id)
      order by m.enqueued_at, m.request_id
    )
    select count(*)::int as moved from moved`);
}

export function createDeletionTableActivities(deps: Pick<ActivityDeps, 'pool' | 'logger' | 'deletionRequestsSchema'>) {
  const schema = deps.deletionRequestsSchema ?? DEFAULT_DELETION_SCHEMA;
  return {
    /** One batch of the hourly push; counts only. */
    async pushDeletionRequests(input: { batchSize: number }): Promise<{ moved: number }> {
      const moved = await pushDeletionBatch(deps.pool, schema, input.batchSize);
      if (moved > 0) deps.logger.info('deletion requests pushed', { moved, schema });
      return { moved };
    },
  };
}
