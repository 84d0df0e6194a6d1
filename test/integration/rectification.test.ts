import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { createActivities, type Activities } from '../../src/activities/index.ts';
import { withoutPersonalDataInFailures } from '../../src/activities/failures.ts';
import { listRequestEvents } from '../../src/db/audit.ts';
import { findRectificationOutcome, listCorrections, type NewCorrection } from '../../src/db/rectification.ts';
import { insertRequest } from '../../src/db/requests.ts';
import { createMailer } from '../../src/platform/mailer.ts';
import { workflowIdFor } from '../../src/workflow-client/starts.ts';
import { testActivityDeps } from '../support/app.ts';
import { mailCatcher } from '../support/stack.ts';
import { exportDatabase, warehouseDigest } from './export-support.ts';

// The rectification activities on real PostgreSQL: a seeded demo warehouse of its own, requests recorded as the API
// records them (corrections in dsrflow.rectification_items), activities called directly as the workflow calls them,
// wrapped as the worker wraps them (so failures read as Temporal would carry them).

const userRow = z.object({ email: z.string(), last_name: z.string(), birth_date: z.string().nullable(), phone: z.string().nullable() });
const readUser = (pool: DatabasePool, id: number) =>
  pool.one(sql.type(userRow)`select email, last_name, birth_date::text, phone from warehouse.users where id = ${id}`);

const orderOf = (pool: DatabasePool, userId: number) =>
  pool.oneFirst(sql.type(z.object({ id: z.coerce.string() }))`select id from warehouse.orders where user_id = ${userId} order by id limit 1`);

/** Records a rectification request with its corrections, as the API does once it has checked them. */
async function rectifyRequest(pool: DatabasePool, subject: { email: string; customerId?: string }, corrections: NewCorrection[]) {
  const id = randomUUID();
  const now = new Date().toISOString();
  await insertRequest(pool, {
    id,
    organizationId: 'default',
    type: 'rectify',
    regulation: 'GDPR',
    channel: 'api',
    receivedAt: now,
    dueAt: now,
    acknowledgeBy: null,
    workflowId: workflowIdFor(id),
    idempotencyKey: null,
    fingerprint: 'test',
    createdBy: 'test',
    subject,
    corrections,
  });
  return id;
}

/** The activity's failure as the workflow would see it: a coded, non-retryable ApplicationFailure. */
async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (error) {
    assert.ok(error instanceof ApplicationFailure, `an ApplicationFailure, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the activity to fail');
}

describe('rectification on real PostgreSQL', () => {
  let pool: DatabasePool;
  let activities: Activities;
  let closeMailer: () => void;

  before(async () => {
    pool = await exportDatabase('dsrflow_rectification');
    const catcher = await mailCatcher();
    const mailer = createMailer(catcher.smtpUrl, 'dsrflow <privacy@dsrflow.localhost>');
    closeMailer = () => mailer.close();
    activities = withoutPersonalDataInFailures(createActivities(testActivityDeps(pool, mailer)));
  });
  after(async () => {
    closeMailer();
    await pool.end();
  });

  test('a valid change is applied in one transaction, before and after are stored, the audit names fields only; a re-run applies nothing twice', async () => {
    const user = 3;
    const order = await orderOf(pool, user);
    const was = await readUser(pool, user);
    const wasAddress = await pool.oneFirst(sql.type(z.object({ a: z.string().nullable() }))`select shipping_address as a from warehouse.orders where id = ${order}`);
    const othersBefore = await pool.oneFirst(sql.type(z.object({ d: z.string() }))`
      select md5(string_agg(to_jsonb(u)::text, ',' order by u.id)) as d from warehouse.users u where u.id <> ${user}`);
    const requestId = await rectifyRequest(pool, { email: 'User3@Example.com' }, [
      { model: 'users', field: 'last_name', rowKey: null, newValue: 'García López' },
      { model: 'users', field: 'birth_date', rowKey: null, newValue: '1985-04-12' },
      { model: 'orders', field: 'shipping_address', rowKey: order, newValue: '12 Main Street, Dublin' },
      // The classic correction: the email itself. A retry must not need it to find the subject again.
      { model: 'users', field: 'email', rowKey: null, newValue: 'user3.new@example.com' },
      { model: 'users', field: 'phone', rowKey: null, newValue: null },
    ]);

    const result = await activities.applyRectification({ requestId });
    assert.deepEqual(result, { outcome: 'applied', applied: 5 });

    // The warehouse holds the corrected values; nobody else's row changed.
    assert.deepEqual(await readUser(pool, user), { email: 'user3.new@example.com', last_name: 'García López', birth_date: '1985-04-12', phone: null });
    assert.equal(await pool.oneFirst(sql.type(z.object({ a: z.string() }))`select shipping_address as a from warehouse.orders where id = ${order}`), '12 Main Street, Dublin');
    assert.equal(
      await pool.oneFirst(sql.type(z.object({ d: z.string() }))`select md5(string_agg(to_jsonb(u)::text, ',' order by u.id)) as d from warehouse.users u where u.id <> ${user}`),
      othersBefore,
    );

    // Before and after, per correction, for the auditor.
    const items = await listCorrections(pool, requestId);
    assert.deepEqual(
      items.map((i) => [i.position, `${i.model}.${i.field}`, i.before_value, i.after_value]),
      [
        [0, 'users.last_name', was.last_name, 'García López'],
        [1, 'users.birth_date', was.birth_date, '1985-04-12'],
        [2, 'orders.shipping_address', wasAddress, '12 Main Street, Dublin'],
        [3, 'users.email', 'user3@example.com', 'user3.new@example.com'],
        [4, 'users.phone', was.phone, null],
      ],
    );
    assert.ok(items.every((i) => i.applied_at !== null));

    // One audit event, with model.field names and counts, and no value.
    const events = await listRequestEvents(pool, requestId);
    const applied = events.filter((e) => e.action === 'rectification.applied');
    assert.equal(applied.length, 1);
    assert.deepEqual(applied[0]!.details.fields, ['users.last_name', 'users.birth_date', 'orders.shipping_address', 'users.email', 'users.phone']);
    assert.equal(applied[0]!.details.corrections, 5);
    const audited = JSON.stringify(events);
    for (const value of ['García López', '1985-04-12', '12 Main Street', 'user3.new@example.com', was.last_name, wasAddress!]) {
      assert.ok(!audited.includes(value), `the audit trail does not carry the value ${value}`);
    }

    // A re-run (a retried activity, a lost result): the same answer, nothing written, nothing audited twice. The
    // subject's email is corrected by now, so only the recorded outcome can give this answer.
    const digest = await warehouseDigest(pool);
    assert.deepEqual(await activities.applyRectification({ requestId }), result);
    assert.deepEqual(await warehouseDigest(pool), digest);
    assert.deepEqual(await listCorrections(pool, requestId), items, 'before values are not overwritten by the corrected ones');
    assert.equal((await listRequestEvents(pool, requestId)).length, events.length);

    // The subject is told once, at the address the request came from, what we now hold.
    await activities.notifyRectificationOutcome({ requestId });
    assert.deepEqual(await activities.notifyRectificationOutcome({ requestId }), { sent: false });
    const catcher = await mailCatcher();
    const mail = await catcher.waitFor((m) => m.subject.includes(requestId));
    assert.deepEqual(mail.to.map((t) => t.toLowerCase()), ['user3@example.com']);
    assert.match(mail.text, /Profile, last name: now "García López"/);
    assert.match(mail.text, /Profile, birth date: now "1985-04-12"/);
    assert.match(mail.text, new RegExp(`Orders \\(record ${order}\\), shipping address: now "12 Main Street, Dublin"`));
    assert.match(mail.text, /Profile, phone: now empty/);
    assert.equal(catcher.messages().filter((m) => m.subject.includes(requestId)).length, 1, 'the notice is sent once');
  });

  test("a rowKey naming another user's record fails non-retryably, names the item, and rolls back every correction", async () => {
    const digest = await warehouseDigest(pool);
    const requestId = await rectifyRequest(pool, { email: 'user5@example.com' }, [
      { model: 'users', field: 'last_name', rowKey: null, newValue: 'Changed' },
      { model: 'orders', field: 'shipping_address', rowKey: await orderOf(pool, 6), newValue: 'Somewhere else' },
    ]);
    const failure = await failureOf(activities.applyRectification({ requestId }));
    assert.equal(failure.type, 'RECTIFICATION.ROW_NOT_SUBJECTS');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /^corrections\[1\] \(orders\.shipping_address\): the record named by rowKey is not one of the subject's records$/);
    assert.deepEqual(await warehouseDigest(pool), digest, 'the first correction is rolled back with the second');
    assert.equal(await findRectificationOutcome(pool, requestId), null);
    assert.ok((await listCorrections(pool, requestId)).every((i) => i.applied_at === null && i.before_value === null));
  });

  test('a value the warehouse refuses (another user has this email) fails non-retryably without quoting it', async () => {
    const digest = await warehouseDigest(pool);
    const requestId = await rectifyRequest(pool, { email: 'user8@example.com' }, [{ model: 'users', field: 'email', rowKey: null, newValue: 'user9@example.com' }]);
    const failure = await failureOf(activities.applyRectification({ requestId }));
    assert.equal(failure.type, 'RECTIFICATION.VALUE_REFUSED');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /corrections\[0\] \(users\.email\): .*another record already holds this value \(SQLSTATE 23505, constraint users_email_key\)/);
    assert.ok(!failure.message.includes('user9') && !failure.message.includes('user8'), failure.message);
    assert.deepEqual(await warehouseDigest(pool), digest);
  });

  test('identifiers that match nobody: nothing changes, and the subject is told we hold no data under them', async () => {
    const digest = await warehouseDigest(pool);
    const requestId = await rectifyRequest(pool, { email: 'nobody-rectify@example.com' }, [{ model: 'users', field: 'last_name', rowKey: null, newValue: 'X' }]);
    assert.deepEqual(await activities.applyRectification({ requestId }), { outcome: 'noData', applied: 0 });
    assert.deepEqual(await activities.applyRectification({ requestId }), { outcome: 'noData', applied: 0 });
    assert.deepEqual(await warehouseDigest(pool), digest);
    assert.deepEqual((await listRequestEvents(pool, requestId)).filter((e) => e.action.startsWith('rectification.')).map((e) => e.action), ['rectification.no_data']);
    await activities.notifyRectificationOutcome({ requestId });
    const mail = await (await mailCatcher()).waitFor((m) => m.subject.includes(requestId));
    assert.match(mail.subject, /we hold no data about you/);
    assert.match(mail.text, /We hold no personal data about you under them, so there was nothing to correct/);
  });

  test('identifiers that match two users: ambiguous, nothing changes, no notice (staff decide)', async () => {
    const digest = await warehouseDigest(pool);
    const requestId = await rectifyRequest(pool, { email: 'user10@example.com', customerId: 'cus_0000011' }, [{ model: 'users', field: 'last_name', rowKey: null, newValue: 'X' }]);
    assert.deepEqual(await activities.applyRectification({ requestId }), { outcome: 'ambiguous', applied: 0 });
    assert.deepEqual(await warehouseDigest(pool), digest);
    const failure = await failureOf(activities.notifyRectificationOutcome({ requestId }));
    assert.equal(failure.type, 'RECTIFICATION.AMBIGUOUS_SUBJECT');
  });

  test('a request of another type is refused by the activity', async () => {
    const id = randomUUID();
    const now = new Date().toISOString();
    await insertRequest(pool, {
      ...{ id, organizationId: 'default', type: 'access', regulation: 'GDPR', channel: 'api', receivedAt: now, dueAt: now, acknowledgeBy: null },
      ...{ workflowId: workflowIdFor(id), idempotencyKey: null, fingerprint: 'test', createdBy: 'test', subject: { email: 'user2@example.com' } },
    });
    assert.equal((await failureOf(activities.applyRectification({ requestId: id }))).type, 'RECTIFICATION.WRONG_TYPE');
  });
});
