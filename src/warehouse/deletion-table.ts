import { sql, UniqueIntegrityConstraintViolationError, type CommonQueryMethods, type DatabasePool } from 'slonik';
import type { Logger } from '../platform/logger.ts';
import { z } from 'zod';
import type { HashedIdentifiers } from './identifier-hashes.ts';

// The warehouse's deletion_requests table: one row per erasure request, incremental (seq) and timestamped, for
// downstream systems (ad platforms, CRMs, purge jobs). A request enters dsrflow.deletion_outbox (the ledger, once)
// and dsrflow.deletion_queue (what is still to push) together. The push deletes queue rows and inserts them in one
// statement, so a crash midway loses nothing and a re-run duplicates nothing.

export const DEFAULT_DELETION_SCHEMA = 'delta_storage';

/** Creates the schema and table when missing, or adds the columns a later version writes (worker start); idempotent. */
export async function ensureDeletionTable(db: CommonQueryMethods, schema: string = DEFAULT_DELETION_SCHEMA): Promise<void> {
  const table = sql.identifier([schema, 'deletion_requests']);
  await db.query(sql.unsafe`create schema if not exists ${sql.identifier([schema])}`);
  await db.query(sql.unsafe`
    create table if not exists ${table} (
      seq bigint generated always as identity unique,
      request_id uuid primary key,
      user_key text,
      email text,
      customer_id text,
      phone text,
      regulation text not null,
      requested_at timestamptz not null,
      pushed_at timestamptz not null default now(),
      email_sha256 text,
      phone_sha256 text
    )`);
  // A table created before the hashes existed gets them last too, so every install has one column order. Looked up
  // first: ALTER TABLE waits for an exclusive lock even when it has nothing to add, and readers may hold the table.
  const hashes = await db.oneFirst(sql.type(z.object({ n: z.number() }))`
    select count(*)::int as n from information_schema.columns
    where table_schema = ${schema} and table_name = 'deletion_requests' and column_name in ('email_sha256', 'phone_sha256')`);
  if (hashes < 2) await db.query(sql.unsafe`alter table ${table} add column if not exists email_sha256 text, add column if not exists phone_sha256 text`);
}

/**
 * Enters an erasure request into the ledger, once (its primary key; the row is never removed). The ledger's trigger
 * (migration 011) queues it in the same transaction with the identifiers the requester gave; when the ledger row is
 * new, the queue row then gets `identifiers` (those the warehouse held, captured before anything was erased) and
 * their hashes; without them it keeps the requester's and no hashes, as a worker before migration 013 queued it.
 * The ledger itself holds no identifier: they stay in the queue only until the push moves them.
 */
export async function enqueueDeletion(db: CommonQueryMethods, requestId: string, userKey: string | null, identifiers?: HashedIdentifiers): Promise<void> {
  await db.transaction(async (tx) => {
    const entered = await tx.maybeOneFirst(sql.type(z.object({ request_id: z.string() }))`
      insert into dsrflow.deletion_outbox (request_id, user_key, regulation, requested_at)
      select r.id, ${userKey}, r.regulation, r.received_at from dsrflow.requests r where r.id = ${requestId}
      on conflict (request_id) do nothing
      returning request_id`);
    if (entered === null || identifiers === undefined) return;
    await tx.query(sql.unsafe`
      update dsrflow.deletion_queue set email = ${identifiers.email}, customer_id = ${identifiers.customerId}, phone = ${identifiers.phone},
        email_sha256 = ${identifiers.emailSha256}, phone_sha256 = ${identifiers.phoneSha256}
      where request_id = ${requestId}`);
  });
}

/**
 * Moves up to `batchSize` queued rows, oldest first; returns how many left the queue. One statement, so one
 * transaction: the rows are locked (skip locked: two pushes at once take different rows), deleted from the queue
 * and inserted together.
 *
 * A request is queued once and a batch is atomic, so a queued row is normally not in the table yet, and the
 * statement does not look: the primary key checks it anyway. When a row is there all the same (the app database
 * restored from a backup older than the warehouse, a row written by hand), the key refuses the batch and it runs
 * again skipping the rows already there. Looking every time costs ~0.2x of the floor (bench/README.md).
 */
export async function pushDeletionBatch(pool: DatabasePool, schema: string, batchSize: number, logger?: Logger): Promise<number> {
  try {
    return (await moveBatch(pool, schema, batchSize, false)).moved;
  } catch (error) {
    // A pool, not a transaction: the refused statement has rolled back on its own, so the batch can run again.
    if (!(error instanceof UniqueIntegrityConstraintViolationError)) throw error;
    const { moved, landed } = await moveBatch(pool, schema, batchSize, true);
    logger?.warn('deletion requests already in the table were left as they are', { skipped: moved - landed, schema });
    return moved;
  }
}

function moveBatch(pool: DatabasePool, schema: string, batchSize: number, skipLanded: boolean): Promise<{ moved: number; landed: number }> {
  const target = sql.identifier([schema, 'deletion_requests']);
  // By ctid: the rows just locked, without a second index lookup per row. The rows come from the delete's
  // RETURNING, so the queue is read once. `not exists` rather than ON CONFLICT DO NOTHING: the speculative
  // insertion costs four times as much. A duplicate from a concurrent writer still fails the statement (retried).
  const landedAlready = skipLanded ? sql.fragment`where not exists (select from ${target} d where d.request_id = m.request_id)` : sql.fragment``;
  return pool.one(sql.type(z.object({ moved: z.number(), landed: z.number() }))`
    with moved as (
      delete from dsrflow.deletion_queue q
      where q.ctid = any(array(
        select ctid from dsrflow.deletion_queue order by seq limit ${batchSize} for update skip locked))
      returning q.seq, q.request_id, q.user_key, q.email, q.customer_id, q.phone, q.email_sha256, q.phone_sha256, q.regulation, q.requested_at
    ), landed as (
      insert into ${target} (request_id, user_key, email, customer_id, phone, email_sha256, phone_sha256, regulation, requested_at)
      select m.request_id, m.user_key, m.email, m.customer_id, m.phone, m.email_sha256, m.phone_sha256, m.regulation, m.requested_at
      from moved m ${landedAlready}
      order by m.seq
      returning 1
    )
    select (select count(*)::int from moved) as moved, (select count(*)::int from landed) as landed`);
}
