import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import {
  DataModelError,
  exportedColumns,
  parseDataModel,
  referencedColumns,
  tableName,
  valueKind,
  type DataModel,
  type ResolvedColumn,
  type ResolvedDataModel,
  type TableRef,
} from '../domain/data-model.ts';

/** The data model of the demo warehouse, shipped in config/. */
export const DEMO_DATA_MODEL_PATH = fileURLToPath(new URL('../../config/data-model.json', import.meta.url));

export async function loadDataModelFile(path: string = DEMO_DATA_MODEL_PATH): Promise<DataModel> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new DataModelError([`${path}: cannot be read as JSON (${(error as Error).message})`]);
  }
  return parseDataModel(document);
}

const columnRow = z.object({ table_schema: z.string(), table_name: z.string(), column_name: z.string(), data_type: z.string() });

/**
 * Checks the data model against the live warehouse (information_schema) and resolves the columns each model
 * exports. Throws DataModelError naming every missing table or column, so a bad file stops the worker at start.
 */
export async function checkDataModel(db: CommonQueryMethods, model: DataModel): Promise<ResolvedDataModel> {
  const tables = [model.users.table, ...model.related.map((r) => r.table), ...model.related.flatMap((r) => r.joins.map((j) => j.references))];
  const schemas = [...new Set(tables.map((t) => t.schema))];
  const rows = await db.any(sql.type(columnRow)`
    select table_schema, table_name, column_name, data_type
    from information_schema.columns
    where table_schema = any(${sql.array(schemas, 'text')})
    order by table_schema, table_name, ordinal_position`);
  const live = new Map<string, ResolvedColumn[]>();
  for (const r of rows) {
    const key = `${r.table_schema}.${r.table_name}`;
    if (!live.has(key)) live.set(key, []);
    live.get(key)!.push({ name: r.column_name, dataType: r.data_type, kind: valueKind(r.data_type) });
  }

  const problems: string[] = [];
  const missingTables = new Set<string>();
  for (const t of tables) {
    if (!live.has(tableName(t)) && !missingTables.has(tableName(t))) {
      missingTables.add(tableName(t));
      problems.push(`table ${tableName(t)} does not exist in the warehouse`);
    }
  }
  for (const ref of referencedColumns(model)) {
    const columns = live.get(tableName(ref.table));
    if (columns && !columns.some((c) => c.name === ref.column)) {
      problems.push(`column ${tableName(ref.table)}.${ref.column} (${ref.role}) does not exist in the warehouse`);
    }
  }
  if (problems.length > 0) throw new DataModelError(problems);

  const columnsOf = (t: TableRef, computed: readonly string[]) => exportedColumns(live.get(tableName(t))!, computed);
  const users = {
    name: model.users.name,
    displayName: model.users.displayName,
    table: model.users.table,
    key: model.users.key,
    joins: [],
    identifierColumns: model.users.identifierColumns,
    columns: columnsOf(model.users.table, model.users.computedColumns),
  };
  const related = model.related.map((r) => ({
    name: r.name,
    displayName: r.displayName,
    table: r.table,
    key: r.key,
    joins: r.joins,
    columns: columnsOf(r.table, r.computedColumns),
  }));
  return { users, models: [users, ...related] };
}
