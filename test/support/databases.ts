import { sql, type DatabasePool } from 'slonik';
import { migrate } from '../../src/db/migrate.ts';
import { createDatabasePool } from '../../src/db/pool.ts';
import { postgres } from './stack.ts';

/** The URL of database `name` on the shared PostgreSQL. */
export async function databaseUrl(name: string): Promise<string> {
  const url = new URL((await postgres()).url);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A fresh, migrated database of its own on the shared PostgreSQL, for tests that need an empty warehouse.
 * `migrations` stops after that many (a data migration's test migrates the rest itself).
 */
export async function freshDatabase(name: string, opts: { maximumPoolSize?: number; migrations?: number } = {}): Promise<DatabasePool> {
  const pg = await postgres();
  await pg.pool.query(sql.unsafe`drop database if exists ${sql.identifier([name])} with (force)`);
  await pg.pool.query(sql.unsafe`create database ${sql.identifier([name])}`);
  const url = await databaseUrl(name);
  await migrate(url, undefined, opts.migrations !== undefined ? { count: opts.migrations } : {});
  return createDatabasePool(url, { maximumPoolSize: opts.maximumPoolSize ?? 2 });
}
