import { sql, type CommonQueryMethods, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { DataModel, JoinHop, ResolvedModel, SubjectIdentifier, TableRef, UsersModel } from '../domain/data-model.ts';
import type { RowFacts } from '../domain/erasure-plan.ts';
import { exceptionColumns, type ErasureAction, type RetentionPolicy } from '../domain/retention.ts';
import { recordEvent } from '../db/audit.ts';
import { recordErasureRun } from '../db/erasure.ts';
import { subjectRowsSource } from './subject-rows.ts';
import type { SubjectIdentifiers } from './identifier-hashes.ts';

// The warehouse side of erasure: the facts the plan needs about the subject's rows, and one model's deletion or
// anonymization in one transaction. Every name comes from the data model or the policy through sql.identifier.

export interface ErasureModel {
  name: string;
  displayName: string;
  table: TableRef;
  key: string;
  joins: JoinHop[];
}

/** The models of the data model, as the erasure reads and writes them (the users model has no joins). */
export function erasureModels(model: DataModel): Map<string, ErasureModel> {
  const out = new Map<string, ErasureModel>();
  const u = model.users;
  out.set(u.name, { name: u.name, displayName: u.displayName, table: u.table, key: u.key, joins: [] });
  for (const r of model.related) out.set(r.name, { name: r.name, displayName: r.displayName, table: r.table, key: r.key, joins: r.joins });
  return out;
}

// The export's source query finds a model's rows of one user; it only reads the name, table, key and joins.
const source = (m: ErasureModel, userKey: string) => subjectRowsSource({ ...m, columns: [] } satisfies ResolvedModel, userKey);

const factRow = z.object({ k: z.string(), p: z.string().nullable(), v: z.record(z.string(), z.string().nullable()) });

/** Per model, the subject's rows with their parent key and the columns the policy's exceptions read (as text). */
export async function readSubjectFacts(db: CommonQueryMethods, models: Map<string, ErasureModel>, policy: RetentionPolicy, userKey: string): Promise<Record<string, RowFacts[]>> {
  const facts: Record<string, RowFacts[]> = {};
  for (const m of models.values()) {
    const columns = exceptionColumns(policy.models[m.name]!);
    const values = columns.length === 0 ? sql.fragment`'{}'::jsonb` : sql.fragment`jsonb_build_object(${sql.join(
      columns.map((c) => sql.fragment`${c}::text, to_jsonb(${sql.identifier(['t0', c])}) #>> '{}'`),
      sql.fragment`, `,
    )})`;
    const parent = m.joins.length === 0 ? sql.fragment`null::text` : sql.fragment`${sql.identifier(['t0', m.joins[0]!.column])}::text`;
    const rows = await db.any(sql.type(factRow)`
      select ${sql.identifier(['t0', m.key])}::text as k, ${parent} as p, ${values} as v ${source(m, userKey)} order by 1`);
    facts[m.name] = rows.map((r) => ({ key: r.k, parentKey: r.p, values: r.v }));
  }
  return facts;
}

const heldRow = z.object({ email: z.string().nullable(), customerId: z.string().nullable(), phone: z.string().nullable() }).partial();

/**
 * Every identifier the data model maps for the user, as the warehouse holds it now (the first pass reads it before
 * anything is erased: downstream systems match on these). Identifiers the model does not map are left out.
 */
export async function heldIdentifiers(db: CommonQueryMethods, users: Pick<UsersModel, 'table' | 'key' | 'identifierColumns'>, userKey: string): Promise<Partial<SubjectIdentifiers>> {
  const mapped = Object.entries(users.identifierColumns) as Array<[SubjectIdentifier, string]>;
  const columns = mapped.map(([id, column]) => sql.fragment`${sql.identifier(['u', column])}::text as ${sql.identifier([id])}`);
  const row = await db.maybeOne(sql.type(heldRow)`
    select ${sql.join(columns, sql.fragment`, `)} from ${sql.identifier([users.table.schema, users.table.name])} u
    where ${sql.identifier(['u', users.key])} = ${userKey}`);
  return row ?? {};
}

export interface ModelExecution {
  requestId: string;
  pass: string;
  model: ErasureModel;
  action: Extract<ErasureAction, { type: 'delete' | 'anonymize' }>;
  keys: string[];
  userKey: string;
}

/**
 * Deletes or anonymizes the model's eligible rows and records the count and the audit event, in one transaction.
 * Only rows that still belong to the subject are touched (the keys are matched inside the subject's rows). A pass
 * that has already done this model does nothing: a retry neither erases twice nor counts twice.
 */
export async function executeModel(pool: DatabasePool, e: ModelExecution): Promise<{ rows: number; executed: boolean }> {
  return pool.transaction(async (tx) => {
    // Serialize passes of one request on one model: two attempts racing would both pass the check below.
    await tx.query(sql.unsafe`select pg_advisory_xact_lock(hashtextextended(${`erasure\n${e.requestId}\n${e.pass}\n${e.model.name}`}, 0))`);
    const done = await tx.exists(sql.type(z.object({ model: z.string() }))`
      select model from dsrflow.erasure_runs where request_id = ${e.requestId} and pass = ${e.pass} and model = ${e.model.name}`);
    if (done) return { rows: 0, executed: false };
    const table = sql.identifier([e.model.table.schema, e.model.table.name]);
    const key = (alias: string) => sql.identifier([alias, e.model.key]);
    const subjectKeys = sql.fragment`select ${key('t0')} ${source(e.model, e.userKey)} and ${key('t0')}::text = any(${sql.array(e.keys, 'text')})`;
    let rows = 0;
    if (e.keys.length > 0 && e.action.type === 'delete') {
      rows = (await tx.query(sql.unsafe`delete from ${table} as x where ${key('x')} in (${subjectKeys})`)).rowCount;
    } else if (e.keys.length > 0 && e.action.type === 'anonymize') {
      const assignments = Object.entries(e.action.columns).map(([column, value]) => {
        // `{key}` in a text replacement becomes the row's key: unique columns (email) stay unique.
        const replacement = typeof value === 'string' && value.includes('{key}') ? sql.fragment`replace(${value}, '{key}', ${key('x')}::text)` : sql.fragment`${value}`;
        return { column: sql.identifier(['x', column]), set: sql.identifier([column]), replacement };
      });
      // Rows already anonymized are left alone, so a second run changes (and counts) nothing.
      rows = (
        await tx.query(sql.unsafe`
          update ${table} as x set ${sql.join(assignments.map((a) => sql.fragment`${a.set} = ${a.replacement}`), sql.fragment`, `)}
          where ${key('x')} in (${subjectKeys})
            and (${sql.join(assignments.map((a) => sql.fragment`${a.column} is distinct from ${a.replacement}`), sql.fragment` or `)})`)
      ).rowCount;
    }
    await recordErasureRun(tx, { requestId: e.requestId, pass: e.pass, model: e.model.name, action: e.action.type, rows });
    await recordEvent(tx, {
      requestId: e.requestId,
      eventKey: `erasure/${e.requestId}/${e.pass}/${e.model.name}`,
      action: e.action.type === 'delete' ? 'erasure.rows_deleted' : 'erasure.rows_anonymized',
      actor: 'system',
      reason: `${rows} ${e.model.displayName} record(s) ${e.action.type === 'delete' ? 'deleted' : 'anonymized'}`,
      details: { pass: e.pass, model: e.model.name, action: e.action.type, rows, ...(e.action.type === 'anonymize' ? { columns: Object.keys(e.action.columns) } : {}) },
    });
    return { rows, executed: true };
  });
}
