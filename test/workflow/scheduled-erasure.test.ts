import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import { sql } from 'slonik';
import { z } from 'zod';
import { listRequestEvents } from '../../src/db/audit.ts';
import type { LegalException } from '../../src/domain/actions.ts';
import { periodEnd } from '../../src/domain/erasure-plan.ts';
import { assessUpdate, stateQuery, verifyUpdate } from '../../src/workflows/messages.ts';
import { scheduledErasureWorkflowId, type scheduledErasure } from '../../src/workflows/scheduled-erasure.ts';
import { json, testApp, tokenHeaders } from '../support/app.ts';
import { historyText } from '../support/history.ts';
import { eventually } from '../support/requests.ts';
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
      assert.match(notice.text, new RegExp(`Payments and refunds: 1 record\\(s\\), because tax and accounting law requires us to keep it\\. We keep it until ${new Date(r.retentionEnds - DAY).toISOString().slice(0, 10)}`));

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
});
