import { AsyncLocalStorage } from 'node:async_hooks';
import { createPgDriverFactory } from '@slonik/pg-driver';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { databaseConnection } from './connection-tls.ts';
import {
  createPool,
  createTypeParserPreset,
  SchemaValidationError,
  type DatabasePool,
  type DriverClient,
  type DriverFactory,
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

/** A database call that got no answer in time: the server is stalled, partitioned away or overloaded. */
export class DatabaseDeadlineError extends Error {
  readonly code = 'DATABASE_DEADLINE';
  constructor(what: string, ms: number) {
    super(`no answer from the database within ${ms} ms (${what})`);
    this.name = 'DatabaseDeadlineError';
  }
}

/** The API's deadline for one database call (the server cancels at this, the client gives up 1 s later). */
export const API_QUERY_TIMEOUT_MS = 4_000;
/** The worker's: activities run longer statements (exports, erasure); Temporal's activity timeouts bound the rest. */
export const WORKER_QUERY_TIMEOUT_MS = 60_000;
const CLIENT_GRACE_MS = 1_000;

// A longer client-side budget for the calls run inside withDatabaseBudget (a report over the whole audit trail).
const budget = new AsyncLocalStorage<number>();

/**
 * Runs `work` with `ms` as the client-side deadline of its database calls instead of the pool's. Only for the few
 * API calls that read a whole table on purpose; they must raise the server's statement_timeout themselves
 * (`set local statement_timeout` in their transaction).
 */
export const withDatabaseBudget = <T>(ms: number, work: () => Promise<T>): Promise<T> => budget.run(ms, work);

function withDeadline<T>(work: Promise<T>, ms: number, what: string, onExpiry: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onExpiry();
      reject(new DatabaseDeadlineError(what, ms));
    }, ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/**
 * slonik's pg driver, with a client-side deadline on every query: a frozen server (SIGSTOP, a stalled host) never
 * enforces its own statement_timeout, and pg waits for it forever. On expiry the connection is destroyed (the
 * server rolls its open transaction back when it wakes) and the call fails with DatabaseDeadlineError.
 */
function deadlineDriverFactory(deadlineMs: number): DriverFactory {
  const pgDriverFactory = createPgDriverFactory();
  return async (options) => {
    const driver = await pgDriverFactory(options);
    return {
      createClient: async () => {
        const client = await driver.createClient();
        const timed: DriverClient = {
          ...client,
          query: (text, values, queryOptions) => {
            const work = client.query(text, values, queryOptions);
            work.catch(() => {}); // once expired, its late failure is nobody's
            return withDeadline(work, budget.getStore() ?? deadlineMs, 'query', () => void client.destroy().catch(() => {}));
          },
        };
        return timed;
      },
    };
  };
}

// The pool call (waiting for a connection included) a query belongs to; expired: its caller has had its answer.
const poolCall = new AsyncLocalStorage<{ expired: boolean; ms: number }>();

// A call that timed out while queued for a connection must not run its statements later, after its caller was told
// it failed: each query checks its call first.
const abandonedCallGuard: Interceptor = {
  name: 'abandoned-call-guard',
  beforeQueryExecution: () => {
    const call = poolCall.getStore();
    if (call?.expired) throw new DatabaseDeadlineError('call expired before this query', call.ms);
    return null;
  },
};

const POOL_CALLS = new Set(['any', 'anyFirst', 'exists', 'many', 'manyFirst', 'maybeOne', 'maybeOneFirst', 'one', 'oneFirst', 'query', 'transaction', 'connect']);

/** Each call on the pool (a query, a whole transaction), from its start, fails with DatabaseDeadlineError after `ms`. */
function withCallDeadline(pool: DatabasePool, ms: number): DatabasePool {
  return new Proxy(pool, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !POOL_CALLS.has(property) || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (poolCall.getStore()) return value.apply(target, args); // inside a call already: its deadline holds
        const call = { expired: false, ms: budget.getStore() ?? ms };
        const work = poolCall.run(call, () => value.apply(target, args) as Promise<unknown>);
        work.catch(() => {});
        return withDeadline(work, call.ms, property, () => (call.expired = true));
      };
    },
  });
}

/**
 * One connection made and closed before the pool: slonik's first connection (it reads the type OIDs) waits forever in
 * pg's `end()` when the TLS handshake was refused (a client certificate the server does not accept), so a start would
 * hang instead of failing with the handshake's reason. A refused one is closed by destroying its socket, for the same reason.
 */
async function tlsHandshake(url: string, ssl: ConnectionOptions, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, ssl, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  const destroy = () => (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  try {
    await client.connect();
  } catch (error) {
    destroy();
    throw error;
  }
  await withDeadline(client.end(), 1_000, 'closing the TLS check', destroy).catch(() => {});
}

/**
 * `queryTimeoutMs`: the server cancels a statement after it; the client gives up on a query 1 s later (a frozen
 * server cancels nothing). `wholeCallDeadline`: the same bound on each pool call as a whole, the wait for a free
 * connection included (the API: a caller is answered in seconds whatever the load).
 */
export async function createDatabasePool(
  url: string,
  opts: { maximumPoolSize?: number; queryTimeoutMs?: number; wholeCallDeadline?: boolean } = {},
): Promise<DatabasePool> {
  const statementTimeout = opts.queryTimeoutMs ?? WORKER_QUERY_TIMEOUT_MS;
  const deadlineMs = statementTimeout + CLIENT_GRACE_MS;
  // TLS as the URL asks for it, libpq's way (src/db/connection-tls.ts): slonik's own reading drops the CA and the client certificate.
  const connection = databaseConnection(url);
  if (connection.ssl) await tlsHandshake(connection.url, connection.ssl, Math.min(5_000, deadlineMs));
  const creating = createPool(connection.url, {
    ...(connection.ssl ? { ssl: connection.ssl } : {}),
    driverFactory: deadlineDriverFactory(deadlineMs),
    interceptors: [abandonedCallGuard, resultParser],
    typeParsers: [...createTypeParserPreset().filter((p) => p.name !== 'timestamptz'), isoTimestamp],
    maximumPoolSize: opts.maximumPoolSize ?? 10,
    // A server that accepts the TCP connection but never answers the start-up (frozen) fails here, once: the next
    // call tries a new connection anyway.
    connectionTimeout: Math.min(5_000, deadlineMs),
    connectionRetryLimit: 0,
    statementTimeout,
    // Destroying a stuck connection waits this long for its query and its close, not slonik's default 5 s each.
    gracefulTerminationTimeout: 500,
    // No reset on release: slonik's default, DISCARD ALL, is a round trip after every pool call (a page of the
    // console made four, an intake a dozen), run on PostgreSQL's and Node's time. dsrflow leaves no state on a
    // connection: settings are `set local` / set_config(..., true), advisory locks are transaction-level, nothing is
    // prepared, listened to or kept in temporary tables (test/unit/architecture.test.ts checks src/ for each), and
    // slonik ends a failed transaction itself.
    resetConnection: async () => {},
  });
  // Over TLS, slonik's first connection can still wait forever (a handshake refused after the check above passed).
  const pool = connection.ssl ? await withDeadline(creating, 15_000, 'the pool’s first connection', () => {}) : await creating;
  return opts.wholeCallDeadline ? withCallDeadline(pool, deadlineMs) : pool;
}

/** The API's pool: every call answered, or failed with DatabaseDeadlineError, within API_QUERY_TIMEOUT_MS + 1 s. */
export const createApiDatabasePool = (url: string) => createDatabasePool(url, { queryTimeoutMs: API_QUERY_TIMEOUT_MS, wholeCallDeadline: true });

/** How long intake waits for the warehouse to name the subject's customer before it links by the identifiers given. */
export const WAREHOUSE_LOOKUP_TIMEOUT_MS = 2_000;

/**
 * The API's pool for intake's warehouse look-ups: the server cancels a statement after WAREHOUSE_LOOKUP_TIMEOUT_MS
 * (a users table without an index on its identifier columns, a long lock) and the connection is kept. A pool of its
 * own, so each look-up is one statement (a `set local statement_timeout` needed a transaction: four round trips).
 */
export const createWarehouseLookupPool = (url: string) =>
  createDatabasePool(url, { queryTimeoutMs: WAREHOUSE_LOOKUP_TIMEOUT_MS, wholeCallDeadline: true });

export type { DatabasePool };
