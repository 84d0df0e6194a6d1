import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { LEGAL_EXCEPTIONS, type LegalException } from '../domain/actions.ts';
import type { ErasurePlan } from '../domain/erasure-plan.ts';
import { recordEvent } from './audit.ts';

// Erasure plans, the rows each pass erased per model, and legal holds: the records of erasure, in dsrflow.

export type PlanOutcome = 'planned' | 'no_data' | 'ambiguous';

export const erasurePlanRow = z.object({
  request_id: z.string(),
  pass: z.string(),
  as_of: z.string(),
  outcome: z.enum(['planned', 'no_data', 'ambiguous']),
  user_key: z.string().nullable(),
  plan: z.custom<ErasurePlan>((v) => typeof v === 'object' && v !== null && Array.isArray((v as ErasurePlan).models)),
  next_review_at: z.string().nullable(),
  created_at: z.string(),
  completed_at: z.string().nullable(),
});
export type ErasurePlanRow = z.infer<typeof erasurePlanRow>;

export const findErasurePlan = (db: CommonQueryMethods, requestId: string, pass: string) =>
  db.maybeOne(sql.type(erasurePlanRow)`select * from dsrflow.erasure_plans where request_id = ${requestId} and pass = ${pass}`);

/** Every pass of a request, first to last (the request detail and the notice read them). */
export const listErasurePlans = (db: CommonQueryMethods, requestId: string) =>
  db.any(sql.type(erasurePlanRow)`select * from dsrflow.erasure_plans where request_id = ${requestId} order by as_of, created_at`);

/** Stores the plan of a pass unless one is stored already; returns the stored one (a retry executes what was planned first). */
export async function storeErasurePlan(
  db: CommonQueryMethods,
  p: { requestId: string; pass: string; asOf: string; outcome: PlanOutcome; userKey: string | null; plan: ErasurePlan },
): Promise<{ row: ErasurePlanRow; created: boolean }> {
  const inserted = await db.maybeOne(sql.type(erasurePlanRow)`
    insert into dsrflow.erasure_plans (request_id, pass, as_of, outcome, user_key, plan, next_review_at)
    values (${p.requestId}, ${p.pass}, ${p.asOf}, ${p.outcome}, ${p.userKey}, ${sql.jsonb(p.plan as never)}, ${p.plan.nextReviewAt})
    on conflict (request_id, pass) do nothing
    returning *`);
  if (inserted) return { row: inserted, created: true };
  return { row: (await findErasurePlan(db, p.requestId, p.pass))!, created: false };
}

/** The plan shown to staff before they decide (one per request; a refresh replaces it). */
export async function storeErasurePreview(db: CommonQueryMethods, p: { requestId: string; asOf: string; outcome: PlanOutcome; plan: ErasurePlan }): Promise<void> {
  await db.query(sql.unsafe`
    insert into dsrflow.erasure_previews (request_id, as_of, outcome, plan) values (${p.requestId}, ${p.asOf}, ${p.outcome}, ${sql.jsonb(p.plan as never)})
    on conflict (request_id) do update set as_of = excluded.as_of, outcome = excluded.outcome, plan = excluded.plan, created_at = now()`);
}

const previewRow = z.object({ as_of: z.string(), outcome: z.enum(['planned', 'no_data', 'ambiguous']), plan: erasurePlanRow.shape.plan });

export async function markPassCompleted(db: CommonQueryMethods, requestId: string, pass: string): Promise<void> {
  await db.query(sql.unsafe`update dsrflow.erasure_plans set completed_at = coalesce(completed_at, now()) where request_id = ${requestId} and pass = ${pass}`);
}

/** The subject's warehouse key, as the first pass found it. */
export const findErasureUserKey = (db: CommonQueryMethods, requestId: string) =>
  db.maybeOneFirst(sql.type(z.object({ user_key: z.string() }))`
    select user_key from dsrflow.erasure_plans where request_id = ${requestId} and user_key is not null order by as_of limit 1`);

const runRow = z.object({ model: z.string(), action: z.enum(['delete', 'anonymize']), rows: z.number() });

export const listErasureRuns = (db: CommonQueryMethods, requestId: string, pass?: string) =>
  db.any(sql.type(runRow)`
    select model, action, rows from dsrflow.erasure_runs
    where request_id = ${requestId} ${pass === undefined ? sql.fragment`` : sql.fragment`and pass = ${pass}`}
    order by executed_at, model`);

export const erasureRunDone = (db: CommonQueryMethods, requestId: string, pass: string, model: string) =>
  db.exists(sql.type(z.object({ model: z.string() }))`select model from dsrflow.erasure_runs where request_id = ${requestId} and pass = ${pass} and model = ${model}`);

/** Records what one model's transaction erased; written in that transaction, so it is there exactly when the rows are gone. */
export async function recordErasureRun(db: CommonQueryMethods, r: { requestId: string; pass: string; model: string; action: 'delete' | 'anonymize'; rows: number }): Promise<boolean> {
  const inserted = await db.maybeOneFirst(sql.type(z.object({ model: z.string() }))`
    insert into dsrflow.erasure_runs (request_id, pass, model, action, rows) values (${r.requestId}, ${r.pass}, ${r.model}, ${r.action}, ${r.rows})
    on conflict (request_id, pass, model) do nothing returning model`);
  return inserted !== null;
}

/** Places holds named by staff; a hold placed before is left as it is (a retry or a second assessment adds nothing). */
export async function placeLegalHolds(db: CommonQueryMethods, requestId: string, bases: readonly LegalException[], placedBy: string): Promise<void> {
  if (bases.length === 0) return;
  await db.query(sql.unsafe`
    insert into dsrflow.legal_holds (request_id, basis, placed_by)
    select ${requestId}, basis, ${placedBy} from unnest(${sql.array([...bases], 'text')}) as basis
    on conflict (request_id, basis) do nothing`);
}

export const legalHoldRow = z.object({
  request_id: z.string(),
  basis: z.enum(LEGAL_EXCEPTIONS),
  placed_by: z.string(),
  placed_at: z.string(),
  lifted_by: z.string().nullable(),
  lifted_at: z.string().nullable(),
  lift_reason: z.string().nullable(),
  review_started_at: z.string().nullable(),
});
export type LegalHoldRow = z.infer<typeof legalHoldRow>;
const holdColumns = sql.fragment`request_id, basis, placed_by, placed_at, lifted_by, lifted_at, lift_reason, review_started_at`;

export const findLegalHold = (db: CommonQueryMethods, requestId: string, basis: LegalException) =>
  db.maybeOne(sql.type(legalHoldRow)`select ${holdColumns} from dsrflow.legal_holds where request_id = ${requestId} and basis = ${basis}`);

/** Lifts a hold in force, with its audit event, in one transaction; null when the hold is not in force. */
export async function liftLegalHold(db: CommonQueryMethods, l: { requestId: string; basis: LegalException; liftedBy: string; reason: string }): Promise<LegalHoldRow | null> {
  return db.transaction(async (tx) => {
    const row = await tx.maybeOne(sql.type(legalHoldRow)`
      update dsrflow.legal_holds set lifted_by = ${l.liftedBy}, lifted_at = now(), lift_reason = ${l.reason}
      where request_id = ${l.requestId} and basis = ${l.basis} and lifted_at is null returning ${holdColumns}`);
    if (!row) return null;
    await recordEvent(tx, {
      requestId: l.requestId,
      eventKey: `legal-hold/${l.requestId}/${l.basis}/lifted`,
      action: 'legal_hold.lifted',
      actor: l.liftedBy,
      reason: l.reason,
      details: { basis: l.basis, liftedAt: row.lifted_at },
    });
    return row;
  });
}

/** The lift's review handed to Temporal (or nothing kept to review), with its audit event, once. */
export async function markHoldReviewStarted(db: CommonQueryMethods, requestId: string, basis: LegalException, review: 'started' | 'nothing_kept'): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(sql.unsafe`
      update dsrflow.legal_holds set review_started_at = coalesce(review_started_at, now()) where request_id = ${requestId} and basis = ${basis}`);
    await recordEvent(tx, {
      requestId,
      eventKey: `legal-hold/${requestId}/${basis}/review`,
      action: 'legal_hold.review_requested',
      actor: 'system',
      reason: review === 'started' ? 'the scheduled erasure runs a pass now' : 'the first pass found no one (or several) in the warehouse: nothing kept to review',
      details: { basis, review },
    });
  });
}

/** Lifted holds whose review was not handed to Temporal (it was unreachable): the sweep starts them. */
export const listUnstartedHoldReviews = (db: CommonQueryMethods, limit = 500) =>
  db.any(sql.type(legalHoldRow)`
    select ${holdColumns} from dsrflow.legal_holds where lifted_at is not null and review_started_at is null order by lifted_at limit ${limit}`);

/** Holds lifted on a request, oldest first: who, when, why. */
export const liftedLegalHolds = (db: CommonQueryMethods, requestId: string) =>
  db.any(sql.type(legalHoldRow)`
    select ${holdColumns} from dsrflow.legal_holds where request_id = ${requestId} and lifted_at is not null order by lifted_at, basis`);

export const activeLegalHolds = async (db: CommonQueryMethods, requestId: string): Promise<LegalException[]> =>
  [...(await db.anyFirst(sql.type(z.object({ basis: z.enum(LEGAL_EXCEPTIONS) }))`
    select basis from dsrflow.legal_holds where request_id = ${requestId} and lifted_at is null order by basis`))];

/** What staff see on the request: holds in force, rows erased per model, what the latest pass kept and when it is looked at again. */
export interface ErasureSummary {
  legalHolds: LegalException[];
  /** Holds staff lifted: when, by whom, why. */
  liftedHolds: Array<{ basis: LegalException; liftedAt: string; liftedBy: string; reason: string | null }>;
  erased: Record<string, number>;
  retained: Array<{ model: string; rows: number; bases: string[]; eligibleAt: string | null; reviewAt: string | null }>;
  nextReviewAt: string | null;
  passes: number;
  /** preview*: the plan staff read before deciding (nothing erased yet); executed: at least one pass has run. */
  stage: 'preview' | 'preview_no_data' | 'preview_ambiguous' | 'executed';
  /** The instant the shown plan was evaluated at. */
  planAsOf: string;
  /** Preview only: rows per model the plan would erase if approved now. */
  wouldErase?: Record<string, number>;
}

export async function erasureSummary(db: CommonQueryMethods, requestId: string): Promise<ErasureSummary | null> {
  const plans = await listErasurePlans(db, requestId);
  const latest = plans.at(-1);
  if (!latest) return erasurePreviewSummary(db, requestId);
  const erased: Record<string, number> = {};
  for (const run of await listErasureRuns(db, requestId)) erased[run.model] = (erased[run.model] ?? 0) + run.rows;
  return {
    legalHolds: await activeLegalHolds(db, requestId),
    liftedHolds: await liftedHoldsOf(db, requestId),
    erased,
    retained: retainedGroups(latest.plan),
    nextReviewAt: latest.next_review_at,
    passes: plans.length,
    stage: 'executed',
    planAsOf: latest.as_of,
  };
}

const liftedHoldsOf = async (db: CommonQueryMethods, requestId: string): Promise<ErasureSummary['liftedHolds']> =>
  (await liftedLegalHolds(db, requestId)).map((h) => ({ basis: h.basis, liftedAt: h.lifted_at!, liftedBy: h.lifted_by!, reason: h.lift_reason }));

/** Before approval: what the plan would erase now and what it would keep (nothing has been erased). */
async function erasurePreviewSummary(db: CommonQueryMethods, requestId: string): Promise<ErasureSummary | null> {
  const preview = await db.maybeOne(sql.type(previewRow)`select as_of, outcome, plan from dsrflow.erasure_previews where request_id = ${requestId}`);
  if (!preview) return null;
  return {
    legalHolds: await activeLegalHolds(db, requestId),
    liftedHolds: await liftedHoldsOf(db, requestId),
    erased: {},
    wouldErase: Object.fromEntries(preview.plan.models.filter((m) => m.eligible.length > 0).map((m) => [m.model, m.eligible.length])),
    retained: retainedGroups(preview.plan),
    nextReviewAt: preview.plan.nextReviewAt,
    passes: 0,
    stage: preview.outcome === 'planned' ? 'preview' : preview.outcome === 'no_data' ? 'preview_no_data' : 'preview_ambiguous',
    planAsOf: preview.as_of,
  };
}

const retainedGroups = (plan: ErasurePlan) =>
  plan.models.flatMap((m) =>
    m.retained.map((g) => ({ model: m.model, rows: g.keys.length, bases: [...new Set(g.reasons.map((r) => r.basis))], eligibleAt: g.eligibleAt, reviewAt: g.reviewAt })),
  );
