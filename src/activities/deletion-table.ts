import { sql, type CommonQueryMethods, type DatabasePool } from 'slonik';
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

/** Moves up to `batchSize` pending rows in one transaction; returns how many left the outbox. */
export async function pushDeletionBatch(pool: DatabasePool, schema: string, batchSize: number): Promise<number> {
  return pool.transaction(async (tx) => {
    const moved = await tx.anyFirst(sql.type(z.object({ request_id: z.string() }))`
      with batch as (
        select request_id from dsrflow.deletion_outbox where pushed_at is null
        order by enqueued_at, request_id limit ${batchSize} for update skip locked
      ), landed as (
        insert into ${sql.identifier([schema, 'deletion_requests'])} (request_id, user_key, email, customer_id, phone, regulation, requested_at)
        select o.request_id, o.user_key, s.email, s.customer_id, s.phone, o.regulation, o.requested_at
        from dsrflow.deletion_outbox o join batch b using (request_id) left join dsrflow.request_subjects s on s.request_id = o.request_id
        order by o.enqueued_at, o.request_id
        on conflict (request_id) do nothing
      )
      update dsrflow.deletion_outbox o set pushed_at = now() from batch b where o.request_id = b.request_id
      returning o.request_id`);
    return moved.length;
  });
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
