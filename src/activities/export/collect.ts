import { sql, type DatabasePool, type DatabasePoolConnection } from 'slonik';
import { z } from 'zod';
import type { ResolvedColumn, ResolvedModel } from '../../domain/data-model.ts';

// Rows leave PostgreSQL as text through a cursor (pg-query-stream under slonik's `stream`), one model after the
// other, ordered by key: memory holds a batch of rows, never a model. Every value is PostgreSQL's own text form
// (numeric keeps its scale, timestamps are ISO 8601 in UTC), so each format writes exactly what the database holds.

export type RowValues = ReadonlyArray<string | null>;

/** The select list: every exported column as text, aliased c0..cN; timestamps as ISO 8601 (UTC for timestamptz). */
function columnExpression(column: ResolvedColumn) {
  const col = sql.identifier(['t0', column.name]);
  if (column.dataType === 'timestamp with time zone') return sql.fragment`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  if (column.dataType === 'timestamp without time zone') return sql.fragment`to_char(${col}, 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
  if (column.dataType === 'date') return sql.fragment`to_char(${col}, 'YYYY-MM-DD')`;
  // inet's text cast adds the mask (10.0.0.1/32); its output function (what to_jsonb uses) does not.
  if (column.dataType === 'inet') return sql.fragment`to_jsonb(${col}) #>> '{}'`;
  return sql.fragment`${col}::text`;
}

/** `from <table> t0 join ... where <last hop> = userKey`: the rows of one model that belong to the user. */
export function subjectRowsSource(model: ResolvedModel, userKey: string) {
  const table = (t: { schema: string; name: string }) => sql.identifier([t.schema, t.name]);
  if (model.joins.length === 0) {
    return sql.fragment`from ${table(model.table)} t0 where ${sql.identifier(['t0', model.key])} = ${userKey}`;
  }
  const joins = model.joins.slice(0, -1).map((hop, i) => {
    const alias = `t${i + 1}`;
    return sql.fragment`join ${table(hop.references)} ${sql.identifier([alias])} on ${sql.identifier([alias, hop.referencedColumn])} = ${sql.identifier([`t${i}`, hop.column])}`;
  });
  const last = model.joins.at(-1)!;
  const lastAlias = `t${model.joins.length - 1}`;
  const joined = joins.length === 0 ? sql.fragment`` : sql.join(joins, sql.fragment` `);
  return sql.fragment`from ${table(model.table)} t0 ${joined} where ${sql.identifier([lastAlias, last.column])} = ${userKey}`;
}

/** The query every export runs per model; the benchmark runs the same one under COPY as the floor. */
export function modelRowsQuery(model: ResolvedModel, userKey: string, after?: string) {
  const list = model.columns.map((c, i) => sql.fragment`${columnExpression(c)} as ${sql.identifier([`c${i}`])}`);
  const key = sql.identifier(['t0', model.key]);
  const resume = after === undefined ? sql.fragment`` : sql.fragment`and ${key} > ${after}`;
  return sql.fragment`select ${key}::text as k, ${sql.join(list, sql.fragment`, `)} ${subjectRowsSource(model, userKey)} ${resume} order by ${key}`;
}

const countRow = z.object({ n: z.number() });

export interface SubjectReader {
  count(model: ResolvedModel): Promise<number>;
  /** Calls onRow for each row in key order (after `after` when resuming); awaits it only when it returns a promise. */
  forEachRow(model: ResolvedModel, onRow: (values: RowValues, key: string) => void | Promise<void>, opts?: { after?: string }): Promise<number>;
}

/**
 * Runs `read` in one read-only repeatable-read transaction, so every model and every count comes from the same
 * snapshot. The statement timeout is lifted for it: a large subject streams for minutes, paced by the writer.
 */
export async function withSubjectSnapshot<T>(pool: DatabasePool, userKey: string, read: (reader: SubjectReader) => Promise<T>): Promise<T> {
  // A plain BEGIN on a held connection rather than pool.transaction(): the export records its progress through
  // the pool meanwhile, which slonik refuses inside a transaction's async context.
  return pool.connect(async (connection) => {
    await connection.query(sql.unsafe`begin isolation level repeatable read, read only`);
    try {
      await connection.query(sql.unsafe`set local statement_timeout = 0`);
      const result = await read(readerOn(connection, userKey));
      await connection.query(sql.unsafe`commit`);
      return result;
    } catch (error) {
      await connection.query(sql.unsafe`rollback`).catch(() => {});
      throw error;
    }
  });
}

function readerOn(tx: DatabasePoolConnection, userKey: string): SubjectReader {
  return {
    count: (model) => tx.oneFirst(sql.type(countRow)`select count(*)::int as n ${subjectRowsSource(model, userKey)}`),
    async forEachRow(model, onRow, opts = {}) {
      const width = model.columns.length;
      const names = model.columns.map((_, i) => `c${i}`);
      let rows = 0;
      let consumer: Promise<void> = Promise.resolve();
      await tx.stream(sql.unsafe`${modelRowsQuery(model, userKey, opts.after)}`, (stream) => {
        consumer = (async () => {
          for await (const datum of stream as AsyncIterable<{ data: Record<string, string | null> }>) {
            const values = new Array<string | null>(width);
            for (let i = 0; i < width; i++) values[i] = datum.data[names[i]!] ?? null;
            rows++;
            const pending = onRow(values, datum.data.k!);
            if (pending) await pending;
          }
        })();
      });
      await consumer;
      return rows;
    },
  };
}
