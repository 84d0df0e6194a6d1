import { sql, type CommonQueryMethods } from 'slonik';
import { SUPPRESSION_SCOPES } from '../domain/suppression.ts';
import { DEFAULT_DELETION_SCHEMA } from './deletion-table.ts';

// The warehouse's <schema>.suppressions, next to deletion_requests: one row per subject and scope, for downstream
// tools to read incrementally (`seq` advances on every change: read `where seq > <last seen>`).

/** Creates the sequence and table when missing (worker start, and lazily before the first write); idempotent. */
export async function ensureSuppressionTable(db: CommonQueryMethods, schema: string = DEFAULT_DELETION_SCHEMA): Promise<void> {
  const seq = sql.identifier([schema, 'suppressions_seq']);
  await db.query(sql.unsafe`create schema if not exists ${sql.identifier([schema])}`);
  await db.query(sql.unsafe`create sequence if not exists ${seq}`);
  await db.query(sql.unsafe`
    create table if not exists ${sql.identifier([schema, 'suppressions'])} (
      suppression_id uuid primary key default gen_random_uuid(),
      -- advances on every change (created, lifted): downstream tools read where seq > the last one they saw
      seq bigint not null unique default nextval(${sql.literalValue(`${schema}.suppressions_seq`)}::regclass),
      request_id uuid not null,
      scope text not null check (scope in (${sql.join(SUPPRESSION_SCOPES.map((s) => sql.literalValue(s)), sql.fragment`, `)})),
      basis text not null,
      regulation text not null,
      user_key text,
      email text,
      customer_id text,
      phone text,
      effective_at timestamptz not null default now(),
      lifted_at timestamptz,
      lifted_by text,
      lift_reason text,
      updated_at timestamptz not null default now(),
      unique (request_id, scope)
    )`);
}
