import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import { databaseConnection } from './connection-tls.ts';

export const APP_SCHEMA = 'dsrflow';
const migrationsDir = fileURLToPath(new URL('./migrations', import.meta.url));

/**
 * Applies pending migrations (idempotent; node-pg-migrate takes an advisory lock, so concurrent starts are safe).
 * `count` stops after that many (tests of a data migration start from the schema before it).
 */
export async function migrate(databaseUrl: string, log: (line: string) => void = () => {}, opts: { count?: number } = {}): Promise<string[]> {
  const connection = databaseConnection(databaseUrl);
  const applied = await runner({
    ...(opts.count !== undefined ? { count: opts.count } : {}),
    // TLS as the pools read it (src/db/connection-tls.ts), not pg's own reading of sslmode or PGSSLMODE.
    databaseUrl: { connectionString: connection.url, ssl: connection.ssl },
    dir: migrationsDir,
    direction: 'up',
    migrationsTable: 'migrations',
    migrationsSchema: APP_SCHEMA,
    createMigrationsSchema: true,
    checkOrder: true,
    verbose: false,
    log,
    logger: { debug: () => {}, info: log, warn: log, error: log },
  });
  return applied.map((m) => m.name);
}
