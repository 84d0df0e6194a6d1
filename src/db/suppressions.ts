import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { SUPPRESSION_SCOPES } from '../domain/suppression.ts';

// The warehouse's suppressions table (created by the worker: activities/suppression), read for the request detail
// and the lift route. Identifiers are left out: staff see them on the request itself.

export const DEFAULT_WAREHOUSE_OUTBOUND_SCHEMA = 'delta_storage';

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

const columns = sql.fragment`suppression_id, seq, request_id, scope, basis, regulation, effective_at, lifted_at, lifted_by, lift_reason`;

async function tableExists(db: CommonQueryMethods, schema: string): Promise<boolean> {
  return db.oneFirst(sql.type(z.object({ present: z.boolean() }))`select to_regclass(${`${schema}.suppressions`}) is not null as present`);
}

/** A request's suppressions (none before the worker first wrote one: the table may not exist yet). */
export async function listSuppressions(db: CommonQueryMethods, requestId: string, schema: string = DEFAULT_WAREHOUSE_OUTBOUND_SCHEMA) {
  if (!(await tableExists(db, schema))) return [];
  return db.any(sql.type(suppressionRow)`select ${columns} from ${sql.identifier([schema, 'suppressions'])} where request_id = ${requestId} order by scope`);
}

export async function findSuppression(db: CommonQueryMethods, suppressionId: string, schema: string = DEFAULT_WAREHOUSE_OUTBOUND_SCHEMA) {
  if (!(await tableExists(db, schema))) return null;
  return db.maybeOne(sql.type(suppressionRow)`select ${columns} from ${sql.identifier([schema, 'suppressions'])} where suppression_id = ${suppressionId}`);
}

const liftRow = z.object({ suppression_id: z.string(), request_id: z.string(), reason: z.string(), lifted_by: z.string(), workflow_started_at: z.string().nullable() });

/** Records staff's lift (who, why) before its workflow starts; a second call returns the first. */
export async function recordLift(db: CommonQueryMethods, l: { suppressionId: string; requestId: string; reason: string; liftedBy: string }) {
  const inserted = await db.maybeOne(sql.type(liftRow)`
    insert into dsrflow.suppression_lifts (suppression_id, request_id, reason, lifted_by)
    values (${l.suppressionId}, ${l.requestId}, ${l.reason}, ${l.liftedBy})
    on conflict (suppression_id) do nothing
    returning suppression_id, request_id, reason, lifted_by, workflow_started_at`);
  if (inserted) return { row: inserted, created: true };
  return { row: await db.one(sql.type(liftRow)`select suppression_id, request_id, reason, lifted_by, workflow_started_at from dsrflow.suppression_lifts where suppression_id = ${l.suppressionId}`), created: false };
}

export async function markLiftStarted(db: CommonQueryMethods, suppressionId: string): Promise<void> {
  await db.query(sql.unsafe`update dsrflow.suppression_lifts set workflow_started_at = coalesce(workflow_started_at, now()) where suppression_id = ${suppressionId}`);
}

export const listUnstartedLifts = (db: CommonQueryMethods) =>
  db.any(sql.type(liftRow)`select suppression_id, request_id, reason, lifted_by, workflow_started_at from dsrflow.suppression_lifts where workflow_started_at is null order by requested_at`);
