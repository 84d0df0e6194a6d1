import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { referencedColumns, tableName, type DataModel, type JoinHop, type TableRef } from '../domain/data-model.ts';

// What rectification may change: the live columns of each model's table (pg_catalog, read once per process), and
// for each the reason it may not be corrected, if any. Shared by the API (it refuses a bad correction with a 400
// before anything is recorded) and the activity (it checks again when applying: the warehouse may have changed).

export interface RectifiableModel {
  name: string;
  displayName: string;
  table: TableRef;
  key: string;
  /** Empty for the users model: its row is the subject's own. */
  joins: JoinHop[];
  computedColumns: readonly string[];
}

export interface ColumnFacts {
  name: string;
  /** The column's type as PostgreSQL writes it (`character varying(50)`, `numeric(12,2)`): values are parsed as it. */
  type: string;
  notNull: boolean;
  /** Characters a varchar(n) / char(n) column holds. */
  maxLength: number | null;
  /** Why the column may not be corrected, in words for the person who asked; null when it may. */
  refusal: string | null;
}

export interface ModelColumns {
  model: RectifiableModel;
  columns: Map<string, ColumnFacts>;
  /** The key column, to parse a rowKey as it. */
  key: ColumnFacts | undefined;
}

/** The users model first, then the related models in file order. */
export function rectifiableModels(m: DataModel): Map<string, RectifiableModel> {
  const out = new Map<string, RectifiableModel>();
  const u = m.users;
  out.set(u.name, { name: u.name, displayName: u.displayName, table: u.table, key: u.key, joins: [], computedColumns: u.computedColumns });
  for (const r of m.related) out.set(r.name, { name: r.name, displayName: r.displayName, table: r.table, key: r.key, joins: r.joins, computedColumns: r.computedColumns });
  return out;
}

const liveColumn = z.object({
  table_name: z.string(),
  column_name: z.string(),
  column_type: z.string(),
  not_null: z.boolean(),
  max_length: z.number().nullable(),
  generated: z.boolean(),
  identity: z.boolean(),
  foreign_key: z.boolean(),
});

/** Every column of the given tables, with what decides whether it may be corrected. */
async function readLiveColumns(db: CommonQueryMethods, tables: TableRef[]) {
  return db.any(sql.type(liveColumn)`
    select n.nspname || '.' || c.relname as table_name, a.attname as column_name,
           format_type(a.atttypid, a.atttypmod) as column_type, a.attnotnull as not_null,
           case when a.atttypid in ('varchar'::regtype, 'bpchar'::regtype) and a.atttypmod > 4 then a.atttypmod - 4 end as max_length,
           a.attgenerated <> '' as generated, a.attidentity <> '' as identity,
           exists (select 1 from pg_constraint k where k.conrelid = c.oid and k.contype = 'f' and a.attnum = any (k.conkey)) as foreign_key
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname || '.' || c.relname = any(${sql.array(tables.map(tableName), 'text')}) and a.attnum > 0 and not a.attisdropped
    order by 1, a.attnum`);
}

/** Why a column may not be corrected: it is derived, or it is what ties records together. */
function refusal(model: RectifiableModel, joinColumns: Set<string>, c: z.infer<typeof liveColumn>): string | null {
  if (c.column_name === model.key) return `${c.column_name} is the key of ${model.name} and cannot be corrected`;
  if (model.computedColumns.includes(c.column_name) || c.generated) return `${c.column_name} is computed by the warehouse and cannot be corrected`;
  if (c.identity) return `${c.column_name} is assigned by the warehouse and cannot be corrected`;
  if (joinColumns.has(c.column_name) || c.foreign_key) return `${c.column_name} links ${model.name} to other records and cannot be corrected`;
  return null;
}

export interface RectificationCatalog {
  models: Map<string, RectifiableModel>;
  /** Every model's live columns, by model name. Read once, then cached; read it before a transaction starts. */
  columns(): Promise<Map<string, ModelColumns>>;
}

export function rectificationCatalog(db: CommonQueryMethods, dataModel: DataModel): RectificationCatalog {
  const models = rectifiableModels(dataModel);
  // Columns of any table that a join of the data model reads: changing one would move a record to another owner.
  const joinColumns = new Map<string, Set<string>>();
  for (const ref of referencedColumns(dataModel)) {
    if (!ref.role.startsWith('join of')) continue;
    const name = tableName(ref.table);
    if (!joinColumns.has(name)) joinColumns.set(name, new Set());
    joinColumns.get(name)!.add(ref.column);
  }
  let loaded: Promise<Map<string, ModelColumns>> | undefined;
  const load = async () => {
    const rows = await readLiveColumns(db, [...models.values()].map((m) => m.table));
    const out = new Map<string, ModelColumns>();
    for (const model of models.values()) {
      const columns = new Map<string, ColumnFacts>();
      for (const r of rows.filter((r) => r.table_name === tableName(model.table))) {
        columns.set(r.column_name, {
          name: r.column_name,
          type: r.column_type,
          notNull: r.not_null,
          maxLength: r.max_length,
          refusal: refusal(model, joinColumns.get(tableName(model.table)) ?? new Set(), r),
        });
      }
      out.set(model.name, { model, columns, key: columns.get(model.key) });
    }
    return out;
  };
  return {
    models,
    columns() {
      // A failed read (database down) is not cached: the next call tries again.
      loaded ??= load().catch((error: unknown) => {
        loaded = undefined;
        throw error;
      });
      return loaded;
    },
  };
}

/** The users model: its row is the subject's own, found by the lookup; a related model's row is named by rowKey. */
export const isProfileModel = (model: RectifiableModel) => model.joins.length === 0;

/** What a value of the column's type looks like, for the message when one does not parse. */
export function expectedValue(type: string): string {
  if (['smallint', 'integer', 'bigint'].includes(type)) return 'a whole number';
  if (type.startsWith('numeric')) return `a number (${type})`;
  if (['real', 'double precision'].includes(type)) return 'a number';
  if (type === 'boolean') return 'true or false';
  if (type === 'date') return 'a date written YYYY-MM-DD';
  if (type.startsWith('timestamp')) return 'a date and time in ISO 8601, e.g. 2026-11-20T09:30:00Z';
  if (type.startsWith('time')) return 'a time of day, e.g. 09:30';
  if (type === 'inet' || type === 'cidr') return 'an IP address';
  if (type === 'json' || type === 'jsonb') return 'valid JSON';
  if (type === 'uuid') return 'a UUID';
  return `a value of type ${type}`;
}

const inputCheck = z.object({ i: z.number(), code: z.string().nullable() });

/**
 * Asks PostgreSQL whether each text parses as its type (pg_input_error_info: the type's own input function, no
 * cast that throws, nothing written). Returns the SQLSTATE per input (null: it parses). PostgreSQL 16 or later.
 */
export async function inputErrors(db: CommonQueryMethods, inputs: ReadonlyArray<{ value: string; type: string }>): Promise<Array<string | null>> {
  if (inputs.length === 0) return [];
  const rows = await db.any(sql.type(inputCheck)`
    select x.i::int as i, e.sql_error_code as code
    from unnest(${sql.array(inputs.map((v) => v.value), 'text')}, ${sql.array(inputs.map((v) => v.type), 'text')}) with ordinality as x (v, t, i),
         lateral pg_input_error_info(x.v, x.t) e
    order by x.i`);
  return rows.map((r) => r.code);
}

/** The problem with a new value for a column, in words; null when the value fits. `code` is from inputErrors. */
export function valueProblem(column: ColumnFacts, value: string | null, code: string | null): string | null {
  if (value === null) return column.notNull ? `${column.name} requires a value: null is not allowed` : null;
  const length = [...value].length;
  if (column.maxLength !== null && length > column.maxLength) return `is ${length} characters long; ${column.name} holds at most ${column.maxLength}`;
  if (code === null) return null;
  if (code === '22003' || code === '22008') return `is out of range for ${column.name} (${column.type})`;
  if (code === '22001') return `is too long for ${column.name} (${column.type})`;
  return `must be ${expectedValue(column.type)} for ${column.name}`;
}
