import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

// The corrections of a rectification request and what applying them did, in dsrflow. The values are personal data:
// they stay here (Temporal carries the request id) and are read back only through the access-controlled route.

/** One correction as the API accepted it: `rowKey` names the row of a related model (null for the users model). */
export interface NewCorrection {
  model: string;
  field: string;
  rowKey: string | null;
  newValue: string | null;
}

export const correctionRow = z.object({
  request_id: z.string(),
  position: z.number().int(),
  model: z.string(),
  field: z.string(),
  row_key: z.string().nullable(),
  new_value: z.string().nullable(),
  before_value: z.string().nullable(),
  after_value: z.string().nullable(),
  applied_at: z.string().nullable(),
});
export type CorrectionRow = z.infer<typeof correctionRow>;

export type RectificationOutcome = 'applied' | 'no_data' | 'ambiguous';

export const outcomeRow = z.object({
  request_id: z.string(),
  outcome: z.enum(['applied', 'no_data', 'ambiguous']),
  user_key: z.string().nullable(),
  applied: z.number().int(),
  decided_at: z.string(),
});
export type OutcomeRow = z.infer<typeof outcomeRow>;

/** Stores the corrections in body order; called in the transaction that records the request. */
export async function insertCorrections(db: CommonQueryMethods, requestId: string, corrections: readonly NewCorrection[]): Promise<void> {
  if (corrections.length === 0) return;
  const rows = corrections.map((c, position) => ({ position, model: c.model, field: c.field, row_key: c.rowKey, new_value: c.newValue }));
  await db.query(sql.unsafe`
    insert into dsrflow.rectification_items (request_id, position, model, field, row_key, new_value)
    select ${requestId}, r.position, r.model, r.field, r.row_key, r.new_value
    from jsonb_to_recordset(${sql.jsonb(rows)}) as r (position integer, model text, field text, row_key text, new_value text)`);
}

export const listCorrections = (db: CommonQueryMethods, requestId: string) =>
  db.any(sql.type(correctionRow)`select * from dsrflow.rectification_items where request_id = ${requestId} order by position`);

/** The corrections, each row locked until the transaction ends: one run applies them, a concurrent retry waits. */
export const lockCorrections = (db: CommonQueryMethods, requestId: string) =>
  db.any(sql.type(correctionRow)`select * from dsrflow.rectification_items where request_id = ${requestId} order by position for update`);

export async function markCorrectionApplied(db: CommonQueryMethods, c: { requestId: string; position: number; before: string | null; after: string | null }): Promise<void> {
  await db.query(sql.unsafe`
    update dsrflow.rectification_items set before_value = ${c.before}, after_value = ${c.after}, applied_at = now()
    where request_id = ${c.requestId} and position = ${c.position} and applied_at is null`);
}

export const findRectificationOutcome = (db: CommonQueryMethods, requestId: string) =>
  db.maybeOne(sql.type(outcomeRow)`select * from dsrflow.rectification_outcomes where request_id = ${requestId}`);

/** Records the outcome once; a second call keeps the first (the caller holds the lock, so there is none). */
export async function recordRectificationOutcome(db: CommonQueryMethods, o: { requestId: string; outcome: RectificationOutcome; userKey: string | null; applied: number }): Promise<void> {
  await db.query(sql.unsafe`
    insert into dsrflow.rectification_outcomes (request_id, outcome, user_key, applied)
    values (${o.requestId}, ${o.outcome}, ${o.userKey}, ${o.applied})
    on conflict (request_id) do nothing`);
}
