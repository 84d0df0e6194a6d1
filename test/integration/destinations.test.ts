import assert from 'node:assert/strict';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { sql } from 'slonik';
import { z } from 'zod';
import type { Destination } from '../../src/domain/destinations.ts';
import { json, testApp, tokenHeaders } from '../support/app.ts';
import { historyText } from '../support/history.ts';
import { startReceiver, type Received } from '../support/receiver.ts';
import { eventually } from '../support/requests.ts';
import { useDevServerWorker } from '../support/workflow-harness.ts';

const TASK_QUEUE = 'destinations';
const SECRETS = { good: 'good-destination-secret-0123456789', flaky: 'flaky-destination-secret-0123456789', down: 'down-destination-secret-0123456789' };

/** What a receiver does with our signature (written here from the documented scheme, not with our signing code). */
function validSignature(r: Received, secret: string, now = Date.now() / 1000): boolean {
  const header = String(r.headers['dsrflow-signature'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  if (Math.abs(now - Number(match[1])) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${r.body}`).digest();
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}

const bodyOf = (r: Received) =>
  JSON.parse(r.body) as { id: string; type: string; requestId: string; subject: Record<string, unknown>; suppression?: Record<string, unknown>; erasedHere?: Record<string, unknown>; corrections?: unknown[] };

describe('signed events to downstream destinations (dev server, receivers on loopback)', () => {
  let receivers: Record<'good' | 'flaky' | 'down', Awaited<ReturnType<typeof startReceiver>>>;
  const suite = useDevServerWorker(TASK_QUEUE, async () => {
    receivers = {
      good: await startReceiver(() => 204),
      // Fails twice, then accepts: Temporal's retry policy does the backoff.
      flaky: await startReceiver((n) => (n <= 2 ? 500 : 200)),
      // Down for the whole test: must hold up neither the others nor the request.
      down: await startReceiver(() => 503),
    };
    const destinations: Destination[] = (['good', 'flaky', 'down'] as const).map((name) => ({
      name,
      url: receivers[name].url,
      events: name === 'flaky' ? ['suppression.created'] : name === 'good' ? ['subject.erased', 'subject.rectified', 'suppression.created', 'suppression.lifted'] : ['subject.erased', 'suppression.created', 'suppression.lifted'],
      secret: SECRETS[name],
      giveUpAfterDays: 14,
      retryInitialSeconds: 1,
    }));
    return { destinations };
  });
  after(async () => {
    await Promise.all(Object.values(receivers).map((r) => r.close()));
  });

  test('opt-out of sale: suppression written, signed events delivered (a 500 retried), a dead destination blocks nothing; lifted with a reason', async () => {
    const app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: TASK_QUEUE });
    const headers = await tokenHeaders(suite.pg.pool);
    const email = `optout-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const created = await app.request('/v1/requests', { method: 'POST', headers, body: JSON.stringify({ type: 'noSale', regulation: 'CCPA', subject: { email } }) });
    assert.equal(created.status, 201);
    const { id, workflowId } = await json(created);
    // The request completes although one destination answers 503 throughout.
    assert.deepEqual(await suite.env.client.workflow.getHandle(workflowId).result(), { requestId: id, status: 'completed' });

    // A downstream tool reads the table incrementally.
    const Row = z.object({ suppression_id: z.string(), seq: z.coerce.number(), scope: z.string(), basis: z.string(), email: z.string().nullable(), lifted_at: z.string().nullable(), lift_reason: z.string().nullable() });
    const rows = await suite.pg.pool.any(sql.type(Row)`
      select suppression_id, seq, scope, basis, email, lifted_at, lift_reason from delta_storage.suppressions where seq > ${0} and request_id = ${id} order by seq`);
    assert.equal(rows.length, 1);
    assert.deepEqual({ scope: rows[0]!.scope, basis: rows[0]!.basis, email: rows[0]!.email, lifted: rows[0]!.lifted_at }, { scope: 'sale_sharing', basis: 'opt_out_of_sale', email, lifted: null });
    const suppressionId = rows[0]!.suppression_id;

    const forThis = (r: Received) => bodyOf(r).requestId === id;
    const good = await eventually(async () => receivers.good.received.find((r) => forThis(r) && bodyOf(r).type === 'suppression.created'), 15_000, 'the good destination to be told');
    assert.ok(validSignature(good, SECRETS.good), 'the signature checks out with the destination’s secret');
    assert.ok(!validSignature(good, SECRETS.flaky), 'and not with another secret');
    assert.equal(good.headers['dsrflow-event'], 'suppression.created');
    const event = bodyOf(good);
    assert.equal(good.headers['dsrflow-delivery'], event.id, 'the delivery id is the event id (the receiver dedupes on it)');
    assert.deepEqual(event.subject, { userKey: null, email, customerId: null, phone: null });
    assert.equal(event.suppression?.['scope'], 'sale_sharing');

    // The flaky one got it on the third attempt, with the same event and a valid signature each time.
    await eventually(async () => (receivers.flaky.received.filter(forThis).length >= 3 ? true : undefined), 30_000, 'three attempts at the flaky destination');
    const flaky = receivers.flaky.received.filter(forThis);
    assert.deepEqual(flaky.map((r) => r.status).slice(0, 3), [500, 500, 200]);
    assert.ok(flaky.every((r) => validSignature(r, SECRETS.flaky) && bodyOf(r).id === event.id));

    const detail = await eventually(async () => {
      const d = await json(await app.request(`/v1/requests/${id}`, { headers }));
      return d.destinationDeliveries?.find((x: { destination: string; status: string }) => x.destination === 'flaky' && x.status === 'delivered') ? d : undefined;
    }, 15_000, 'the flaky delivery to be recorded');
    const byName = Object.fromEntries(detail.destinationDeliveries.map((d: { destination: string }) => [d.destination, d]));
    assert.equal(byName.good.status, 'delivered');
    assert.equal(byName.flaky.attempts, 3);
    assert.equal(byName.down.status, 'pending');
    assert.equal(byName.down.lastStatusCode, 503);
    const actions = detail.timeline.map((e: { action: string; reason: string | null }) => `${e.action}: ${e.reason}`);
    assert.ok(actions.includes('destination.delivered: suppression.created delivered to good'));
    assert.equal(actions.filter((a: string) => a.startsWith('destination.attempt_failed: flaky answered HTTP 500')).length, 2, 'each failed attempt audited');
    assert.ok(actions.some((a: string) => a.startsWith('destination.attempt_failed: down answered HTTP 503')));
    assert.deepEqual(detail.suppressions.map((s: { id: string; scope: string; liftedAt: null }) => [s.id, s.scope, s.liftedAt]), [[suppressionId, 'sale_sharing', null]]);

    // Lifting: bad input and roles first, nothing recorded.
    const lift = (body: unknown, h: Record<string, string> = headers, sid = suppressionId) =>
      app.request(`/v1/requests/${id}/suppressions/${sid}/lift`, { method: 'POST', headers: h, body: JSON.stringify(body) });
    assert.equal((await lift({})).status, 400);
    assert.equal((await lift({ reason: 'ok', extra: 1 })).status, 400);
    assert.equal((await lift({ reason: '😀😀' })).status, 400, 'two characters (four UTF-16 units): refused, not a database error');
    assert.equal((await lift({ reason: 'the subject opted back in' }, await tokenHeaders(suite.pg.pool, 'auditor'))).status, 403);
    const unknown = await lift({ reason: 'the subject opted back in' }, headers, crypto.randomUUID());
    assert.equal(unknown.status, 404);
    assert.equal((await json(unknown)).error.code, 'SUPPRESSION_NOT_FOUND');

    const lifted = await lift({ reason: 'the subject opted back in to sale by email on 2026-11-20' });
    assert.equal(lifted.status, 202);
    assert.equal((await json(lifted)).status, 'lifting');
    const again = await lift({ reason: 'twice' });
    assert.equal(again.status, 409);

    const after = await eventually(async () => {
      const row = await suite.pg.pool.maybeOne(sql.type(Row)`
        select suppression_id, seq, scope, basis, email, lifted_at, lift_reason from delta_storage.suppressions where suppression_id = ${suppressionId} and lifted_at is not null`);
      return row ?? undefined;
    }, 15_000, 'the suppression to be lifted');
    assert.equal(after.lift_reason, 'the subject opted back in to sale by email on 2026-11-20');
    assert.ok(after.seq > rows[0]!.seq, 'seq advances: an incremental reader sees the lift');
    const liftEvent = await eventually(async () => receivers.good.received.find((r) => forThis(r) && bodyOf(r).type === 'suppression.lifted'), 15_000, 'the lift to reach the destination');
    assert.ok(validSignature(liftEvent, SECRETS.good));
    assert.equal(bodyOf(liftEvent).suppression?.['reason'], 'the subject opted back in to sale by email on 2026-11-20');
    assert.ok(!receivers.flaky.received.some((r) => forThis(r) && bodyOf(r).type === 'suppression.lifted'), 'a destination gets only the events it takes');
    const afterLift = await json(await lift({ reason: 'once more' }));
    assert.equal(afterLift.error.code, 'SUPPRESSION_ALREADY_LIFTED');

    // Temporal saw ids only: not the address (destination bodies stay in PostgreSQL).
    assert.ok(!(await historyText(await suite.env.client.workflow.getHandle(workflowId).fetchHistory())).includes(email));
    assert.ok(!(await historyText(await suite.env.client.workflow.getHandle(`suppression-lift-${suppressionId}`).fetchHistory())).includes('opted back in'));
  });

  test('erasure: staff see the plan before approving; each destination gets one signed subject.erased with the identifiers the warehouse held and their hashes', async () => {
    const app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: TASK_QUEUE });
    const headers = await tokenHeaders(suite.pg.pool);
    const email = `erase-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const customerId = `cus_${email.slice(6, 14)}`;
    const userId = await suite.pg.pool.oneFirst(sql.type(z.object({ id: z.coerce.string() }))`
      insert into warehouse.users (customer_id, email, first_name, last_name, phone, country, created_at)
      values (${customerId}, ${email}, 'Ana', 'Lima', '+351 912 345 678', 'PT', now() - interval '3 years') returning id`);
    await suite.pg.pool.query(sql.unsafe`insert into warehouse.events (user_id, occurred_at, name, properties) values (${userId}, now(), 'page_view', '{}'::jsonb)`);

    const created = await app.request('/v1/requests', { method: 'POST', headers, body: JSON.stringify({ type: 'erasure', regulation: 'GDPR', subject: { email } }) });
    assert.equal(created.status, 201);
    const { id, workflowId } = await json(created);
    const detailOf = async () => json(await app.request(`/v1/requests/${id}`, { headers }));
    const post = (path: string, payload: unknown) => app.request(`/v1/requests/${id}/${path}`, { method: 'POST', headers, body: JSON.stringify(payload) });
    await eventually(async () => ((await detailOf()).status === 'awaiting_verification' ? true : undefined), 15_000, 'awaiting_verification');
    assert.equal((await post('verification', { outcome: 'verified', method: 'account_authentication' })).status, 200);

    const preview = await eventually(async () => {
      const d = await detailOf();
      return d.status === 'in_assessment' && d.erasure ? d.erasure : undefined;
    }, 15_000, 'the erasure plan before approval');
    assert.equal(preview.stage, 'preview');
    assert.equal(preview.passes, 0);
    assert.deepEqual(preview.erased, {});
    assert.equal(preview.wouldErase.events, 1, 'the activity event would go');
    assert.ok(receivers.good.received.every((r) => bodyOf(r).requestId !== id), 'nobody is told before approval');
    assert.equal(await suite.pg.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from warehouse.events where user_id = ${userId}`), 1, 'a preview erases nothing');

    assert.equal((await post('assessment', { decision: 'approve' })).status, 200);
    assert.deepEqual(await suite.env.client.workflow.getHandle(workflowId).result(), { requestId: id, status: 'completed' });
    const executed = (await detailOf()).erasure;
    assert.equal(executed.stage, 'executed');
    assert.equal(executed.erased.events, 1);

    for (const name of ['good', 'down'] as const) {
      await eventually(async () => (receivers[name].received.some((r) => bodyOf(r).requestId === id) ? true : undefined), 15_000, `${name} to be called`);
    }
    const told = receivers.good.received.filter((r) => bodyOf(r).requestId === id);
    assert.equal(told.length, 1);
    assert.ok(validSignature(told[0]!, SECRETS.good));
    const body = bodyOf(told[0]!);
    assert.equal(body.type, 'subject.erased');
    // Asked by email only: the customer id and phone are the warehouse's, read before the profile was anonymized;
    // the hashes are of the lower-cased email and of the phone in E.164, as a receiver computes them.
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    assert.deepEqual(body.subject, {
      userKey: userId,
      email,
      customerId,
      phone: '+351 912 345 678',
      emailSha256: sha256(email.toLowerCase()),
      phoneSha256: sha256('+351912345678'),
    });
    assert.equal(await suite.pg.pool.oneFirst(sql.type(z.object({ phone: z.string().nullable() }))`select phone from warehouse.users where id = ${userId}`), null, 'the warehouse no longer holds the phone');
    assert.deepEqual(body.erasedHere?.['events'], { action: 'delete', rows: 1 });
    assert.ok(!receivers.flaky.received.some((r) => bodyOf(r).requestId === id), 'flaky does not take subject.erased');
  });

  test('rectification: a destination taking subject.rectified is told the corrected values (Art. 19), signed', async () => {
    const app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: TASK_QUEUE });
    const headers = await tokenHeaders(suite.pg.pool);
    const email = `fix-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const userId = await suite.pg.pool.oneFirst(sql.type(z.object({ id: z.coerce.string() }))`
      insert into warehouse.users (customer_id, email, first_name, last_name, country, created_at)
      values (${`cus_${email.slice(4, 12)}`}, ${email}, 'Ana', 'Lmia', 'PT', now()) returning id`);
    const created = await app.request('/v1/requests', {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'rectify', regulation: 'GDPR', subject: { email }, corrections: [{ model: 'users', field: 'last_name', newValue: 'Lima' }] }),
    });
    assert.equal(created.status, 201);
    const { id, workflowId } = await json(created);
    const post = (path: string, payload: unknown) => app.request(`/v1/requests/${id}/${path}`, { method: 'POST', headers, body: JSON.stringify(payload) });
    const status = async () => (await json(await app.request(`/v1/requests/${id}`, { headers }))).status;
    await eventually(async () => ((await status()) === 'awaiting_verification' ? true : undefined), 15_000, 'awaiting_verification');
    await post('verification', { outcome: 'verified', method: 'account_authentication' });
    await eventually(async () => ((await status()) === 'in_assessment' ? true : undefined), 15_000, 'in_assessment');
    await post('assessment', { decision: 'approve' });
    assert.deepEqual(await suite.env.client.workflow.getHandle(workflowId).result(), { requestId: id, status: 'completed' });

    const told = await eventually(async () => receivers.good.received.find((r) => bodyOf(r).requestId === id), 15_000, 'the good destination to be told');
    assert.ok(validSignature(told, SECRETS.good));
    const body = bodyOf(told);
    assert.equal(body.type, 'subject.rectified');
    assert.deepEqual(body.subject, { userKey: userId, email, customerId: null, phone: null });
    assert.deepEqual(body.corrections, [{ model: 'users', field: 'last_name', rowKey: null, value: 'Lima' }]);
    assert.ok(!receivers.down.received.some((r) => bodyOf(r).requestId === id), 'down does not take subject.rectified');
    assert.ok(!(await historyText(await suite.env.client.workflow.getHandle(workflowId).fetchHistory())).includes('Lima'));
  });
});
