import type { z } from '@hono/zod-openapi';
import { sql, type DatabasePool } from 'slonik';
import { z as zod } from 'zod';
import { checkDataModel } from '../../warehouse/data-model-check.ts';
import { subjectRowsSource } from '../../warehouse/subject-rows.ts';
import { lookupSubject } from '../../warehouse/subject-lookup.ts';
import { expectedValue, inputErrors, isProfileModel, rectificationCatalog, valueProblem, type ModelColumns, type RectificationCatalog } from '../../warehouse/column-catalog.ts';
import type { NewCorrection } from '../../db/rectification.ts';
import { DataModelError, type DataModel, type ResolvedDataModel } from '../../domain/data-model.ts';
import { isSuppressionType, SUPPRESSION_RULES, type SuppressionScope } from '../../domain/suppression.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError, validationError, type FieldProblem } from '../errors.ts';
import type { CreateRequestSchema } from './requests.routes.ts';

type Body = z.infer<typeof CreateRequestSchema>;

interface Rectification {
  catalog: RectificationCatalog;
  resolved(): Promise<ResolvedDataModel>;
}

// The column metadata is read once per process and data model. Keyed by pool too: tests build apps on several
// databases with the same data model object.
const cache = new WeakMap<DatabasePool, WeakMap<DataModel, Rectification>>();

function rectificationFor(pool: DatabasePool, dataModel: DataModel): Rectification {
  let byModel = cache.get(pool);
  if (!byModel) cache.set(pool, (byModel = new WeakMap()));
  let entry = byModel.get(dataModel);
  if (!entry) {
    let resolved: Promise<ResolvedDataModel> | undefined;
    entry = {
      catalog: rectificationCatalog(pool, dataModel),
      resolved: () =>
        (resolved ??= checkDataModel(pool, dataModel).catch((error: unknown) => {
          resolved = undefined;
          // The worker refuses to start on the same mismatch, naming it in its log.
          if (error instanceof DataModelError) throw new ApiError(503, 'DATA_MODEL_INVALID', 'The data model does not match the warehouse; rectification requests cannot be checked');
          throw error;
        })),
    };
    byModel.set(dataModel, entry);
  }
  return entry;
}

/** The scopes a restriction or objection names, checked against its type's rules; null when none are named. */
export function checkScopes(body: Body): SuppressionScope[] | null {
  if (body.scopes === undefined) return null;
  if (body.type !== 'restrict' && body.type !== 'object') {
    throw validationError([{ field: 'scopes', message: `only restrict and object requests name scopes, not ${body.type}` }]);
  }
  const allowed = SUPPRESSION_RULES[body.type].allowed;
  const problems = body.scopes.flatMap((scope, i) =>
    allowed.includes(scope) ? [] : [{ field: `scopes[${i}]`, message: `${scope} is not a scope of a ${body.type} request (allowed: ${allowed.join(', ')})` }],
  );
  if (problems.length > 0) throw validationError(problems);
  return [...new Set(body.scopes)].sort();
}

/**
 * The corrections of a rectification request, checked against the data model and the live warehouse before anything
 * is recorded: each bad item is named by its path (`corrections[2].field`) with the reason. Returns undefined for
 * other types (which may not carry corrections).
 */
export async function checkCorrections(deps: AppDeps, body: Body): Promise<NewCorrection[] | undefined> {
  if (body.type !== 'rectify') {
    if (body.corrections !== undefined) throw validationError([{ field: 'corrections', message: `only rectify requests carry corrections, not ${body.type}` }]);
    return undefined;
  }
  if (body.corrections === undefined) {
    throw validationError([{ field: 'corrections', message: 'required for a rectify request: at least one {model, field, newValue} to correct' }]);
  }
  const { catalog, resolved } = rectificationFor(deps.pool, deps.dataModel);
  const columnsByModel = await catalog.columns();
  const problems: FieldProblem[] = [];
  const valid: Array<{ i: number; columns: ModelColumns; rowKey: string | null }> = [];
  const seen = new Map<string, number>();
  const parseChecks: Array<{ i: number; field: string; value: string; type: string; message: (code: string | null) => string | null }> = [];

  for (const [i, item] of body.corrections.entries()) {
    const at = (part: string) => `corrections[${i}].${part}`;
    const columns = columnsByModel.get(item.model);
    if (!columns) {
      problems.push({ field: at('model'), message: `no model "${item.model}" in the data model (models: ${[...catalog.models.keys()].join(', ')})` });
      continue;
    }
    const { model } = columns;
    const before = problems.length;
    if (isProfileModel(model) && item.rowKey !== undefined) {
      problems.push({ field: at('rowKey'), message: `${model.name} is the subject's own record: leave rowKey out` });
    } else if (!isProfileModel(model) && item.rowKey === undefined) {
      problems.push({ field: at('rowKey'), message: `required for ${model.name}: the ${model.key} of the record to correct` });
    } else if (item.rowKey !== undefined && columns.key) {
      const key = columns.key;
      const expected = `must be ${expectedValue(key.type)}: the ${model.key} of the ${model.name} record to correct`;
      parseChecks.push({ i, field: at('rowKey'), value: item.rowKey, type: key.type, message: (code) => (code === null ? null : expected) });
    }
    const column = columns.columns.get(item.field);
    if (!column) {
      problems.push({ field: at('field'), message: `${model.name} has no field "${item.field}"` });
    } else if (column.refusal) {
      problems.push({ field: at('field'), message: column.refusal });
    } else {
      const problem = valueProblem(column, item.newValue, null);
      if (problem) problems.push({ field: at('newValue'), message: problem });
      else if (item.newValue !== null) parseChecks.push({ i, field: at('newValue'), value: item.newValue, type: column.type, message: (code) => valueProblem(column, item.newValue, code) });
    }
    const target = `${model.name}\n${item.field}\n${item.rowKey ?? ''}`;
    const first = seen.get(target);
    if (first !== undefined) problems.push({ field: `corrections[${i}]`, message: `corrects the same field of the same record as corrections[${first}]` });
    else seen.set(target, i);
    if (problems.length === before) valid.push({ i, columns, rowKey: item.rowKey ?? null });
  }

  const codes = await inputErrors(deps.pool, parseChecks.map((c) => ({ value: c.value, type: c.type })));
  const unparsed = new Set<number>();
  parseChecks.forEach((check, n) => {
    const message = check.message(codes[n] ?? null);
    if (message) {
      problems.push({ field: check.field, message });
      unparsed.add(check.i);
    }
  });
  const rowKeyed = valid.filter((v) => v.rowKey !== null && !unparsed.has(v.i));
  if (rowKeyed.length > 0) problems.push(...(await rowsNotTheSubjects(deps.pool, await resolved(), body, rowKeyed)));
  if (problems.length > 0) throw validationError(problems.sort((a, b) => indexOf(a.field) - indexOf(b.field)));
  return body.corrections.map((c) => ({ model: c.model, field: c.field, rowKey: c.rowKey ?? null, newValue: c.newValue }));
}

const indexOf = (field: string) => Number(/^corrections\[(\d+)\]/.exec(field)?.[1] ?? -1);

/**
 * When the identifiers already find exactly one user, a rowKey that is not one of that user's records is refused
 * now; otherwise (no match, several) the activity decides when it applies the corrections.
 */
async function rowsNotTheSubjects(pool: DatabasePool, resolved: ResolvedDataModel, body: Body, items: Array<{ i: number; columns: ModelColumns; rowKey: string | null }>): Promise<FieldProblem[]> {
  const s = body.subject;
  const match = await lookupSubject(pool, resolved, {
    request_id: '',
    email: s.email,
    customer_id: s.customerId ?? null,
    full_name: s.fullName ?? null,
    phone: s.phone ?? null,
    extra_identifiers: {},
  });
  if (match.outcome !== 'found') return [];
  const problems: FieldProblem[] = [];
  for (const { i, columns, rowKey } of items) {
    const { model } = columns;
    const owned = await pool.exists(sql.type(zod.object({ k: zod.string() }))`
      select ${sql.identifier(['t0', model.key])}::text as k
      ${subjectRowsSource({ ...model, columns: [] }, match.userKey)} and ${sql.identifier(['t0', model.key])} = ${rowKey}`);
    if (!owned) problems.push({ field: `corrections[${i}].rowKey`, message: `no ${model.name} record with this ${model.key} belongs to the subject` });
  }
  return problems;
}

/** The fields of the subject's own record (the users model) that a person may ask to correct, for the Privacy Center. */
export async function profileCorrectionFields(deps: Pick<AppDeps, 'pool' | 'dataModel'>): Promise<{ model: string; fields: string[] }> {
  const { catalog } = rectificationFor(deps.pool, deps.dataModel);
  const profile = [...(await catalog.columns()).values()].find((m) => isProfileModel(m.model));
  if (!profile) return { model: deps.dataModel.users.name ?? 'users', fields: [] };
  return { model: profile.model.name, fields: [...profile.columns.values()].filter((c) => c.refusal === null && c.name !== profile.model.key).map((c) => c.name) };
}
