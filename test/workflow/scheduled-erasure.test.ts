import assert from 'node:assert/strict';
import { formatDate } from '../../src/locales/index.ts';
import { writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { sql } from 'slonik';
import { z } from 'zod';
import { listRequestEvents } from '../../src/db/audit.ts';
import type { LegalException } from '../../src/domain/actions.ts';
import { periodEnd } from '../../src/domain/erasure-plan.ts';
import { assessUpdate, erasureReviewSignal, stateQuery, verifyUpdate } from '../../src/workflows/messages.ts';
import { scheduledErasureWorkflowId, type scheduledErasure } from '../../src/workflows/scheduled-erasure.ts';
import { startRecordedRequests } from '../../src/activities/sweep.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { json, testApp, testWorkflowSettings, tokenHeaders } from '../support/app.ts';
import { freePort } from '../support/ports.ts';
import { bundleEarlierWorkflows } from '../support/earlier-code.ts';
import { historyText } from '../support/history.ts';
import { workflowBundle } from '../support/stack.ts';
import { eventually, recordRequest } from '../support/requests.ts';
import { DAY, reach, useTimeSkipping, type TimeSkippingSuite } from '../support/workflow-harness.ts';

const idRow = z.object({ id: z.coerce.string() });
const countRow = z.object({ n: z.number() });

/** An erasure request whose subject has one shipped order paid 30 days ago (a tax record) and one analytics event. */
async function erasureWithTaxRecord(suite: TimeSkippingSuite) {
  const started = await suite.h.start({ type: 'erasure', regulation: 'GDPR' });
  const now = await suite.env.currentTimeMs();
  const paidAt = new Date(now - 30 * DAY);
  const userId = await suite.pg.pool.oneFirst(sql.type(idRow)`
    insert into warehouse.users (customer_id, email, first_name, last_name, country, created_at)
    values (${'cus_e' + started.row.id.slice(0, 8)}, ${started.subject.email}, 'Zoë', ${"O'Brien"}, 'IE', ${paidAt.toISOString()}) returning id`);
  const orderId = await suite.pg.pool.oneFirst(sql.type(idRow)`
    insert into warehouse.orders (user_id, placed_at, status, currency, total) values (${userId}, ${paidAt.toISOString()}, 'shipped', 'EUR', 20) returning id`);
  const paymentId = await suite.pg.pool.oneFirst(sql.type(idRow)`
    insert into warehouse.transactions (order_id, occurred_at, kind, amount, currency, card_last4) values (${orderId}, ${paidAt.toISOString()}, 'payment', 20, 'EUR', '4242') returning id`);
  await suite.pg.pool.query(sql.unsafe`insert into warehouse.events (user_id, occurred_at, name) values (${userId}, ${paidAt.toISOString()}, 'login')`);
  const exists = async (table: 'transactions' | 'orders' | 'events', column: 'id' | 'user_id', value: string) =>
    (await suite.pg.pool.oneFirst(sql.type(countRow)`select count(*)::int as n from ${sql.identifier(['warehouse', table])} where ${sql.identifier([column])} = ${value}`)) > 0;
  return { ...started, userId, orderId, paymentId, retentionEnds: periodEnd(paidAt, { years: 7 }).getTime(), exists };
}

async function approveErasure(suite: TimeSkippingSuite, handle: Awaited<ReturnType<TimeSkippingSuite['h']['start']>>['handle'], legalExceptions: LegalException[]) {
  await reach(handle, 'awaiting_verification');
  await handle.executeUpdate(verifyUpdate, { args: [{ outcome: 'verified', method: 'document_check', actor: 'dpo-jane' }] });
  await reach(handle, 'in_assessment');
  await handle.executeUpdate(assessUpdate, { args: [{ decision: 'approve', legalExceptions, actor: 'dpo-jane' }] });
  // Not handle.result(): it unlocks time skipping, and the server would jump to the scheduled erasure's timer.
  await closed(handle);
  return suite.env.client.workflow.getHandle<typeof scheduledErasure>(scheduledErasureWorkflowId(handle.workflowId.replace(/^dsr-/, '')));
}

const closed = (handle: WorkflowHandle) => eventually(async () => ((await handle.describe()).status.name === 'RUNNING' ? undefined : true), 20_000, 'the workflow to close');

describe('erasure: what the law keeps is erased when its retention ends, by a durable timer', () => {
  const suite = useTimeSkipping('scheduled-erasure');

  test('a tax record kept 7 years is erased when its period ends, not before; the request completed long before', async () => {
    const r = await erasureWithTaxRecord(suite);
    await suite.h.withWorker(async () => {
      const child = await approveErasure(suite, r.handle, []);
      assert.equal((await r.handle.query(stateQuery)).status, 'completed', 'the request completes with its immediate part');
      assert.equal(await r.exists('events', 'user_id', r.userId), false, 'analytics events go at once');
      assert.equal(await r.exists('transactions', 'id', r.paymentId), true, 'the tax record is kept');
      assert.equal((await child.describe()).status.name, 'RUNNING', 'the scheduled erasure outlives the request');
      const notice = await suite.mail.waitFor((m) => m.to.includes(r.subject.email) && /erasure request .* is complete/.test(m.subject));
      assert.match(notice.text, new RegExp(`Payments and refunds: 1 record\\(s\\), because tax and accounting law requires us to keep it\\. We keep it until ${formatDate('en', `${new Date(r.retentionEnds - DAY).toISOString().slice(0, 10)}T12:00:00Z`)}`));

      // Staff see on the request what was erased and what is kept until when (the pending future deletion).
      const app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: 'scheduled-erasure' });
      const detail = await json(await app.request(`/v1/requests/${r.row.id}`, { headers: await tokenHeaders(suite.pg.pool, 'dpo') }));
      assert.equal(detail.erasure.nextReviewAt, new Date(r.retentionEnds).toISOString());
      assert.deepEqual(detail.erasure.retained.find((g: { model: string }) => g.model === 'transactions'), {
        model: 'transactions',
        rows: 1,
        bases: ['tax_records'],
        eligibleAt: new Date(r.retentionEnds).toISOString(),
        reviewAt: new Date(r.retentionEnds).toISOString(),
      });
      assert.equal(detail.erasure.erased.events, 1);

      // The day before the period ends: still there.
      await suite.env.sleep(r.retentionEnds - DAY - (await suite.env.currentTimeMs()));
      assert.equal(await r.exists('transactions', 'id', r.paymentId), true, 'not erased before its period ends');
      assert.equal((await child.describe()).status.name, 'RUNNING');

      // Then let the server run to the timer (result() unlocks time skipping; only the child's timer is left).
      const result = await child.result();
      assert.ok((await suite.env.currentTimeMs()) >= r.retentionEnds, 'the pass ran when the period had ended');
      assert.deepEqual(result, { requestId: r.row.id, passes: 1, erased: { transactions: 1, orders: 1, users: 0 }, retained: {} }, 'the profile was anonymized by the first pass already');
      assert.equal(await r.exists('transactions', 'id', r.paymentId), false, 'erased once its period ended');
      assert.equal(await r.exists('orders', 'id', r.orderId), false, 'with the order it kept');

      const events = await listRequestEvents(suite.pg.pool, r.row.id);
      const pass = new Date(r.retentionEnds).toISOString();
      assert.ok(events.some((e) => e.action === 'erasure.pass_completed' && e.details.pass === pass), 'the scheduled pass is recorded with the request');
      for (const h of [r.handle, child]) {
        const history = await h.fetchHistory();
        const text = historyText(history);
        for (const identifier of [r.subject.email, "O'Brien", 'Zoë', r.subject.customerId]) assert.ok(!text.includes(identifier), `history must not contain ${identifier}`);
        if (process.env.RECORD_HISTORIES && h === r.handle) writeFileSync('test/fixtures/histories/gdpr-erasure-previewed-announced.binpb', proto.temporal.api.history.v1.History.encode(history).finish());
      }
    });
  });

  test('a legal hold still in force when the period ends keeps the record; the outcome is recorded', async () => {
    const r = await erasureWithTaxRecord(suite);
    await suite.h.withWorker(async () => {
      const child = await approveErasure(suite, r.handle, ['legal_claims']);
      assert.equal(await r.exists('events', 'user_id', r.userId), false, 'the hold does not cover analytics events');
      const result = await child.result();
      assert.ok((await suite.env.currentTimeMs()) >= r.retentionEnds);
      assert.equal(result.passes, 1);
      assert.deepEqual(result.erased, {});
      assert.deepEqual(result.retained, { users: 1, orders: 1, transactions: 1 });
      assert.equal(await r.exists('transactions', 'id', r.paymentId), true, 'kept under the legal hold');
      const pass = new Date(r.retentionEnds).toISOString();
      const kept = (await listRequestEvents(suite.pg.pool, r.row.id)).find((e) => e.action === 'erasure.rows_retained' && e.details.pass === pass && e.details.model === 'transactions');
      assert.ok(kept, 'the re-evaluation is in the audit trail');
      assert.match(kept.reason ?? '', /legal_claims/);
    });
  });

  test('an open order is looked at again every 30 days and erased at the first look after it became final', async () => {
    const started = await suite.h.start({ type: 'erasure', regulation: 'GDPR' });
    const now = await suite.env.currentTimeMs();
    const userId = await suite.pg.pool.oneFirst(sql.type(idRow)`
      insert into warehouse.users (customer_id, email, first_name, last_name, country, created_at)
      values (${'cus_o' + started.row.id.slice(0, 8)}, ${started.subject.email}, 'Zoë', ${"O'Brien"}, 'IE', ${new Date(now - DAY).toISOString()}) returning id`);
    const orderId = await suite.pg.pool.oneFirst(sql.type(idRow)`
      insert into warehouse.orders (user_id, placed_at, status, currency, total) values (${userId}, ${new Date(now - DAY).toISOString()}, 'pending', 'EUR', 20) returning id`);
    const orderExists = async () => (await suite.pg.pool.oneFirst(sql.type(countRow)`select count(*)::int as n from warehouse.orders where id = ${orderId}`)) > 0;
    const passesDone = async () => (await listRequestEvents(suite.pg.pool, started.row.id)).filter((e) => e.action === 'erasure.pass_completed').length;
    await suite.h.withWorker(async () => {
      const child = await approveErasure(suite, started.handle, []);
      // The first pass set the first look: 30 whole days on (read back rather than worked out: the pass may fall on the next day).
      const firstLook = Date.parse(await suite.pg.pool.oneFirst(sql.type(z.object({ next_review_at: z.string() }))`
        select next_review_at from dsrflow.erasure_plans where request_id = ${started.row.id} and pass = 'initial'`));
      assert.ok(firstLook >= periodEnd(new Date(now), { days: 30 }).getTime());
      assert.equal(await orderExists(), true, 'kept while open');
      assert.equal((await child.describe()).status.name, 'RUNNING', 'a scheduled erasure for the open order, though nothing is dated');

      // The first look: still open, so still kept, and looked at again 30 days later.
      await suite.env.sleep(firstLook + DAY / 2 - (await suite.env.currentTimeMs()));
      await eventually(async () => ((await passesDone()) >= 2 ? true : undefined), 20_000, 'the first re-check');
      assert.equal(await orderExists(), true);
      assert.equal((await child.describe()).status.name, 'RUNNING');

      // Shipped: the next look erases it, and nothing is left to look at.
      await suite.pg.pool.query(sql.unsafe`update warehouse.orders set status = 'shipped' where id = ${orderId}`);
      const result = await child.result();
      assert.equal(result.passes, 2);
      assert.equal(result.erased.orders, 1);
      assert.deepEqual(result.retained, {});
      assert.equal(await orderExists(), false);
      assert.ok((await suite.env.currentTimeMs()) >= periodEnd(new Date(firstLook), { days: 30 }).getTime(), 'at the second look, not before');
    });
  });

  const liftHold = (app: ReturnType<typeof testApp>, requestId: string, headers: Record<string, string>, basis = 'legal_claims') =>
    app.request(`/v1/requests/${requestId}/legal-holds/${basis}/lift`, { method: 'POST', headers, body: JSON.stringify({ reason: 'the claim was settled on 2026-11-02' }) });
  const email = (userId: string) => suite.pg.pool.oneFirst(sql.type(z.object({ email: z.string() }))`select email from warehouse.users where id = ${userId}`);

  test('staff lift the legal hold while the scheduled erasure sleeps: a pass runs at once, the tax record stays until its date', async () => {
    const r = await erasureWithTaxRecord(suite);
    await suite.h.withWorker(async () => {
      const child = await approveErasure(suite, r.handle, ['legal_claims']);
      assert.equal(await email(r.userId), r.subject.email, 'the hold keeps the profile as it is');
      const app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: 'scheduled-erasure' });
      const dpo = await tokenHeaders(suite.pg.pool, 'dpo');

      const invalid = await app.request(`/v1/requests/${r.row.id}/legal-holds/legal_claims/lift`, { method: 'POST', headers: dpo, body: JSON.stringify({ reason: 'x' }) });
      assert.equal(invalid.status, 400, 'a reason is required');
      assert.equal((await liftHold(app, r.row.id, dpo, 'nonsense')).status, 400, 'an unknown basis');
      const notPlaced = await liftHold(app, r.row.id, dpo, 'fraud_prevention');
      assert.equal(notPlaced.status, 404);
      assert.equal((await json(notPlaced)).error.code, 'LEGAL_HOLD_NOT_FOUND');

      const emoji = await app.request(`/v1/requests/${r.row.id}/legal-holds/legal_claims/lift`, { method: 'POST', headers: dpo, body: JSON.stringify({ reason: '😀😀' }) });
      assert.equal(emoji.status, 400, 'two characters, however many UTF-16 units');

      // Temporal unreachable at first: the lift is recorded, its review not handed over.
      const lazy = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 500 });
      try {
        const down = await liftHold(testApp({ pool: suite.pg.pool, client: new Client({ connection: lazy }), taskQueue: 'scheduled-erasure', startTimeoutMs: 1000 }), r.row.id, dpo);
        assert.equal(down.status, 503);
      } finally {
        await lazy.close();
      }
      assert.equal(await email(r.userId), r.subject.email, 'nothing erased yet');
      // The lifter retries while another member of staff tries to lift it too: the retry hands it over, the other
      // is told who lifted it.
      const [res, other] = await Promise.all([liftHold(app, r.row.id, dpo), liftHold(app, r.row.id, await tokenHeaders(suite.pg.pool, 'admin'))]);
      assert.equal(res!.status, 202);
      assert.equal(other!.status, 409);
      const otherError = (await json(other!)).error;
      assert.equal(otherError.code, 'LEGAL_HOLD_ALREADY_LIFTED');
      assert.match(otherError.message, /by test-dpo-/);
      const body = await json(res!);
      assert.equal(body.review, 'started');
      assert.equal(body.workflowId, scheduledErasureWorkflowId(r.row.id));
      assert.match(body.liftedBy, /^test-dpo-/);

      // The sleeping run wakes: the profile is anonymized now; the payment (tax, 7 years) and its order stay.
      await eventually(async () => ((await email(r.userId)) !== r.subject.email ? true : undefined), 20_000, 'the pass after the lift');
      assert.equal(await r.exists('transactions', 'id', r.paymentId), true, 'the tax record is kept until its own date');
      assert.equal(await r.exists('orders', 'id', r.orderId), true, 'with the order it needs');
      assert.equal((await child.describe()).status.name, 'RUNNING', 'and the run sleeps again, to that date');

      const again = await liftHold(app, r.row.id, dpo);
      assert.equal(again.status, 409);
      assert.equal((await json(again)).error.code, 'LEGAL_HOLD_ALREADY_LIFTED');

      const detail = await eventually(async () => {
        const d = await json(await app.request(`/v1/requests/${r.row.id}`, { headers: dpo }));
        return d.erasure.passes === 2 ? d : undefined;
      }, 20_000, 'the pass to be recorded');
      assert.deepEqual(detail.erasure.legalHolds, []);
      assert.deepEqual(detail.erasure.liftedHolds.map((h: { basis: string; reason: string }) => [h.basis, h.reason]), [['legal_claims', 'the claim was settled on 2026-11-02']]);
      const events = await listRequestEvents(suite.pg.pool, r.row.id);
      const lifted = events.find((e) => e.action === 'legal_hold.lifted');
      assert.ok(lifted && lifted.actor === body.liftedBy && lifted.reason === 'the claim was settled on 2026-11-02', 'who lifted it and why, in the audit trail');
      const passes = events.filter((e) => e.action === 'erasure.pass_completed').map((e) => String(e.details.pass));
      assert.equal(passes.length, 2, 'the first pass and the one after the lift, once');
      assert.ok(events.some((e) => e.action === 'legal_hold.review_requested' && e.details.review === 'started'), 'the hand-over is in the audit trail');

      // A request still running cannot have its hold lifted yet.
      const running = await recordRequest(suite.pg.pool, { type: 'erasure' });
      await suite.pg.pool.query(sql.unsafe`insert into dsrflow.legal_holds (request_id, basis, placed_by) values (${running.row.id}, 'legal_claims', 'dpo-jane')`);
      const early = await liftHold(app, running.row.id, dpo);
      assert.equal(early.status, 409);
      assert.equal((await json(early)).error.code, 'REQUEST_NOT_COMPLETED');

      // At the end of the period the rest goes, as before.
      const result = await child.result();
      assert.equal(result.passes, 2);
      assert.equal(result.erased.transactions, 1);
      assert.equal(result.erased.users, 1, 'anonymized by the pass after the lift');
      assert.equal(await r.exists('transactions', 'id', r.paymentId), false);
      const history = historyText(await child.fetchHistory());
      for (const identifier of [r.subject.email, "O'Brien", 'Zoë', r.subject.customerId]) assert.ok(!history.includes(identifier), `history must not contain ${identifier}`);
    });
  });

  test('a hold lifted after the scheduled erasure ended (Temporal down at first): recorded, then the sweep starts it again and what the hold kept goes', async () => {
    const r = await erasureWithTaxRecord(suite);
    await suite.h.withWorker(async () => {
      const child = await approveErasure(suite, r.handle, ['legal_claims']);
      const first = await child.result();
      assert.deepEqual(first.retained, { users: 1, orders: 1, transactions: 1 }, 'everything kept: the hold has no end date, so the run ended');
      const dpo = await tokenHeaders(suite.pg.pool, 'dpo');

      const lazy = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 500 });
      try {
        const down = testApp({ pool: suite.pg.pool, client: new Client({ connection: lazy }), taskQueue: 'scheduled-erasure', startTimeoutMs: 1000 });
        const res = await liftHold(down, r.row.id, dpo);
        assert.equal(res.status, 503);
        assert.equal((await json(res)).error.code, 'WORKFLOW_START_FAILED');
      } finally {
        await lazy.close();
      }
      assert.ok((await listRequestEvents(suite.pg.pool, r.row.id)).some((e) => e.action === 'legal_hold.lifted'), 'the lift is recorded all the same');
      assert.equal(await r.exists('transactions', 'id', r.paymentId), true);

      const someoneElse = await liftHold(testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: 'scheduled-erasure' }), r.row.id, await tokenHeaders(suite.pg.pool, 'admin'));
      assert.equal(someoneElse.status, 409, 'lifted already, by someone else');
      // The sweep (every few minutes, from its Schedule) hands the review over.
      const started = await startRecordedRequests(suite.env.client, { pool: suite.pg.pool, logger: createLogger('silent') }, testWorkflowSettings('scheduled-erasure'));
      assert.ok(started >= 1);
      const rerun = suite.env.client.workflow.getHandle<typeof scheduledErasure>(scheduledErasureWorkflowId(r.row.id));
      const result = await rerun.result();
      assert.equal(result.passes, 1);
      assert.deepEqual(result.retained, {});
      assert.equal(result.erased.transactions, 1);
      assert.equal(await r.exists('transactions', 'id', r.paymentId), false, 'its period had ended; only the hold kept it');
      assert.equal(await r.exists('orders', 'id', r.orderId), false);
      assert.notEqual(await email(r.userId), r.subject.email);
      const hold = await suite.pg.pool.one(sql.type(z.object({ review_started_at: z.string().nullable() }))`
        select review_started_at from dsrflow.legal_holds where request_id = ${r.row.id} and basis = 'legal_claims'`);
      assert.ok(hold.review_started_at, 'the sweep will not start it twice');
      const retried = await liftHold(testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: 'scheduled-erasure' }), r.row.id, dpo);
      assert.equal(retried.status, 409, 'handed over: a retry of the call is told it was lifted');
    });
  });

  test('a run recorded before the review signal (sleep only) replays on the current workflow code', async () => {
    const before = await bundleBeforeReview();
    const taskQueue = 'scheduled-erasure-before-review';
    // Two passes: the first keeps something until a later date, the second erases it.
    const now = await suite.env.currentTimeMs();
    const later = new Date(now + 400 * DAY).toISOString();
    const worker = await Worker.create({
      connection: suite.env.nativeConnection,
      taskQueue,
      workflowBundle: before,
      activities: {
        eraseSubjectData: async ({ pass }: { pass: string }) =>
          pass === later ? { erased: { transactions: 1 }, retained: {}, nextReviewAt: null } : { erased: { events: 2 }, retained: { transactions: 1 }, nextReviewAt: later },
      },
    });
    const workflowId = `erasure-before-review-${crypto.randomUUID().slice(0, 8)}`;
    const result = await worker.runUntil(
      suite.env.client.workflow.execute('scheduledErasure', { args: [{ requestId: crypto.randomUUID(), reviewAt: new Date(now + 30 * DAY).toISOString() }], taskQueue, workflowId }),
    );
    assert.equal(result.passes, 2);
    const history = await suite.env.client.workflow.getHandle(workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { code: (await workflowBundle()).code } }, history, workflowId);
  });

  test('a run started on the code before the review signal, asleep when the new code is deployed, wakes on a lift', async () => {
    const taskQueue = 'scheduled-erasure-wake-before-review';
    const now = await suite.env.currentTimeMs();
    const reviewAt = new Date(now + 30 * DAY).toISOString();
    const calls: Array<{ pass: string; asOf: string }> = [];
    const activities = {
      eraseSubjectData: async (input: { pass: string; asOf: string }) => {
        calls.push(input);
        return { erased: { users: 1 }, retained: {}, nextReviewAt: null };
      },
    };
    const workflowId = `erasure-wake-before-review-${crypto.randomUUID().slice(0, 8)}`;
    // No workflow cache: the next worker takes the run over at once instead of waiting out a sticky queue.
    const old = await Worker.create({ connection: suite.env.nativeConnection, taskQueue, workflowBundle: await bundleBeforeReview(), activities, maxCachedWorkflows: 0 });
    const handle = await old.runUntil(async () => {
      const h = await suite.env.client.workflow.start('scheduledErasure', { args: [{ requestId: crypto.randomUUID(), reviewAt }], taskQueue, workflowId });
      await eventually(async () => ((await h.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes) ? true : undefined), 10_000, 'the old code to sleep');
      return h;
    });
    const current = await Worker.create({ connection: suite.env.nativeConnection, taskQueue, workflowBundle: { code: (await workflowBundle()).code }, activities, maxCachedWorkflows: 0 });
    await current.runUntil(async () => {
      await handle.signal(erasureReviewSignal, { reason: 'legal_hold_lifted', basis: 'legal_claims', liftedAt: new Date(now).toISOString() });
      await eventually(async () => (calls.length > 0 ? true : undefined), 10_000, 'the pass after the lift');
      await handle.result();
    });
    assert.equal(calls.length, 1);
    assert.ok(calls[0]!.pass < reviewAt, `woken by the lift (${calls[0]!.pass}), not by its timer (${reviewAt})`);
  });
});

/** The workflow code before the review signal, bundled once. */
let beforeReview: ReturnType<typeof bundleEarlierWorkflows> | undefined;
const bundleBeforeReview = () => (beforeReview ??= bundleEarlierWorkflows(SCHEDULED_ERASURE_BEFORE_REVIEW));

// scheduledErasure before 'erasure-review-signal' (commit 44c3142), with the activity untyped.
const SCHEDULED_ERASURE_BEFORE_REVIEW = `
import { continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
const { eraseSubjectData } = proxyActivities<any>({ startToCloseTimeout: '1 hour', retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' } });
export async function scheduledErasure(input: { requestId: string; reviewAt: string; passes?: number }) {
  const erased: Record<string, number> = {};
  let retained: Record<string, number> = {};
  let passes = input.passes ?? 0;
  let next: string | null = input.reviewAt;
  while (next !== null) {
    const wait = Date.parse(next) - Date.now();
    if (wait > 0) await sleep(wait);
    const result = await eraseSubjectData({ requestId: input.requestId, pass: next, asOf: next });
    passes += 1;
    for (const [model, rows] of Object.entries(result.erased as Record<string, number>)) erased[model] = (erased[model] ?? 0) + rows;
    retained = result.retained;
    next = result.nextReviewAt !== null && result.nextReviewAt > next ? result.nextReviewAt : null;
    if (next !== null && workflowInfo().continueAsNewSuggested) {
      await continueAsNew({ requestId: input.requestId, reviewAt: next, passes });
    }
  }
  return { requestId: input.requestId, passes, erased, retained };
}
`;
