import { DomainError } from '../domain/errors.ts';
import { InvalidInputError, sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { markCorrectionApplied, type CorrectionRow } from '../db/rectification.ts';
import { subjectRowsSource } from './subject-rows.ts';
import { isProfileModel, type ModelColumns } from './column-catalog.ts';

/** A correction the warehouse (or the data model) refuses: final, coded; the activity turns it into a non-retryable failure. */
const refusal = (message: string, code: string) => new DomainError(code, message);

// The warehouse side of rectification: each correction's row locked and read, updated, and its before and after
// values stored on the correction, all inside the caller's transaction (one for the whole request). Every name comes
// from the data model through sql.identifier; every value travels as a parameter, parsed by PostgreSQL as the
// column's type.

export interface AppliedCorrection {
  position: number;
  model: string;
  field: string;
  changed: boolean;
}

const lockedRow = z.object({ k: z.string(), v: z.string().nullable() });
const afterRow = z.object({ v: z.string().nullable() });

/** The SQLSTATE of a database error, through slonik's wrappers (22P02 loses its code there). */
function sqlState(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof InvalidInputError) return '22P02';
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return null;
}

const constraintOf = (error: unknown): string | null => {
  const constraint = (error as { constraint?: unknown }).constraint;
  return typeof constraint === 'string' ? constraint : null;
};

/**
 * A refusal by the warehouse (a value that no longer fits, a unique or check constraint) fails the request's
 * rectification for staff to look at; retrying would be refused again. The message names the correction, the
 * SQLSTATE and the constraint, never a value.
 */
function refused(label: string, error: unknown): unknown {
  const code = sqlState(error);
  if (code === null || !/^(22|23|42)/.test(code)) return error;
  const constraint = constraintOf(error);
  const why: Record<string, string> = {
    '23505': 'another record already holds this value',
    '23514': 'a check constraint refuses it',
    '23502': 'the column requires a value',
    '22001': 'it is too long for the column',
    '42703': 'the column no longer exists',
  };
  return refusal(
    `${label}: the warehouse refused the correction: ${why[code] ?? 'the value does not fit the column'} (SQLSTATE ${code}${constraint ? `, constraint ${constraint}` : ''})`,
    'RECTIFICATION.VALUE_REFUSED',
  );
}

/** Applies every correction not applied yet, in position order; the subject's rows only. */
export async function applyCorrections(
  tx: CommonQueryMethods,
  catalog: ReadonlyMap<string, ModelColumns>,
  run: { requestId: string; userKey: string; items: readonly CorrectionRow[] },
): Promise<AppliedCorrection[]> {
  const applied: AppliedCorrection[] = [];
  for (const item of run.items) {
    if (item.applied_at !== null) continue;
    const label = `corrections[${item.position}] (${item.model}.${item.field})`;
    const columns = catalog.get(item.model);
    if (!columns) throw refusal(`${label}: the data model has no model ${item.model} any more`, 'RECTIFICATION.MODEL_UNKNOWN');
    const column = columns.columns.get(item.field);
    if (!column || column.refusal) {
      throw refusal(`${label}: ${column?.refusal ?? 'the warehouse has no such column any more'}`, 'RECTIFICATION.FIELD_NOT_CORRECTABLE');
    }
    const { model } = columns;
    const key = (alias: string) => sql.identifier([alias, model.key]);
    const value = (alias: string) => sql.identifier([alias, item.field]);
    // The users row is the subject's own; a related row must be one of the subject's through the model's joins.
    const which = isProfileModel(model) ? sql.fragment`` : sql.fragment`and ${key('t0')} = ${item.row_key}`;
    try {
      const row = await tx.maybeOne(sql.type(lockedRow)`
        select ${key('t0')}::text as k, to_jsonb(${value('t0')}) #>> '{}' as v
        ${subjectRowsSource({ ...model, columns: [] }, run.userKey)} ${which}
        for update of t0`);
      if (!row) {
        throw refusal(`${label}: the record named by rowKey is not one of the subject's records`, 'RECTIFICATION.ROW_NOT_SUBJECTS');
      }
      const after = await tx.oneFirst(sql.type(afterRow)`
        update ${sql.identifier([model.table.schema, model.table.name])} as x set ${sql.identifier([item.field])} = ${item.new_value}
        where ${key('x')} = ${row.k}
        returning to_jsonb(${value('x')}) #>> '{}' as v`);
      await markCorrectionApplied(tx, { requestId: run.requestId, position: item.position, before: row.v, after });
      applied.push({ position: item.position, model: item.model, field: item.field, changed: row.v !== after });
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw refused(label, error);
    }
  }
  return applied;
}
