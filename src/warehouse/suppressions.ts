import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { SUPPRESSION_SCOPES, type SuppressionScope } from '../domain/suppression.ts';
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

export const suppressionRow = z.object({
  suppression_id: z.string(),
  seq: z.coerce.number(),
  request_id: z.string(),
  scope: z.enum(SUPPRESSION_SCOPES),
  basis: z.string(),
  regulation: z.string(),
  effective_at: z.string(),
  lifted_at: z.string().nullable(),
  lifted_by: z.string().nullable(),
  lift_reason: z.string().nullable(),
});
export type SuppressionRow = z.infer<typeof suppressionRow>;

// Identifiers are left out of reads: staff see them on the request itself.
const columns = sql.fragment`suppression_id, seq, request_id, scope, basis, regulation, effective_at, lifted_at, lifted_by, lift_reason`;
const table = (schema: string) => sql.identifier([schema, 'suppressions']);

async function tableExists(db: CommonQueryMethods, schema: string): Promise<boolean> {
  return db.oneFirst(sql.type(z.object({ present: z.boolean() }))`select to_regclass(${`${schema}.suppressions`}) is not null as present`);
}

/** A request's suppressions (none before the worker first wrote one: the table may not exist yet). */
export async function listSuppressions(db: CommonQueryMethods, requestId: string, schema: string = DEFAULT_DELETION_SCHEMA) {
  if (!(await tableExists(db, schema))) return [];
  return db.any(sql.type(suppressionRow)`select ${columns} from ${table(schema)} where request_id = ${requestId} order by scope`);
}

export async function findSuppression(db: CommonQueryMethods, suppressionId: string, schema: string = DEFAULT_DELETION_SCHEMA) {
  if (!(await tableExists(db, schema))) return null;
  return db.maybeOne(sql.type(suppressionRow)`select ${columns} from ${table(schema)} where suppression_id = ${suppressionId}`);
}

export interface NewSuppressions {
  requestId: string;
  scopes: readonly SuppressionScope[];
  basis: string;
  regulation: string;
  /** The warehouse key when exactly one user matched; otherwise the identifiers alone. */
  userKey: string | null;
  identifiers: { email: string | null; customerId: string | null; phone: string | null };
}

/** One row per scope, once each (a retry inserts nothing): the scopes inserted now. */
export async function insertSuppressions(db: CommonQueryMethods, schema: string, s: NewSuppressions): Promise<readonly string[]> {
  return db.anyFirst(sql.type(z.object({ scope: z.string() }))`
    insert into ${table(schema)} (request_id, scope, basis, regulation, user_key, email, customer_id, phone)
    select ${s.requestId}, scope, ${s.basis}, ${s.regulation}, ${s.userKey}, ${s.identifiers.email}, ${s.identifiers.customerId}, ${s.identifiers.phone}
    from unnest(${sql.array([...s.scopes], 'text')}) as scope
    on conflict (request_id, scope) do nothing
    returning scope`);
}

export async function suppressionIds(db: CommonQueryMethods, schema: string, requestId: string): Promise<readonly string[]> {
  return db.anyFirst(sql.type(z.object({ suppression_id: z.string() }))`
    select suppression_id from ${table(schema)} where request_id = ${requestId} order by scope`);
}

/** Marks a suppression lifted once (its seq advances, so readers see the change); null when it already was. */
export async function markSuppressionLifted(db: CommonQueryMethods, schema: string, l: { suppressionId: string; liftedBy: string; reason: string }) {
  return db.maybeOne(sql.type(z.object({ scope: z.string() }))`
    update ${table(schema)}
    set lifted_at = now(), lifted_by = ${l.liftedBy}, lift_reason = ${l.reason}, updated_at = now(),
        seq = nextval(${`${schema}.suppressions_seq`}::regclass)
    where suppression_id = ${l.suppressionId} and lifted_at is null
    returning scope`);
}
