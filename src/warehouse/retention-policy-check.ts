import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { DataModel } from '../domain/data-model.ts';
import { parseRetentionPolicy, policyColumns, policyProblems, RetentionPolicyError, type RetentionPolicy } from '../domain/retention.ts';

/** The retention policy of the demo warehouse, shipped in config/. */
export const DEMO_RETENTION_POLICY_PATH = fileURLToPath(new URL('../../config/retention-policy.json', import.meta.url));

export async function loadRetentionPolicyFile(path: string = DEMO_RETENTION_POLICY_PATH): Promise<RetentionPolicy> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new RetentionPolicyError([`${path}: cannot be read as JSON (${(error as Error).message})`]);
  }
  return parseRetentionPolicy(document);
}

const columnRow = z.object({ table_schema: z.string(), table_name: z.string(), column_name: z.string() });

/**
 * Checks the policy against the data model (a rule for every model) and the live warehouse (every column it reads
 * or writes exists). Throws RetentionPolicyError naming each problem, so a bad file stops the worker at start.
 */
export async function checkRetentionPolicy(db: CommonQueryMethods, policy: RetentionPolicy, model: DataModel): Promise<void> {
  const problems = policyProblems(policy, model);
  const tables = new Map([[model.users.name, model.users.table], ...model.related.map((r) => [r.name, r.table] as const)]);
  const rows = await db.any(sql.type(columnRow)`
    select table_schema, table_name, column_name from information_schema.columns
    where table_schema = any(${sql.array([...new Set([...tables.values()].map((t) => t.schema))], 'text')})`);
  const live = new Set(rows.map((r) => `${r.table_schema}.${r.table_name}.${r.column_name}`));
  for (const { model: name, column, role } of policyColumns(policy)) {
    const table = tables.get(name);
    if (table && !live.has(`${table.schema}.${table.name}.${column}`)) problems.push(`models.${name}: ${role} ${table.schema}.${table.name}.${column} does not exist in the warehouse`);
  }
  if (problems.length > 0) throw new RetentionPolicyError(problems);
}
