// A subject with N related rows in the demo warehouse, for the export bench and the faults suite.
import { sql } from 'slonik';
import { createDatabasePool } from '../../src/db/pool.ts';

/** The bench subject's related rows: half events, the rest orders with items and payments, and campaigns. */
export async function seedBulkSubject(url: string, rows: number, who: { userId?: number; email?: string; customerId?: string } = {}) {
  const BENCH_USER = who.userId ?? 1_000_000;
  const pool = await createDatabasePool(url, { maximumPoolSize: 2 });
  const orders = Math.round(rows * 0.1);
  await pool.query(sql.unsafe`delete from warehouse.transactions t using warehouse.orders o where o.id = t.order_id and o.user_id = ${BENCH_USER}`);
  await pool.query(sql.unsafe`delete from warehouse.order_items t using warehouse.orders o where o.id = t.order_id and o.user_id = ${BENCH_USER}`);
  for (const table of ['orders', 'events', 'campaign_interactions']) await pool.query(sql.unsafe`delete from ${sql.identifier(['warehouse', table])} where user_id = ${BENCH_USER}`);
  await pool.query(sql.unsafe`
    insert into warehouse.users (id, customer_id, email, first_name, last_name, phone, country, birth_date, created_at)
    values (${BENCH_USER}, ${who.customerId ?? 'cus_bench'}, ${who.email ?? 'bench@example.com'}, 'Zoë', 'García, Jr.', null, 'ES', '1980-05-17', now())
    on conflict (id) do nothing`);
  await pool.query(sql.unsafe`
    insert into warehouse.orders (user_id, placed_at, status, currency, total, shipping_address)
    select ${BENCH_USER}, now() - make_interval(mins => i), 'paid', 'EUR', (i % 500) + 0.99, i || ' Rue de l''Église, apt "B"' from generate_series(1, ${orders}::int) i`);
  await pool.query(sql.unsafe`
    insert into warehouse.order_items (order_id, sku, product_name, quantity, unit_price)
    select o.id, 'SKU-' || j, 'Café crème, 1kg', j, 9.5 from warehouse.orders o cross join generate_series(1, 2) j where o.user_id = ${BENCH_USER}`);
  await pool.query(sql.unsafe`
    insert into warehouse.transactions (order_id, occurred_at, kind, amount, currency, card_last4)
    select o.id, o.placed_at, 'payment', o.total, 'EUR', '4242' from warehouse.orders o where o.user_id = ${BENCH_USER}`);
  const rest = rows - orders * 4;
  await pool.query(sql.unsafe`
    insert into warehouse.events (user_id, occurred_at, name, ip_address, properties)
    select ${BENCH_USER}, now() - make_interval(secs => i), 'page_view', '10.0.0.1', jsonb_build_object('path', '/p/' || i)
    from generate_series(1, ${Math.round(rest * 0.8)}::int) i`);
  await pool.query(sql.unsafe`
    insert into warehouse.campaign_interactions (user_id, campaign, channel, action, occurred_at)
    select ${BENCH_USER}, 'newsletter-weekly', 'email', 'opened', now() - make_interval(days => i % 3000) from generate_series(1, ${rest - Math.round(rest * 0.8)}::int) i`);
  await pool.query(sql.unsafe`analyze`);
  await pool.end();
}
