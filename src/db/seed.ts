import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';

// Deterministic demo data: every value is a function of the row number, so two seeds of the same size
// are identical. Generated inside PostgreSQL with generate_series, so millions of rows take seconds.
// Names carry unicode, commas, quotes and apostrophes on purpose: exports must survive them.
const FIRST_NAMES = ['Zoë', 'José', 'Ana María', 'Søren', 'Renée "Rae"', 'Ólafur', 'Chloé', 'Li', 'Amara', 'Nikolaj', 'Siobhán', 'Ángel'];
const LAST_NAMES = ["O'Brien", 'Müller', 'García, Jr.', 'Nguyễn', 'Kowalski', 'Dubois', 'Smith', 'Łukasz', 'Björk', 'Okafor', 'Rossi', '王'];
const COUNTRIES = ['DE', 'FR', 'IE', 'GB', 'US', 'ES', 'BR', 'CA'];
const EVENT_NAMES = ['page_view', 'login', 'add_to_cart', 'checkout', 'search', 'logout'];
const CAMPAIGNS = ['spring-sale', 'newsletter-weekly', 'winback', 'black-friday'];

const pick = (values: readonly string[], expr: ReturnType<typeof sql.fragment>) =>
  sql.fragment`(${sql.array([...values], 'text')})[1 + ((${expr}) % ${values.length})]`;

export async function warehouseUserCount(pool: DatabasePool): Promise<number> {
  return pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from warehouse.users`);
}

/** Seeds the demo warehouse once; returns false when it already holds a seed. */
export async function seedDemoWarehouse(pool: DatabasePool, opts: { users: number }): Promise<boolean> {
  return pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`lock table warehouse.seed_runs in exclusive mode`);
    const done = await tx.exists(sql.type(z.object({ name: z.string() }))`select name from warehouse.seed_runs where name = 'demo'`);
    if (done) return false;
    const n = opts.users;
    await tx.query(sql.unsafe`
      insert into warehouse.users (id, customer_id, email, first_name, last_name, phone, country, birth_date, marketing_opt_in, created_at, churn_score)
      select i, 'cus_' || lpad(i::text, 7, '0'), 'user' || i || '@example.com',
             ${pick(FIRST_NAMES, sql.fragment`i * 7`)}, ${pick(LAST_NAMES, sql.fragment`i * 13`)},
             case when i % 5 = 0 then null else '+4915' || lpad((i * 7919 % 100000000)::text, 8, '0') end,
             ${pick(COUNTRIES, sql.fragment`i`)},
             date '1960-01-01' + (i * 97 % 15000),
             i % 3 = 0,
             timestamptz '2020-01-01 00:00:00+00' + make_interval(days => i * 37 % 1800, secs => i % 86400),
             (i * 31 % 100) / 100.0
      from generate_series(1, ${n}::int) as i`);
    await tx.query(sql.unsafe`
      insert into warehouse.orders (user_id, placed_at, status, currency, total, shipping_address)
      select u.id, u.created_at + make_interval(days => k * 11), (array['paid','shipped','refunded'])[1 + (u.id + k) % 3],
             'EUR', 0, k || ' Rue de l''Église, apt "B", ' || u.country
      from warehouse.users u cross join generate_series(1, (u.id % 4)::int) as k
      order by u.id, k`);
    await tx.query(sql.unsafe`
      insert into warehouse.order_items (order_id, sku, product_name, quantity, unit_price)
      select o.id, 'SKU-' || (o.id * 3 + j), ${pick(['Café crème, 1kg', 'Tee "classic"', 'Notebook\nA5', 'Chair'], sql.fragment`o.id + j`)},
             1 + (o.id + j) % 3, ((o.id * 17 + j * 5) % 9000) / 100.0 + 1
      from warehouse.orders o cross join generate_series(1, 1 + (o.id % 3)::int) as j
      order by o.id, j`);
    await tx.query(sql.unsafe`
      update warehouse.orders o set total = s.total
      from (select order_id, sum(quantity * unit_price) as total from warehouse.order_items group by order_id) s
      where s.order_id = o.id`);
    await tx.query(sql.unsafe`
      insert into warehouse.transactions (order_id, occurred_at, kind, amount, currency, card_last4)
      select o.id, o.placed_at + interval '5 minutes', 'payment', o.total, o.currency, lpad((o.id * 7 % 10000)::text, 4, '0')
      from warehouse.orders o order by o.id`);
    await tx.query(sql.unsafe`
      insert into warehouse.transactions (order_id, occurred_at, kind, amount, currency, card_last4)
      select o.id, o.placed_at + interval '9 days', 'refund', -o.total, o.currency, lpad((o.id * 7 % 10000)::text, 4, '0')
      from warehouse.orders o where o.status = 'refunded' order by o.id`);
    await tx.query(sql.unsafe`
      insert into warehouse.events (user_id, occurred_at, name, ip_address, properties)
      select u.id, u.created_at + make_interval(hours => e * 5), ${pick(EVENT_NAMES, sql.fragment`u.id + e`)},
             ('10.' || (u.id % 250) || '.' || (e % 250) || '.1')::inet,
             jsonb_build_object('path', '/p/' || e, 'note', case when e % 4 = 0 then null else 'ü, "q"' end)
      from warehouse.users u cross join generate_series(1, 1 + (u.id % 7)::int) as e
      order by u.id, e`);
    await tx.query(sql.unsafe`
      insert into warehouse.campaign_interactions (user_id, campaign, channel, action, occurred_at)
      select u.id, ${pick(CAMPAIGNS, sql.fragment`u.id + c`)}, (array['email','sms','push'])[1 + (u.id + c) % 3],
             (array['sent','opened','clicked'])[1 + c % 3], u.created_at + make_interval(days => c * 3)
      from warehouse.users u cross join generate_series(1, (u.id % 3)::int) as c
      order by u.id, c`);
    await tx.query(sql.unsafe`
      update warehouse.users u set lifetime_value = coalesce(s.ltv, 0)
      from (select user_id, sum(total) as ltv from warehouse.orders group by user_id) s
      where s.user_id = u.id`);
    // Identity columns must continue after the seeded ids.
    for (const table of ['users', 'orders', 'order_items', 'transactions', 'events', 'campaign_interactions']) {
      await tx.query(sql.unsafe`select setval(pg_get_serial_sequence(${'warehouse.' + table}, 'id'), coalesce((select max(id) from ${sql.identifier(['warehouse', table])}), 0) + 1, false)`);
    }
    await tx.query(sql.unsafe`insert into warehouse.seed_runs (name, users) values ('demo', ${n})`);
    return true;
  });
}
