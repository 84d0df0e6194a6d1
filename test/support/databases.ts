import { sql, type DatabasePool } from 'slonik';
import { migrate } from '../../src/db/migrate.ts';
import { createDatabasePool } from '../../src/db/pool.ts';
import { postgres } from './stack.ts';

/** A fresh, migrated database of its own on the shared PostgreSQL, for tests that need an empty warehouse. */
export async function freshDatabase(name: string, opts: { maximumPoolSize?: number } = {}): Promise<DatabasePool> {
  const pg = await postgres();
  await pg.pool.query(sql.unsafe`drop database if exists ${sql.identifier([name])} with (force)`);
  await pg.pool.query(sql.unsafe`create database ${sql.identifier([name])}`);
  const url = new URL(pg.url);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return createDatabasePool(url.toString(), { maximumPoolSize: opts.maximumPoolSize ?? 2 });
}
