import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { ensureDeletionTable, pushDeletionBatch } from '../../src/warehouse/deletion-table.ts';
import { createErasureActivities, type ErasureActivities } from '../../src/activities/erasure/index.ts';
import { checkRetentionPolicy } from '../../src/warehouse/retention-policy-check.ts';
import { listRequestEvents } from '../../src/db/audit.ts';
import { findErasurePlan, listErasureRuns } from '../../src/db/erasure.ts';
import { insertRequest } from '../../src/db/requests.ts';
import { RetentionPolicyError, parseRetentionPolicy } from '../../src/domain/retention.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMailer } from '../../src/platform/mailer.ts';
import { workflowIdFor } from '../../src/workflow-client/starts.ts';
import { demoDataModel, demoRetentionPolicy } from '../support/app.ts';
import { mailCatcher } from '../support/stack.ts';
import { exportDatabase, requestFor, warehouseDigest } from './export-support.ts';

const n = z.object({ n: z.number() });
const ids = z.object({ id: z.coerce.string() });

const erasureRequest = (pool: DatabasePool, subject: { email: string }) => requestFor(pool, subject, 'erasure');

const keysOf = async (pool: DatabasePool, query: ReturnType<typeof sql.fragment>) => (await pool.any(sql.type(ids)`select t.id ${query} order by t.id`)).map((r) => r.id);

describe('erasure on real PostgreSQL: the demo policy on a seeded warehouse', () => {
  let pool: DatabasePool;
  let activities: ErasureActivities;
  let closeMailer: () => void;
  const asOf = '2026-11-22T12:00:00.000Z';

  before(async () => {
    pool = await exportDatabase('dsrflow_erasure');
    const catcher = await mailCatcher();
    const mailer = createMailer(catcher.smtpUrl, 'dsrflow <privacy@dsrflow.localhost>');
    closeMailer = () => mailer.close();
    activities = createErasureActivities({
      pool,
      mailer,
      logger: createLogger('silent'),
      publicUrl: 'http://dsrflow.test',
      staffEmail: 'privacy-team@dsrflow.test',
      dataModel: demoDataModel,
      retentionPolicy: demoRetentionPolicy,
    });
  });
  after(async () => {
    closeMailer();
    await pool.end();
  });

  test('the demo policy matches the demo warehouse; a column it lacks is named', async () => {
    await checkRetentionPolicy(pool, demoRetentionPolicy, demoDataModel);
    const bad = parseRetentionPolicy({ ...demoPolicyWith('events', { category: 'analytics_identifiers', action: { type: 'anonymize', columns: { ip_adress: null } } }) });
    await assert.rejects(checkRetentionPolicy(pool, bad, demoDataModel), (e: unknown) => e instanceof RetentionPolicyError && /warehouse\.events\.ip_adress/.test(e.message));
  });

  test('eligible rows are deleted or anonymized, retained rows stay intact, counts are right, a re-run changes nothing', async () => {
    // User 7 of the seed: orders from 2020 (one still paid: an open contract), with 2020 transactions (tax: kept to
    // 2027). Add a shipped order of 2018 with its line and payment: past its 7 years, so it goes.
    const user = 7;
    const oldOrder = await pool.oneFirst(sql.type(ids)`
      insert into warehouse.orders (user_id, placed_at, status, currency, total) values (${user}, '2018-03-01T10:00:00Z', 'shipped', 'EUR', 10) returning id`);
    const oldItem = await pool.oneFirst(sql.type(ids)`
      insert into warehouse.order_items (order_id, sku, product_name, quantity, unit_price) values (${oldOrder}, 'SKU-OLD', 'Old thing', 1, 10) returning id`);
    const oldPayment = await pool.oneFirst(sql.type(ids)`
      insert into warehouse.transactions (order_id, occurred_at, kind, amount, currency) values (${oldOrder}, '2018-03-01T10:05:00Z', 'payment', 10, 'EUR') returning id`);

    const seededOrders = await keysOf(pool, sql.fragment`from warehouse.orders t where t.user_id = ${user} and t.id <> ${oldOrder}`);
    const paidOrders = await keysOf(pool, sql.fragment`from warehouse.orders t where t.user_id = ${user} and t.status = 'paid'`);
    const seededPayments = await keysOf(pool, sql.fragment`from warehouse.transactions t join warehouse.orders o on o.id = t.order_id where o.user_id = ${user} and t.id <> ${oldPayment}`);
    const seededItems = await keysOf(pool, sql.fragment`from warehouse.order_items t join warehouse.orders o on o.id = t.order_id where o.user_id = ${user} and t.id <> ${oldItem}`);
    const events = await pool.oneFirst(sql.type(n)`select count(*)::int as n from warehouse.events where user_id = ${user}`);
    const campaigns = await pool.oneFirst(sql.type(n)`select count(*)::int as n from warehouse.campaign_interactions where user_id = ${user}`);
    const otherUsersBefore = await pool.oneFirst(sql.type(n)`select count(*)::int as n from warehouse.events where user_id <> ${user}`);
    assert.ok(seededOrders.length === 3 && paidOrders.length === 1 && events > 0 && campaigns > 0, 'the seed gives user 7 three orders, one paid, events and campaign rows');

    const requestId = await erasureRequest(pool, { email: 'User7@Example.com' });
    const result = await activities.eraseSubjectData({ requestId, pass: 'initial', asOf, legalExceptions: [], actor: 'dpo-jane' });
    assert.deepEqual(result.outcome, 'erased');
    assert.deepEqual(result.erased, { campaign_interactions: campaigns, events, order_items: 1, orders: 1, transactions: 1, users: 1 });
    assert.deepEqual(result.retained, { order_items: seededItems.length, orders: 3, transactions: seededPayments.length });
    assert.equal(result.nextReviewAt?.slice(0, 4), '2027', 'the 2020 payments are looked at again when their 7 years end');

    // Gone: events, campaign rows, the 2018 order with its line and payment.
    assert.equal(await pool.oneFirst(sql.type(n)`select count(*)::int as n from warehouse.events where user_id = ${user}`), 0);
    assert.equal(await pool.oneFirst(sql.type(n)`select count(*)::int as n from warehouse.campaign_interactions where user_id = ${user}`), 0);
    assert.deepEqual(await keysOf(pool, sql.fragment`from warehouse.orders t where t.id = ${oldOrder}`), []);
    assert.deepEqual(await keysOf(pool, sql.fragment`from warehouse.transactions t where t.id = ${oldPayment}`), []);
    assert.deepEqual(await keysOf(pool, sql.fragment`from warehouse.order_items t where t.id = ${oldItem}`), []);
    // Kept intact: the seeded orders, their lines and payments.
    assert.deepEqual(await keysOf(pool, sql.fragment`from warehouse.orders t where t.user_id = ${user}`), seededOrders);
    assert.deepEqual(await keysOf(pool, sql.fragment`from warehouse.transactions t join warehouse.orders o on o.id = t.order_id where o.user_id = ${user}`), seededPayments);
    assert.deepEqual(await keysOf(pool, sql.fragment`from warehouse.order_items t join warehouse.orders o on o.id = t.order_id where o.user_id = ${user}`), seededItems);
    // The profile is anonymized, the row kept (orders point to it).
    const profile = await pool.one(sql.type(z.object({ email: z.string(), customer_id: z.string(), first_name: z.string(), phone: z.string().nullable(), birth_date: z.string().nullable(), country: z.string() }))`
      select email, customer_id, first_name, phone, birth_date::text, country from warehouse.users where id = ${user}`);
    assert.deepEqual(profile, { email: 'erased-7@erased.invalid', customer_id: 'erased-7', first_name: 'erased', phone: null, birth_date: null, country: 'CA' });
    // No other user's rows were touched.
    assert.equal(await pool.oneFirst(sql.type(n)`select count(*)::int as n from warehouse.events where user_id <> ${user}`), otherUsersBefore);
    assert.equal(await pool.oneFirst(sql.type(n)`select count(*)::int as n from warehouse.users where email like 'erased-%'`), 1);

    // The plan is stored with the request; each retained group is documented in the audit trail.
    const stored = await findErasurePlan(pool, requestId, 'initial');
    assert.equal(stored?.user_key, '7');
    const events1 = await listRequestEvents(pool, requestId);
    const retainedEvents = events1.filter((e) => e.action === 'erasure.rows_retained');
    assert.deepEqual(retainedEvents.map((e) => e.details.model).sort(), ['order_items', 'orders', 'transactions']);
    const tax = retainedEvents.find((e) => e.details.model === 'transactions')!;
    assert.match(tax.reason ?? '', /tax_records/);
    assert.ok(events1.some((e) => e.action === 'erasure.rows_deleted' && e.details.model === 'events' && e.details.rows === events));
    assert.ok(events1.some((e) => e.action === 'erasure.rows_anonymized' && e.details.model === 'users'));

    // A retry of the same pass (a lost activity result) changes nothing and counts nothing twice.
    const digest = await warehouseDigest(pool);
    const again = await activities.eraseSubjectData({ requestId, pass: 'initial', asOf, legalExceptions: [], actor: 'dpo-jane' });
    assert.deepEqual(again, result);
    assert.deepEqual(await warehouseDigest(pool), digest);
    assert.equal((await listRequestEvents(pool, requestId)).length, events1.length, 'no audit event twice');
    // A fresh pass at the same moment finds nothing more to erase.
    const fresh = await activities.eraseSubjectData({ requestId, pass: 'same-day-review', asOf, actor: 'system' });
    assert.deepEqual(await warehouseDigest(pool), digest);
    assert.ok(Object.values(fresh.erased).every((rows) => rows === 0), `nothing erased on a second pass: ${JSON.stringify(fresh.erased)}`);

    // The subject is told what was kept, why and until when.
    const catcher = await mailCatcher();
    await activities.notifyErasureOutcome({ requestId });
    await activities.notifyErasureOutcome({ requestId });
    const mail = await catcher.waitFor((m) => m.to.some((t) => t.toLowerCase() === 'user7@example.com') && /erasure request/.test(m.subject));
    assert.match(mail.text, /Activity events: \d+ record\(s\) deleted/);
    assert.match(mail.text, /Profile: 1 record\(s\) anonymized/);
    assert.match(mail.text, /Payments and refunds: \d+ record\(s\), because tax and accounting law requires us to keep it\. We keep it until \p{L}+ \d{1,2}, 2027/u);
    assert.match(mail.text, /while the order or contract is open/);
    assert.equal(catcher.messages().filter((m) => m.to.some((t) => t.toLowerCase() === 'user7@example.com')).length, 1, 'the notice is sent once');

    // When the 2020 payments' period has ended, a scheduled pass erases them and the orders they kept; the open order stays.
    const later = await activities.eraseSubjectData({ requestId, pass: '2028-01-01T00:00:00.000Z', asOf: '2028-01-01T00:00:00.000Z' });
    assert.equal(later.erased.transactions, seededPayments.length);
    assert.equal(later.erased.orders, 2);
    assert.deepEqual(await keysOf(pool, sql.fragment`from warehouse.orders t where t.user_id = ${user}`), paidOrders);
    assert.deepEqual(later.retained, { order_items: (await keysOf(pool, sql.fragment`from warehouse.order_items t where t.order_id = ${paidOrders[0]!}`)).length, orders: 1 });
    assert.equal(later.nextReviewAt, '2028-02-01T00:00:00.000Z', 'an open contract has no date: looked at again 30 days on (recheckEvery)');
    assert.equal((await listErasureRuns(pool, requestId)).filter((r) => r.model === 'users').reduce((s, r) => s + r.rows, 0), 1, 'the profile is anonymized once');
  });

  test('a legal_claims hold keeps everything it covers; analytics events still go', async () => {
    const user = 11;
    const events = await pool.oneFirst(sql.type(n)`select count(*)::int as n from warehouse.events where user_id = ${user}`);
    const orders = await pool.oneFirst(sql.type(n)`select count(*)::int as n from warehouse.orders where user_id = ${user}`);
    const campaigns = await campaignCount(pool, user);
    const requestId = await erasureRequest(pool, { email: `user${user}@example.com` });
    const result = await activities.eraseSubjectData({ requestId, pass: 'initial', asOf, legalExceptions: ['legal_claims'], actor: 'dpo-jane' });
    assert.deepEqual(result.erased, { events, ...campaigns });
    assert.equal(result.retained.users, 1);
    assert.equal(result.retained.orders, orders);
    assert.equal(await pool.oneFirst(sql.type(z.object({ email: z.string() }))`select email from warehouse.users where id = ${user}`), `user${user}@example.com`, 'the profile is held, not anonymized');
    const planned = (await listRequestEvents(pool, requestId)).find((e) => e.action === 'erasure.planned')!;
    assert.deepEqual(planned.details.holds, ['legal_claims']);
  });

  test('erasure asked by email: the deletion_requests row carries the customer id and phone the warehouse held, and both hashes', async () => {
    const user = 13;
    const held = await pool.one(sql.type(z.object({ email: z.string(), customer_id: z.string(), phone: z.string() }))`
      select email, customer_id, phone from warehouse.users where id = ${user}`);
    // The receiver's side, computed here: SHA-256 of the trimmed, lower-cased email and of the E.164 phone (the
    // seed writes it in E.164 already).
    assert.match(held.phone, /^\+49\d+$/);
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    const expected = {
      user_key: String(user),
      email: held.email,
      customer_id: held.customer_id,
      phone: held.phone,
      email_sha256: sha256(held.email.trim().toLowerCase()),
      phone_sha256: sha256(held.phone),
    };
    const requestId = await erasureRequest(pool, { email: `  USER${user}@example.com` });
    assert.equal((await activities.eraseSubjectData({ requestId, pass: 'initial', asOf })).outcome, 'erased');
    const anonymized = await pool.one(sql.type(z.object({ customer_id: z.string(), phone: z.string().nullable() }))`select customer_id, phone from warehouse.users where id = ${user}`);
    assert.deepEqual(anonymized, { customer_id: `erased-${user}`, phone: null }, 'the warehouse no longer holds them');
    // A retry after the erasure (a lost result) keeps what was captured before it.
    await activities.eraseSubjectData({ requestId, pass: 'initial', asOf });

    await ensureDeletionTable(pool);
    assert.ok((await pushDeletionBatch(pool, 'delta_storage', 10_000)) >= 1);
    const Row = z.object({ user_key: z.string().nullable(), email: z.string().nullable(), customer_id: z.string().nullable(), phone: z.string().nullable(), email_sha256: z.string().nullable(), phone_sha256: z.string().nullable() });
    const rows = await pool.any(sql.type(Row)`
      select user_key, email, customer_id, phone, email_sha256, phone_sha256 from delta_storage.deletion_requests where request_id = ${requestId}`);
    assert.deepEqual(rows, [expected]);
    assert.equal(await pool.oneFirst(sql.type(n)`select count(*)::int as n from dsrflow.deletion_queue where request_id = ${requestId}`), 0, 'held in the queue only until pushed');
    assert.equal(
      await pool.oneFirst(sql.type(n)`select count(*)::int as n from dsrflow.deletion_outbox o where o.request_id = ${requestId} and o.user_key = ${String(user)}`),
      1,
      'the ledger keeps the request (entered once) and its key, no identifier',
    );
  });

  test('identifiers that match nobody: nothing erased, the documented answer', async () => {
    const requestId = await erasureRequest(pool, { email: 'nobody-here@example.com' });
    const result = await activities.eraseSubjectData({ requestId, pass: 'initial', asOf });
    assert.deepEqual(result, { outcome: 'noData', erased: {}, retained: {}, nextReviewAt: null });
    // Downstream still hears of it, with the identifiers given (it may hold data we do not).
    const queued = await pool.one(sql.type(z.object({ email: z.string(), email_sha256: z.string(), phone_sha256: z.string().nullable() }))`
      select email, email_sha256, phone_sha256 from dsrflow.deletion_queue where request_id = ${requestId}`);
    assert.deepEqual(queued, { email: 'nobody-here@example.com', email_sha256: createHash('sha256').update('nobody-here@example.com').digest('hex'), phone_sha256: null });
    await activities.notifyErasureOutcome({ requestId });
    const mail = await (await mailCatcher()).waitFor((m) => m.to.includes('nobody-here@example.com'));
    assert.match(mail.text, /hold no personal data about you/);
  });
});

async function campaignCount(pool: DatabasePool, user: number) {
  const c = await pool.oneFirst(sql.type(n)`select count(*)::int as n from warehouse.campaign_interactions where user_id = ${user}`);
  return c > 0 ? { campaign_interactions: c } : {};
}

function demoPolicyWith(model: string, rule: unknown) {
  return { version: 1, models: { ...demoRetentionPolicy.models, [model]: rule } };
}
