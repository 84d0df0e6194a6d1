import { z } from 'zod';
import { LEGAL_EXCEPTIONS } from './actions.ts';
import type { DataModel } from './data-model.ts';

// The retention policy: per model of the data model, what kind of data it is, what erasure does to it, and the
// exceptions that keep rows although the subject asked for erasure. Pure: parsed here, evaluated in erasure-plan.ts.

const sqlName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, 'a plain SQL name (letters, digits, _ and $)');

export const DATA_CATEGORIES = ['account', 'contracts', 'transactions', 'marketing', 'preferences', 'support_content', 'analytics_identifiers', 'other'] as const;
export type DataCategory = (typeof DATA_CATEGORIES)[number];

const basis = z.enum(LEGAL_EXCEPTIONS);

/** A calendar period: years and months follow the month-end rule (29 Feb + 1 year = 28 Feb), then days. */
export const retentionPeriod = z
  .strictObject({ years: z.int().min(0).max(100).optional(), months: z.int().min(0).max(1200).optional(), days: z.int().min(0).max(36500).optional() })
  .refine((p) => (p.years ?? 0) + (p.months ?? 0) + (p.days ?? 0) > 0, 'a period of at least one day, month or year');
export type RetentionPeriod = z.infer<typeof retentionPeriod>;

export const retentionException = z.discriminatedUnion('kind', [
  // Kept for a period counted from a date column (tax and accounting records: 7 years from the transaction).
  z.strictObject({
    kind: z.literal('retention_period'),
    basis,
    column: sqlName,
    period: retentionPeriod,
    /** `end_of_calendar_year`: the period starts on 31 December of the record's year (German AO §147 counts so). */
    countFrom: z.enum(['date', 'end_of_calendar_year']).default('date'),
  }),
  // Kept while a column holds one of the listed values (an order not yet final: an active contract).
  // `recheckEvery`: the scheduled erasure looks again that long after each pass (whole days), and erases the row
  // at the first look after the condition cleared (an order that became final), unless another reason still keeps
  // it. Without it, the row is looked at only with a dated review of the same subject.
  z.strictObject({ kind: z.literal('condition'), basis, column: sqlName, in: z.array(z.string()).min(1), recheckEvery: retentionPeriod.optional() }),
  // Kept while staff hold it: the assessment named this basis (e.g. legal_claims); lifted only by staff.
  z.strictObject({ kind: z.literal('legal_hold'), basis }),
  // Kept while flagged for fraud prevention: a boolean flag (open-ended) or the date it was flagged (+ period).
  z.strictObject({ kind: z.literal('fraud_prevention'), column: sqlName, period: retentionPeriod.optional() }),
]);
export type RetentionException = z.infer<typeof retentionException>;
export type ExceptionKind = RetentionException['kind'];

/** A replacement value; in text, `{key}` becomes the row's key (unique columns stay unique: erased-42@erased.invalid). */
const replacement = z.union([z.string().max(200), z.number(), z.boolean(), z.null()]);

export const erasureAction = z.discriminatedUnion('type', [
  // Record the request only (no personal data, or another process erases it).
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('delete') }),
  z.strictObject({
    type: z.literal('anonymize'),
    columns: z.record(sqlName, replacement).refine((c) => Object.keys(c).length > 0, 'at least one column to null or replace'),
  }),
]);
export type ErasureAction = z.infer<typeof erasureAction>;
export type ErasureActionType = ErasureAction['type'];

export const modelRetention = z.strictObject({
  category: z.enum(DATA_CATEGORIES),
  action: erasureAction,
  exceptions: z.array(retentionException).max(16).default([]),
  /** Rows that belong to their parent record (invoice lines): kept as long as the parent row is kept. */
  retainWithParent: z.boolean().default(false),
});
export type ModelRetention = z.infer<typeof modelRetention>;

export const retentionPolicySchema = z.strictObject({ version: z.literal(1), models: z.record(z.string(), modelRetention) });
export type RetentionPolicy = z.infer<typeof retentionPolicySchema>;

export class RetentionPolicyError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid retention policy:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RetentionPolicyError';
    this.problems = problems;
  }
}

/** Parses a policy document; throws RetentionPolicyError naming each bad field. */
export function parseRetentionPolicy(document: unknown): RetentionPolicy {
  const result = retentionPolicySchema.safeParse(document);
  if (result.success) return result.data;
  throw new RetentionPolicyError(result.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`));
}

/** The policy must name every model of the data model, and only those; a rule with no parent cannot follow one. */
export function policyProblems(policy: RetentionPolicy, model: DataModel): string[] {
  const problems: string[] = [];
  const names = [model.users.name, ...model.related.map((r) => r.name)];
  for (const name of names) if (!policy.models[name]) problems.push(`models.${name}: the data model has it, the policy gives it no rule`);
  for (const name of Object.keys(policy.models)) if (!names.includes(name)) problems.push(`models.${name}: not a model of the data model`);
  if (policy.models[model.users.name]?.retainWithParent) problems.push(`models.${model.users.name}.retainWithParent: the users model has no parent`);
  return problems;
}

/** Every column the policy reads or writes, per model: checked against the live warehouse at worker start. */
export function policyColumns(policy: RetentionPolicy): Array<{ model: string; column: string; role: string }> {
  return Object.entries(policy.models).flatMap(([model, rule]) => [
    ...(rule.action.type === 'anonymize' ? Object.keys(rule.action.columns).map((column) => ({ model, column, role: 'anonymized column' })) : []),
    ...rule.exceptions.flatMap((e) => ('column' in e ? [{ model, column: e.column, role: `${e.kind} column` }] : [])),
  ]);
}

/** Columns whose values the plan needs for a model's rows (dates, conditions, flags). */
export const exceptionColumns = (rule: ModelRetention): string[] => [...new Set(rule.exceptions.flatMap((e) => ('column' in e ? [e.column] : [])))];
