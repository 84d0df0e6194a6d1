import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

// Staff's lifts of suppressions (dsrflow.suppression_lifts); the suppressions themselves are the warehouse's
// (src/warehouse/suppressions.ts).

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
