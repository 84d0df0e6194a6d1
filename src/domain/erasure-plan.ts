import type { LegalException } from './actions.ts';
import { addCalendarDays, addCalendarMonths } from './dates.ts';
import type { DataModel } from './data-model.ts';
import type { DataCategory, ErasureActionType, ModelRetention, RetentionException, RetentionPeriod, RetentionPolicy } from './retention.ts';

// The erasure plan: for one subject, per model, the rows erasure may touch now and the rows kept, each with why
// and until when. Pure and deterministic (the workflow's time comes in as `asOf`), so it is unit-tested at the
// boundaries and re-evaluated years later by the scheduled erasure with the same code.

const DAY_MS = 86_400_000;

/** One warehouse row as the plan sees it: its key, its parent's key (first join hop), and the columns exceptions read, as text. */
export interface RowFacts {
  key: string;
  parentKey: string | null;
  values: Record<string, string | null>;
}

/** Where a model sits: its parent model (the table its first join hop references) and its depth below the users model. */
export interface ModelShape {
  name: string;
  parent: string | null;
  depth: number;
}

export type ReasonKind = RetentionException['kind'] | 'kept_child' | 'with_parent';

export interface RetentionReason {
  kind: ReasonKind;
  /** The legal basis (tax_records, legal_claims, ...) or, for kept_child, the child model that still points here. */
  basis: string;
  /** First instant the reason no longer applies; null while it is open-ended (a hold, a condition). */
  until: string | null;
  /** An open-ended condition the policy re-checks: when to look at it again. */
  recheckAt?: string;
}

export interface RetainedGroup {
  reasons: RetentionReason[];
  /** When every reason has ended: null while any is open-ended. */
  eligibleAt: string | null;
  /**
   * When to look again: the latest dated reason, or the earliest condition re-check when that is later (nothing is
   * erased before the dated reasons end, and a condition is not looked at before its re-check). A re-check counts
   * only when every open-ended reason is a re-checked condition: a hold (lifting it asks for a review), an unknown
   * date or a condition without re-check keep the row whatever the look finds. Null when nothing is left to look at.
   */
  reviewAt: string | null;
  keys: string[];
}

export interface ModelErasure {
  model: string;
  category: DataCategory;
  action: ErasureActionType;
  /** Rows to delete or anonymize now (none for action `none`). */
  eligible: string[];
  retained: RetainedGroup[];
  /** Rows of a model whose action is `none`: the request is recorded, the rows are left. */
  untouched: number;
}

export interface ErasurePlan {
  asOf: string;
  /** Execution order: children before parents (deepest first), data-model order among equals. */
  models: ModelErasure[];
  /** The earliest review date of any retained group: when the scheduled erasure wakes next. */
  nextReviewAt: string | null;
}

export interface PlanInput {
  shapes: ModelShape[];
  facts: Record<string, RowFacts[]>;
  policy: RetentionPolicy;
  /** Legal holds in force for the request (bases named by staff in the assessment, not yet lifted). */
  holds: readonly LegalException[];
  asOf: Date;
}

/** The shape of each model: parent and depth from the join paths of the data model. */
export function modelShapes(model: DataModel): ModelShape[] {
  const tableOf = new Map<string, string>([[`${model.users.table.schema}.${model.users.table.name}`, model.users.name]]);
  for (const r of model.related) tableOf.set(`${r.table.schema}.${r.table.name}`, r.name);
  return [
    { name: model.users.name, parent: null, depth: 0 },
    ...model.related.map((r) => {
      const first = r.joins[0]!;
      const parent = tableOf.get(`${first.references.schema}.${first.references.name}`) ?? model.users.name;
      return { name: r.name, parent, depth: r.joins.length };
    }),
  ];
}

/** The first instant after a period counted from `from` ends: the record is kept through the last day, erased the day after (UTC). */
export function periodEnd(from: Date, period: RetentionPeriod, countFrom: 'date' | 'end_of_calendar_year' = 'date'): Date {
  let day = from.toISOString().slice(0, 10);
  if (countFrom === 'end_of_calendar_year') day = `${day.slice(0, 4)}-12-31`;
  const months = (period.years ?? 0) * 12 + (period.months ?? 0);
  const last = addCalendarDays(months > 0 ? addCalendarMonths(day, months) : day, period.days ?? 0);
  return new Date(Date.parse(`${last}T00:00:00Z`) + DAY_MS);
}

const parseInstant = (value: string): Date | null => {
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t);
};

/** The reasons one exception gives to keep a row at `asOf`; none once it has ended or does not apply. */
function exceptionReasons(e: RetentionException, row: RowFacts, holds: readonly LegalException[], asOf: Date): RetentionReason[] {
  switch (e.kind) {
    case 'retention_period': {
      const value = row.values[e.column] ?? null;
      // A record whose date is unknown cannot be shown to be past its period: kept until staff look at it.
      const from = value === null ? null : parseInstant(value);
      if (from === null) return [{ kind: e.kind, basis: e.basis, until: null }];
      const end = periodEnd(from, e.period, e.countFrom);
      return asOf < end ? [{ kind: e.kind, basis: e.basis, until: end.toISOString() }] : [];
    }
    case 'condition': {
      const value = row.values[e.column] ?? null;
      if (value === null || !e.in.includes(value)) return [];
      return [{ kind: e.kind, basis: e.basis, until: null, ...(e.recheckEvery ? { recheckAt: periodEnd(asOf, e.recheckEvery).toISOString() } : {}) }];
    }
    case 'legal_hold':
      return holds.includes(e.basis) ? [{ kind: e.kind, basis: e.basis, until: null }] : [];
    case 'fraud_prevention': {
      const value = row.values[e.column] ?? null;
      if (value === null || value === 'false' || value === 'f') return [];
      const flaggedAt = value === 'true' || value === 't' ? null : parseInstant(value);
      if (flaggedAt === null || !e.period) return [{ kind: e.kind, basis: 'fraud_prevention', until: null }];
      const end = periodEnd(flaggedAt, e.period);
      return asOf < end ? [{ kind: e.kind, basis: 'fraud_prevention', until: end.toISOString() }] : [];
    }
  }
}

const eligibleAtOf = (reasons: RetentionReason[]): string | null =>
  reasons.some((r) => r.until === null) ? null : reasons.reduce<string | null>((max, r) => (max === null || r.until! > max ? r.until : max), null);

export const reviewAtOf = (reasons: RetentionReason[]): string | null => {
  const dated = reasons.reduce<string | null>((max, r) => (r.until !== null && (max === null || r.until > max) ? r.until : max), null);
  if (reasons.some((r) => r.until === null && r.recheckAt === undefined)) return dated;
  const recheck = reasons.reduce<string | null>((min, r) => (r.recheckAt !== undefined && (min === null || r.recheckAt < min) ? r.recheckAt : min), null);
  return dated === null ? recheck : recheck === null || dated > recheck ? dated : recheck;
};

// Code-point order (not locale order), with open-ended dates last.
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const reasonOrder = (a: RetentionReason, b: RetentionReason) => byText(a.kind, b.kind) || byText(a.basis, b.basis) || byText(a.until ?? '~', b.until ?? '~');

/** Builds the plan. Throws when a model has facts but no rule (the policy check at worker start prevents it). */
export function erasurePlan(input: PlanInput): ErasurePlan {
  const { shapes, facts, policy, holds, asOf } = input;
  const order = shapes.map((s, i) => ({ s, i })).sort((a, b) => b.s.depth - a.s.depth || a.i - b.i).map((x) => x.s);
  const ruleOf = (name: string): ModelRetention => {
    const rule = policy.models[name];
    if (!rule) throw new Error(`RETENTION.NO_RULE: the retention policy has no rule for model ${name}`);
    return rule;
  };

  // Each row's reasons: its own exceptions first.
  const reasons = new Map<string, Map<string, RetentionReason[]>>();
  for (const shape of shapes) {
    const rule = ruleOf(shape.name);
    const byKey = new Map<string, RetentionReason[]>();
    for (const row of facts[shape.name] ?? []) {
      byKey.set(row.key, rule.action.type === 'none' ? [] : rule.exceptions.flatMap((e) => exceptionReasons(e, row, holds, asOf)));
    }
    reasons.set(shape.name, byKey);
  }

  // Bottom-up: a row that stays (kept, anonymized or untouched) still references its parent, which cannot be deleted before it.
  const stays = (name: string, key: string) => ruleOf(name).action.type !== 'delete' || (reasons.get(name)!.get(key)!.length > 0);
  for (const shape of order) {
    if (shape.parent === null) continue;
    const rule = ruleOf(shape.name);
    for (const row of facts[shape.name] ?? []) {
      if (row.parentKey === null || !stays(shape.name, row.key)) continue;
      const parentReasons = reasons.get(shape.parent)!.get(row.parentKey);
      if (!parentReasons || ruleOf(shape.parent).action.type !== 'delete') continue;
      const until = rule.action.type === 'delete' ? eligibleAtOf(reasons.get(shape.name)!.get(row.key)!) : null;
      parentReasons.push({ kind: 'kept_child', basis: shape.name, until });
    }
  }

  // Top-down: rows that belong to their parent record are kept with it, until it goes.
  for (const shape of [...order].reverse()) {
    if (shape.parent === null || !ruleOf(shape.name).retainWithParent) continue;
    for (const row of facts[shape.name] ?? []) {
      const parentReasons = row.parentKey === null ? undefined : reasons.get(shape.parent)!.get(row.parentKey);
      if (!parentReasons || parentReasons.length === 0) continue;
      reasons.get(shape.name)!.get(row.key)!.push({ kind: 'with_parent', basis: shape.parent, until: eligibleAtOf(parentReasons) });
    }
  }

  const models: ModelErasure[] = order.map((shape) => {
    const rule = ruleOf(shape.name);
    const rows = facts[shape.name] ?? [];
    if (rule.action.type === 'none') return { model: shape.name, category: rule.category, action: 'none', eligible: [], retained: [], untouched: rows.length };
    const eligible: string[] = [];
    const groups = new Map<string, RetainedGroup>();
    for (const row of rows) {
      const own = dedupe(reasons.get(shape.name)!.get(row.key)!).sort(reasonOrder);
      if (own.length === 0) {
        eligible.push(row.key);
        continue;
      }
      const id = JSON.stringify(own);
      let group = groups.get(id);
      if (!group) groups.set(id, (group = { reasons: own, eligibleAt: eligibleAtOf(own), reviewAt: reviewAtOf(own), keys: [] }));
      group.keys.push(row.key);
    }
    const retained = [...groups.values()].sort((a, b) => byText(a.reviewAt ?? '~', b.reviewAt ?? '~') || byText(JSON.stringify(a.reasons), JSON.stringify(b.reasons)));
    return { model: shape.name, category: rule.category, action: rule.action.type, eligible, retained, untouched: 0 };
  });

  const reviews = models.flatMap((m) => m.retained.map((g) => g.reviewAt)).filter((r): r is string => r !== null);
  return { asOf: asOf.toISOString(), models, nextReviewAt: reviews.length === 0 ? null : reviews.reduce((a, b) => (a < b ? a : b)) };
}

function dedupe(reasons: RetentionReason[]): RetentionReason[] {
  // Several kept children give one reason per child model: the latest date, open-ended if any is.
  const byId = new Map<string, RetentionReason>();
  for (const r of reasons) {
    const id = `${r.kind}\n${r.basis}`;
    const seen = byId.get(id);
    if (!seen) byId.set(id, { ...r });
    else {
      if (seen.until !== null && (r.until === null || r.until > seen.until)) seen.until = r.until;
      if (r.recheckAt !== undefined && (seen.recheckAt === undefined || r.recheckAt < seen.recheckAt)) seen.recheckAt = r.recheckAt;
    }
  }
  return [...byId.values()];
}

/** Counts of a plan, per model: what the workflow and the audit trail carry (no keys). */
export function planCounts(plan: ErasurePlan): Record<string, { eligible: number; retained: number; untouched: number }> {
  return Object.fromEntries(plan.models.map((m) => [m.model, { eligible: m.eligible.length, retained: m.retained.reduce((n, g) => n + g.keys.length, 0), untouched: m.untouched }]));
}
