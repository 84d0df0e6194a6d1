import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { sql, type DatabasePool } from 'slonik';
import type { ResolvedColumn, ResolvedModel } from '../domain/data-model.ts';
import { forEachCopyRow } from './copy-binary.ts';

// Rows leave PostgreSQL as text, one model after the other, ordered by key, through COPY ... TO STDOUT, paced by
// the writer (backpressure reaches PostgreSQL through the socket): memory holds a chunk of the stream, never a
// model. Every value is PostgreSQL's own text form (numeric keeps its scale, timestamps are ISO 8601 in UTC), so
// each format writes exactly what the database holds.
//
// The rows are read on a connection of their own (a plain `pg` client to the pool's database), not through slonik,
// whose per-row object stream and interceptors cost ~3x a COPY of the same query.
// - CSV is not formatted by Node at all: PostgreSQL writes it (COPY (query) TO STDOUT (FORMAT csv, HEADER)) and the
//   bytes go straight into the zip entry. Its rules are the CSV format's rules (NULL an empty field, an empty string
//   "", quotes doubled, a value with a comma, quote or line break quoted).
// - The other formats get rows of strings out of COPY's binary format (copy-binary.ts), one row at a time.

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

/** The query the row-by-row formats (JSON, XML, DOCX, PDF) run per model: columns c0..cN, then the key `k`, in key order. */
export function modelRowsQuery(model: ResolvedModel, userKey: string) {
  const list = model.columns.map((c, i) => sql.fragment`${columnExpression(c)} as ${sql.identifier([`c${i}`])}`);
  const key = sql.identifier(['t0', model.key]);
  // The key comes last, so the reader takes it off with pop() and hands the row itself over as the values.
  return sql.fragment`select ${sql.join(list, sql.fragment`, `)}, ${key}::text as k ${subjectRowsSource(model, userKey)} order by ${key}`;
}

/** COPY takes no parameters: the query's values (the user's key) are written in as literals, escaped by pg. */
function withLiterals(fragment: ReturnType<typeof sql.fragment>) {
  const query = sql.unsafe`${fragment}`;
  return query.sql.replace(/\$slonik_(\d+)/g, (_, n: string) => pg.escapeLiteral(String(query.values[Number(n) - 1])));
}

/**
 * The statement that writes one model's CSV file: the same values as modelRowsQuery, named by their columns (COPY's
 * header row), in key order, without the key column (the file holds the model's columns only). The benchmark runs
 * this same statement into a plain file as its floor.
 */
export function copyCsvStatement(model: ResolvedModel, userKey: string) {
  const list = model.columns.map((c) => sql.fragment`${columnExpression(c)} as ${sql.identifier([c.name])}`);
  const query = sql.fragment`select ${sql.join(list, sql.fragment`, `)} ${subjectRowsSource(model, userKey)} order by ${sql.identifier(['t0', model.key])}`;
  return `copy (${withLiterals(query)}) to stdout (format csv, header)`;
}

export interface SubjectReader {
  /** Rows per model, by model name, in one statement. */
  countRows(models: ResolvedModel[]): Promise<Record<string, number>>;
  /** Calls onRow for each row in key order; awaits it only when it returns a promise. */
  forEachRow(model: ResolvedModel, onRow: (values: RowValues, key: string) => void | Promise<void>): Promise<number>;
  /**
   * Streams the model's CSV file (header first) as COPY writes it into `into`, ending it, paced by it (backpressure
   * reaches PostgreSQL through the socket). Resolves with COPY's row count (its command tag) once the statement is done.
   */
  copyCsv(model: ResolvedModel, into: Writable): Promise<number>;
}

/** Values as PostgreSQL sends them: text, or null. */
const TEXT_ONLY = { getTypeParser: () => (value: string) => value };

/** A slonik fragment as the text and values `pg` takes ($slonik_N placeholders become $N). */
function toPg(fragment: ReturnType<typeof sql.fragment>) {
  const query = sql.unsafe`${fragment}`;
  return { text: query.sql.replaceAll('$slonik_', '$'), values: query.values as unknown[] };
}

/**
 * Runs `read` in one read-only repeatable-read transaction, so every model and every count comes from the same
 * snapshot. The statement timeout is lifted for it: a large subject streams for minutes, paced by the writer.
 * The transaction is on a dedicated connection to the pool's database, opened here and closed at the end, so the
 * pool stays free for the export's own bookkeeping meanwhile.
 */
export async function withSubjectSnapshot<T>(pool: DatabasePool, userKey: string, read: (reader: SubjectReader) => Promise<T>): Promise<T> {
  const { connectionUri, password, ssl } = pool.configuration;
  const client = new pg.Client({
    connectionString: connectionUri,
    ...(password === undefined ? {} : { password: typeof password === 'function' ? await password() : password }),
    // As the pool's connections: TLS only when DATABASE_URL asks for it (never pg's own PGSSLMODE).
    ssl: (ssl ?? false) as pg.ClientConfig['ssl'],
    types: TEXT_ONLY,
    application_name: 'dsrflow-export',
  });
  // A lost connection fails the query in flight; without a listener it would also crash the process.
  client.on('error', () => {});
  await client.connect();
  try {
    // One round trip: a simple query may hold several statements when it has no parameters.
    await client.query('begin isolation level repeatable read, read only; set local statement_timeout = 0');
    try {
      const result = await read(readerOn(client, userKey));
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    }
  } finally {
    await client.end().catch(() => {});
  }
}

function readerOn(client: pg.Client, userKey: string): SubjectReader {
  return {
    async countRows(models) {
      const counts = models.map((m) => sql.fragment`(select count(*) ${subjectRowsSource(m, userKey)})`);
      const { text, values } = toPg(sql.fragment`select ${sql.join(counts, sql.fragment`, `)}`);
      const result = await client.query<string[]>({ text, values, rowMode: 'array' });
      return Object.fromEntries(models.map((m, i) => [m.name, Number(result.rows[0]![i])]));
    },
    async forEachRow(model, onRow) {
      const statement = `copy (${withLiterals(modelRowsQuery(model, userKey))}) to stdout (format binary)`;
      let rows = 0;
      await copyOut(client, statement, (copy) =>
        forEachCopyRow(copy, (values) => {
          rows++;
          const key = values.pop()!;
          return onRow(values, key);
        }),
      );
      return rows;
    },
    copyCsv: (model, into) => copyOut(client, copyCsvStatement(model, userKey), (copy) => pipeline(copy, into)),
  };
}

/** Runs a COPY ... TO STDOUT whose output `consume` reads; resolves with COPY's row count (its command tag). */
async function copyOut(client: pg.Client, statement: string, consume: (copy: Readable) => Promise<unknown>): Promise<number> {
  const copy = client.query(copyTo(statement));
  // rowCount is set from the command tag, which may arrive after the data's end: wait for ReadyForQuery.
  const statementDone = new Promise<void>((resolve) => {
    (copy as unknown as { handleReadyForQuery(): void }).handleReadyForQuery = resolve;
  });
  try {
    await consume(copy);
  } catch (error) {
    // The COPY was cut off (a writer failed, or the activity was cancelled): the connection is still in COPY mode and
    // would never take another statement. Closing it ends the transaction on the server.
    client.connection.stream.destroy();
    throw error;
  }
  await statementDone;
  return copy.rowCount;
}
