import { z } from 'zod';

// The customer's data model: which table holds the users, how to find one by the request's identifiers, which
// columns the warehouse computes (left out of exports), and every related model with its foreign-key path to
// the user. Pure: parsed here, checked against the live warehouse in activities/export/data-model-check.ts.

const sqlName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, 'a plain SQL name (letters, digits, _ and $)');
const modelName = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'lowercase letters, digits and _ (it names files in the export)');

export const tableRef = z.strictObject({ schema: sqlName, name: sqlName });
export type TableRef = z.infer<typeof tableRef>;

/** The identifiers a request may carry (dsrflow.request_subjects) that a data model can map to user columns. */
export const SUBJECT_IDENTIFIERS = ['email', 'customerId', 'phone'] as const;
export type SubjectIdentifier = (typeof SUBJECT_IDENTIFIERS)[number];

/** One foreign-key hop: `column` of the current table references `referencedColumn` of `references`. */
export const joinHop = z.strictObject({ column: sqlName, references: tableRef, referencedColumn: sqlName });
export type JoinHop = z.infer<typeof joinHop>;

export const usersModel = z.strictObject({
  name: modelName,
  displayName: z.string().min(1),
  table: tableRef,
  key: sqlName,
  identifierColumns: z
    .partialRecord(z.enum(SUBJECT_IDENTIFIERS), sqlName)
    .refine((ids) => Object.keys(ids).length > 0, 'at least one identifier column (email, customerId or phone)'),
  computedColumns: z.array(sqlName).default([]),
});
export type UsersModel = z.infer<typeof usersModel>;

export const relatedModel = z.strictObject({
  name: modelName,
  displayName: z.string().min(1),
  table: tableRef,
  key: sqlName,
  /** The path from this model's table up to the users key, one or more hops. */
  joins: z.array(joinHop).min(1).max(8),
  computedColumns: z.array(sqlName).default([]),
});
export type RelatedModel = z.infer<typeof relatedModel>;

export const dataModelSchema = z
  .strictObject({ version: z.literal(1), users: usersModel, related: z.array(relatedModel).default([]) })
  .superRefine((m, ctx) => {
    const names = [m.users.name, ...m.related.map((r) => r.name)];
    for (const [i, name] of names.entries()) {
      if (names.indexOf(name) !== i) ctx.addIssue({ code: 'custom', path: ['related'], message: `model name "${name}" is used twice` });
    }
    m.related.forEach((r, i) => {
      const last = r.joins.at(-1)!;
      if (!sameTable(last.references, m.users.table) || last.referencedColumn !== m.users.key) {
        ctx.addIssue({
          code: 'custom',
          path: ['related', i, 'joins'],
          message: `the last hop of "${r.name}" must reference the users key ${tableName(m.users.table)}.${m.users.key}`,
        });
      }
    });
  });
export type DataModel = z.infer<typeof dataModelSchema>;

export class DataModelError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid data model:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DataModelError';
    this.problems = problems;
  }
}

/** Parses a data-model document (the JSON file's content); throws DataModelError naming each bad field. */
export function parseDataModel(document: unknown): DataModel {
  const result = dataModelSchema.safeParse(document);
  if (result.success) return result.data;
  throw new DataModelError(result.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`));
}

export const sameTable = (a: TableRef, b: TableRef) => a.schema === b.schema && a.name === b.name;
export const tableName = (t: TableRef) => `${t.schema}.${t.name}`;

/** Every table and column the model names, for the check against the live warehouse. */
export function referencedColumns(m: DataModel): Array<{ table: TableRef; column: string; role: string }> {
  const out: Array<{ table: TableRef; column: string; role: string }> = [{ table: m.users.table, column: m.users.key, role: 'users key' }];
  for (const [id, column] of Object.entries(m.users.identifierColumns)) out.push({ table: m.users.table, column: column!, role: `identifier ${id}` });
  for (const column of m.users.computedColumns) out.push({ table: m.users.table, column, role: 'computed column' });
  for (const r of m.related) {
    out.push({ table: r.table, column: r.key, role: `key of ${r.name}` });
    for (const column of r.computedColumns) out.push({ table: r.table, column, role: `computed column of ${r.name}` });
    let from = r.table;
    for (const hop of r.joins) {
      out.push({ table: from, column: hop.column, role: `join of ${r.name}` });
      out.push({ table: hop.references, column: hop.referencedColumn, role: `join of ${r.name}` });
      from = hop.references;
    }
  }
  return out;
}

/** How a column's value is written in typed formats (JSON); every value is read as PostgreSQL text. */
export type ValueKind = 'integer' | 'decimal' | 'boolean' | 'json' | 'timestamp' | 'text';

export function valueKind(dataType: string): ValueKind {
  if (['smallint', 'integer', 'bigint'].includes(dataType)) return 'integer';
  if (['numeric', 'real', 'double precision'].includes(dataType)) return 'decimal';
  if (dataType === 'boolean') return 'boolean';
  if (dataType === 'json' || dataType === 'jsonb') return 'json';
  if (dataType.startsWith('timestamp')) return 'timestamp';
  return 'text';
}

export interface ResolvedColumn {
  name: string;
  dataType: string;
  kind: ValueKind;
}

/** A model with the columns it exports (live columns in table order, computed ones left out). */
export interface ResolvedModel {
  name: string;
  displayName: string;
  table: TableRef;
  key: string;
  /** Empty for the users model, which is found by its key directly. */
  joins: JoinHop[];
  columns: ResolvedColumn[];
}

export interface ResolvedDataModel {
  users: ResolvedModel & { identifierColumns: UsersModel['identifierColumns'] };
  /** The users model first, then the related models in file order: the order of every export. */
  models: ResolvedModel[];
}

/** Columns to export: the live columns, in table order, without the computed ones. */
export const exportedColumns = (live: ResolvedColumn[], computed: readonly string[]) => live.filter((c) => !computed.includes(c.name));

/** The formats an export can be written in; the default set per deployment is configuration. */
export const EXPORT_FORMATS = ['csv', 'json', 'xml', 'docx', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** EXPORT_FORMATS when it is not set. */
export const DEFAULT_EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json'];
