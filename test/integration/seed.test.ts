import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { seedDemoWarehouse } from '../../src/db/seed.ts';
import { freshDatabase } from '../support/databases.ts';

const n = z.object({ n: z.number() });
const digest = z.object({ digest: z.string() });

const tableDigest = (pool: DatabasePool, table: string) =>
  pool.oneFirst(sql.type(digest)`select md5(string_agg(t::text, '|' order by t.id)) as digest from ${sql.identifier(['warehouse', table])} t`);

describe('the demo warehouse seed', () => {
  let a: DatabasePool;
  let b: DatabasePool;
  before(async () => {
    [a, b] = [await freshDatabase('seed_a'), await freshDatabase('seed_b')];
  });
  after(async () => {
    await a.end();
    await b.end();
  });

  test('seeds once: a second run changes nothing', async () => {
    assert.equal(await seedDemoWarehouse(a, { users: 40 }), true);
    assert.equal(await seedDemoWarehouse(a, { users: 40 }), false);
    assert.equal(await a.oneFirst(sql.type(n)`select count(*)::int as n from warehouse.users`), 40);
    // user i has i % 4 orders: ten cycles of 0+1+2+3
    assert.equal(await a.oneFirst(sql.type(n)`select count(*)::int as n from warehouse.orders`), 60);
  });

  test('is deterministic: two databases seeded alike hold the same rows', async () => {
    await seedDemoWarehouse(b, { users: 40 });
    for (const table of ['users', 'orders', 'order_items', 'transactions', 'events', 'campaign_interactions']) {
      assert.equal(await tableDigest(a, table), await tableDigest(b, table), `${table} differs`);
    }
  });

  test('related rows reach the user one and two hops away, and computed columns agree with them', async () => {
    const mismatches = await a.oneFirst(sql.type(n)`
      select count(*)::int as n from warehouse.users u
      where u.lifetime_value <> coalesce((select sum(o.total) from warehouse.orders o where o.user_id = u.id), 0)`);
    assert.equal(mismatches, 0);
    const twoHops = await a.oneFirst(sql.type(n)`
      select count(*)::int as n from warehouse.transactions t join warehouse.orders o on o.id = t.order_id where o.user_id = 3`);
    assert.ok(twoHops >= 3, 'user 3 has 3 orders, each with a payment');
  });

  test('carries the awkward values exports must survive: unicode, commas, quotes, newlines, NULLs', async () => {
    const has = async (fragment: ReturnType<typeof sql.fragment>) => a.oneFirst(sql.type(n)`select count(*)::int as n from ${fragment}`);
    assert.ok((await has(sql.fragment`warehouse.users where last_name like '%,%'`)) > 0);
    assert.ok((await has(sql.fragment`warehouse.users where first_name like '%"%'`)) > 0);
    assert.ok((await has(sql.fragment`warehouse.users where last_name like '%''%'`)) > 0);
    assert.ok((await has(sql.fragment`warehouse.users where first_name ~ '[^\\x00-\\x7F]'`)) > 0);
    assert.ok((await has(sql.fragment`warehouse.order_items where product_name like ${'%\n%'}`)) > 0);
    assert.ok((await has(sql.fragment`warehouse.users where phone is null`)) > 0);
  });
});
