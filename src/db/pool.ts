import {
  createPool,
  createTypeParserPreset,
  SchemaValidationError,
  type DatabasePool,
  type Interceptor,
  type QueryResultRow,
} from 'slonik';

// Rows are validated against the zod schema named in `sql.type(...)`, not only typed.
const resultParser: Interceptor = {
  name: 'result-parser',
  transformRowAsync: async (context, query, row) => {
    if (!context.resultParser) return row;
    const result = await context.resultParser['~standard'].validate(row);
    if (result.issues) throw new SchemaValidationError(query, row, result.issues);
    return result.value as QueryResultRow;
  },
};

// timestamptz arrives as an ISO-8601 string (the preset gives epoch milliseconds); row schemas say so.
const isoTimestamp = {
  name: 'timestamptz',
  parse: (value: string) => (value === null ? value : new Date(value).toISOString()),
};

export async function createDatabasePool(url: string, opts: { maximumPoolSize?: number } = {}): Promise<DatabasePool> {
  return createPool(url, {
    interceptors: [resultParser],
    typeParsers: [...createTypeParserPreset().filter((p) => p.name !== 'timestamptz'), isoTimestamp],
    maximumPoolSize: opts.maximumPoolSize ?? 10,
    connectionTimeout: 5_000,
    statementTimeout: 60_000,
  });
}

export type { DatabasePool };
