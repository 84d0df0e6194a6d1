import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { createActivities } from '../../src/activities/index.ts';
import { listRequestEvents } from '../../src/db/audit.ts';
import { seedDemoWarehouse } from '../../src/db/seed.ts';
import { ensureOrganization } from '../../src/db/tokens.ts';
import { createMailer } from '../../src/platform/mailer.ts';
import { json, testActivityDeps, testApp } from '../support/app.ts';
import { freshDatabase } from '../support/databases.ts';
import { devServer, mailCatcher } from '../support/stack.ts';
import { namedToken } from './staff-support.ts';

// POST /v1/requests with corrections (checked against the data model and the live warehouse before anything is
// recorded) and scopes, and GET /v1/requests/{id}/corrections. A database of its own with a seeded demo warehouse;
// workflows start on a task queue no worker polls.

const n = z.object({ n: z.number() });
const counts = (pool: DatabasePool) =>
  pool.one(sql.type(z.object({ requests: z.number(), items: z.number() }))`
    select (select count(*)::int from dsrflow.requests) as requests, (select count(*)::int from dsrflow.rectification_items) as items`);

const idOf = (pool: DatabasePool, query: ReturnType<typeof sql.fragment>) => pool.oneFirst(sql.type(z.object({ id: z.coerce.string() }))`select t.id ${query} order by t.id limit 1`);

describe('rectification requests through the API', () => {
  let pool: DatabasePool;
  let client: Client;
  let app: ReturnType<typeof testApp>;
  let owner: Record<string, string>;
  let ownerName: string;
  let order: string;
  let orderItem: string;
  let othersOrder: string;

  const post = (body: Record<string, unknown>, headers = owner) => app.request('/v1/requests', { method: 'POST', headers, body: JSON.stringify(body) });
  const rectify = (corrections: unknown, subject: Record<string, string> = { email: 'user3@example.com' }) => post({ type: 'rectify', regulation: 'GDPR', subject, corrections });

  before(async () => {
    pool = await freshDatabase('dsrflow_rectification_api', { maximumPoolSize: 4 });
    await ensureOrganization(pool, 'default');
    await seedDemoWarehouse(pool, { users: 20 });
    // A bounded text column, so the length check has something to check (the demo warehouse uses text).
    await pool.query(sql.unsafe`alter table warehouse.users add column nickname varchar(12)`);
    client = (await devServer()).client;
    app = testApp({ pool, client, taskQueue: `rectification-api-${randomUUID()}` });
    ({ headers: owner, name: ownerName } = await namedToken(pool, 'owner'));
    order = await idOf(pool, sql.fragment`from warehouse.orders t where t.user_id = 3`);
    orderItem = await idOf(pool, sql.fragment`from warehouse.order_items t join warehouse.orders o on o.id = t.order_id where o.user_id = 3`);
    othersOrder = await idOf(pool, sql.fragment`from warehouse.orders t where t.user_id = 5`);
  });
  after(() => pool.end());

  test('valid corrections are recorded with the request, in body order, and nothing is changed yet', async () => {
    const res = await rectify([
      { model: 'users', field: 'last_name', newValue: 'García López' },
      { model: 'users', field: 'email', newValue: 'user3.new@example.com' },
      { model: 'users', field: 'nickname', newValue: 'Ana' },
      { model: 'orders', field: 'shipping_address', rowKey: order, newValue: '12 Main Street' },
      { model: 'order_items', field: 'quantity', rowKey: orderItem, newValue: '3' },
      { model: 'users', field: 'phone', newValue: null },
    ]);
    assert.equal(res.status, 201, JSON.stringify(await res.clone().json()));
    const { id, type } = await json(res);
    assert.equal(type, 'rectify');
    const rows = await pool.any(sql.type(z.object({ position: z.number(), model: z.string(), field: z.string(), row_key: z.string().nullable(), new_value: z.string().nullable(), applied_at: z.string().nullable() }))`
      select position, model, field, row_key, new_value, applied_at from dsrflow.rectification_items where request_id = ${id} order by position`);
    assert.deepEqual(
      rows.map((r) => [r.position, r.model, r.field, r.row_key, r.new_value, r.applied_at]),
      [
        [0, 'users', 'last_name', null, 'García López', null],
        [1, 'users', 'email', null, 'user3.new@example.com', null],
        [2, 'users', 'nickname', null, 'Ana', null],
        [3, 'orders', 'shipping_address', order, '12 Main Street', null],
        [4, 'order_items', 'quantity', orderItem, '3', null],
        [5, 'users', 'phone', null, null, null],
      ],
    );
    assert.equal(await pool.oneFirst(sql.type(z.object({ e: z.string() }))`select email as e from warehouse.users where id = 3`), 'user3@example.com', 'applied by the workflow, not by the API');
  });

  test('every bad item gets its own clear error naming it, and nothing is recorded', async () => {
    const before = await counts(pool);
    const res = await rectify([
      { model: 'users', field: 'lifetime_value', newValue: '10' },
      { model: 'users', field: 'id', newValue: '99' },
      { model: 'invoices', field: 'total', newValue: '1' },
      { model: 'users', field: 'middle_name', newValue: 'Maria' },
      { model: 'users', field: 'birth_date', newValue: 'not-a-date' },
      { model: 'order_items', field: 'quantity', rowKey: orderItem, newValue: 'abc' },
      { model: 'users', field: 'nickname', newValue: 'much too long a nickname' },
      { model: 'users', field: 'first_name', newValue: null },
      { model: 'orders', field: 'shipping_address', rowKey: othersOrder, newValue: 'Elsewhere' },
      { model: 'orders', field: 'user_id', rowKey: order, newValue: '5' },
      { model: 'orders', field: 'status', newValue: 'paid' },
      { model: 'users', field: 'last_name', rowKey: '4', newValue: 'X' },
      { model: 'users', field: 'created_at', newValue: '2026-02-30T10:00:00Z' },
      { model: 'orders', field: 'status', rowKey: 'first', newValue: 'paid' },
      { model: 'users', field: 'churn_score', newValue: '0.5' },
      { model: 'orders', field: 'status', rowKey: order, newValue: 'shipped' },
      { model: 'orders', field: 'status', rowKey: order, newValue: 'paid' },
    ]);
    assert.equal(res.status, 400);
    const { error } = await json(res);
    assert.equal(error.code, 'VALIDATION_FAILED');
    const details = Object.fromEntries((error.details as Array<{ field: string; message: string }>).map((d) => [d.field, d.message]));
    assert.deepEqual(details, {
      'corrections[0].field': 'lifetime_value is computed by the warehouse and cannot be corrected',
      'corrections[1].field': 'id is the key of users and cannot be corrected',
      'corrections[2].model': 'no model "invoices" in the data model (models: users, orders, order_items, transactions, events, campaign_interactions)',
      'corrections[3].field': 'users has no field "middle_name"',
      'corrections[4].newValue': 'must be a date written YYYY-MM-DD for birth_date',
      'corrections[5].newValue': 'must be a whole number for quantity',
      'corrections[6].newValue': 'is 24 characters long; nickname holds at most 12',
      'corrections[7].newValue': 'first_name requires a value: null is not allowed',
      'corrections[8].rowKey': 'no orders record with this id belongs to the subject',
      'corrections[9].field': 'user_id links orders to other records and cannot be corrected',
      'corrections[10].rowKey': 'required for orders: the id of the record to correct',
      'corrections[11].rowKey': "users is the subject's own record: leave rowKey out",
      'corrections[12].newValue': 'is out of range for created_at (timestamp with time zone)',
      'corrections[13].rowKey': 'must be a whole number: the id of the orders record to correct',
      'corrections[14].field': 'churn_score is computed by the warehouse and cannot be corrected',
      'corrections[16]': 'corrects the same field of the same record as corrections[15]',
    });
    assert.match(error.message, /corrections\[0\]\.field/);
    assert.deepEqual(await counts(pool), before, 'nothing recorded');
  });

  test('corrections belong to rectify requests only, and a rectify request needs them', async () => {
    const before = await counts(pool);
    const other = await post({ type: 'access', regulation: 'GDPR', subject: { email: 'user3@example.com' }, corrections: [{ model: 'users', field: 'last_name', newValue: 'X' }] });
    assert.equal(other.status, 400);
    assert.deepEqual((await json(other)).error.details, [{ field: 'corrections', message: 'only rectify requests carry corrections, not access' }]);
    const missing = await post({ type: 'rectify', regulation: 'GDPR', subject: { email: 'user3@example.com' } });
    assert.equal(missing.status, 400);
    assert.equal((await json(missing)).error.details[0].field, 'corrections');
    const empty = await rectify([]);
    assert.equal(empty.status, 400);
    assert.equal((await json(empty)).error.details[0].field, 'corrections');
    const malformed = await rectify([{ model: 'users', field: 'last_name', newValue: 42 }]);
    assert.equal(malformed.status, 400);
    assert.match((await json(malformed)).error.details[0].field, /^corrections\.0\.newValue$/);
    assert.deepEqual(await counts(pool), before);
  });

  test('the same Idempotency-Key with the same corrections replays; with other corrections it is a 409', async () => {
    const key = randomUUID();
    const corrections = [{ model: 'users', field: 'last_name', newValue: 'Once' }];
    const body = (c: unknown) => JSON.stringify({ type: 'rectify', regulation: 'GDPR', subject: { email: 'user6@example.com' }, corrections: c });
    const headers = { ...owner, 'idempotency-key': key };
    const first = await app.request('/v1/requests', { method: 'POST', headers, body: body(corrections) });
    const again = await app.request('/v1/requests', { method: 'POST', headers, body: body(corrections) });
    assert.equal(first.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    const { id } = await json(first);
    assert.equal((await json(again)).id, id);
    assert.equal(await pool.oneFirst(sql.type(n)`select count(*)::int as n from dsrflow.rectification_items where request_id = ${id}`), 1, 'stored once');
    const changed = await app.request('/v1/requests', { method: 'POST', headers, body: body([{ model: 'users', field: 'last_name', newValue: 'Twice' }]) });
    assert.equal(changed.status, 409);
  });

  test('scopes: stored for restrict and object within their rules, shown on the request; refused elsewhere', async () => {
    const created = await post({ type: 'object', regulation: 'GDPR', subject: { email: 'user7@example.com' }, scopes: ['profiling', 'marketing', 'marketing'] });
    assert.equal(created.status, 201);
    const { id } = await json(created);
    assert.deepEqual((await json(await app.request(`/v1/requests/${id}`, { headers: owner }))).scopes, ['marketing', 'profiling']);
    const none = await json(await post({ type: 'object', regulation: 'GDPR', subject: { email: 'user7@example.com' } }));
    assert.equal((await json(await app.request(`/v1/requests/${none.id}`, { headers: owner }))).scopes, undefined, 'none named: the defaults apply later');
    assert.equal(await pool.maybeOneFirst(sql.type(z.object({ s: z.unknown() }))`select suppression_scopes as s from dsrflow.requests where id = ${none.id}`), null);

    const refusals: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ type: 'restrict', scopes: ['marketing'] }, 'scopes[0]', /marketing is not a scope of a restrict request \(allowed: all_processing\)/],
      [{ type: 'object', scopes: ['profiling', 'sale_sharing'] }, 'scopes[1]', /sale_sharing is not a scope of a object request/],
      [{ type: 'access', scopes: ['marketing'] }, 'scopes', /only restrict and object requests name scopes, not access/],
      [{ type: 'noSale', regulation: 'CCPA', scopes: ['sale_sharing'] }, 'scopes', /not noSale/],
      [{ type: 'object', scopes: ['everything'] }, 'scopes.0', /./],
    ];
    for (const [over, field, message] of refusals) {
      const res = await post({ regulation: 'GDPR', subject: { email: 'user7@example.com' }, ...over });
      assert.equal(res.status, 400, JSON.stringify(over));
      const detail = (await json(res)).error.details[0];
      assert.equal(detail.field, field);
      assert.match(detail.message, message);
    }
  });

  test('GET /v1/requests/{id}/corrections: before and after for staff and the auditor, each read audited; another organization is refused', async () => {
    const res = await rectify([{ model: 'users', field: 'last_name', newValue: 'Okonkwo' }, { model: 'orders', field: 'shipping_address', rowKey: await idOf(pool, sql.fragment`from warehouse.orders t where t.user_id = 9`), newValue: '1 Quay Street' }], { email: 'user9@example.com' });
    const { id } = await json(res);
    const before = await pool.oneFirst(sql.type(z.object({ v: z.string() }))`select last_name as v from warehouse.users where id = 9`);

    const pending = await json(await app.request(`/v1/requests/${id}/corrections`, { headers: owner }));
    assert.equal(pending.outcome, 'pending');
    assert.deepEqual(pending.items.map((i: { before: unknown; after: unknown; appliedAt: unknown }) => [i.before, i.after, i.appliedAt]), [[null, null, null], [null, null, null]]);

    const catcher = await mailCatcher();
    const mailer = createMailer(catcher.smtpUrl, 'dsrflow <privacy@dsrflow.localhost>');
    try {
      assert.deepEqual(await createActivities(testActivityDeps(pool, mailer)).applyRectification({ requestId: id }), { outcome: 'applied', applied: 2 });
    } finally {
      mailer.close();
    }

    const auditor = await namedToken(pool, 'auditor');
    const read = await app.request(`/v1/requests/${id}/corrections`, { headers: auditor.headers });
    assert.equal(read.status, 200);
    const body = await json(read);
    assert.equal(body.outcome, 'applied');
    assert.deepEqual(
      body.items.map(({ appliedAt, ...rest }: { appliedAt: string }) => ({ ...rest, applied: appliedAt !== null })),
      [
        { position: 0, model: 'users', field: 'last_name', rowKey: null, newValue: 'Okonkwo', before, after: 'Okonkwo', applied: true },
        { position: 1, model: 'orders', field: 'shipping_address', rowKey: body.items[1].rowKey, newValue: '1 Quay Street', before: body.items[1].before, after: '1 Quay Street', applied: true },
      ],
    );
    assert.match(body.items[1].before, /Rue de l'Église/);

    const ownController = await namedToken(pool, 'controller', 'default');
    assert.equal((await app.request(`/v1/requests/${id}/corrections`, { headers: ownController.headers })).status, 200);
    const stranger = await namedToken(pool, 'controller', 'acme');
    const refused = await app.request(`/v1/requests/${id}/corrections`, { headers: stranger.headers });
    assert.equal(refused.status, 403);
    assert.equal((await json(refused)).error.code, 'FORBIDDEN_ORGANIZATION');

    // Three reads answered, three audit events naming the reader; the refused read is not one of them.
    const viewed = (await listRequestEvents(pool, id)).filter((e) => e.action === 'rectification.viewed');
    assert.deepEqual(viewed.map((e) => e.actor), [ownerName, auditor.name, ownController.name]);
    assert.ok(!JSON.stringify(viewed).includes('Okonkwo'), 'the audit event does not copy the values');

    const access = await json(await post({ type: 'access', regulation: 'GDPR', subject: { email: 'user9@example.com' } }));
    const notRectify = await app.request(`/v1/requests/${access.id}/corrections`, { headers: owner });
    assert.equal(notRectify.status, 404);
    assert.equal((await json(notRectify)).error.code, 'NOT_A_RECTIFICATION');
  });
});
