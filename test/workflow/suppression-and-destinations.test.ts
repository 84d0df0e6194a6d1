import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import proto from '@temporalio/proto';
import { describe, test } from 'node:test';
import { sql } from 'slonik';
import { z } from 'zod';
import { listRequestEvents } from '../../src/db/audit.ts';
import { findRequest } from '../../src/db/requests.ts';
import { computeDeadlines } from '../support/deadlines.ts';
import { deliveryWorkflowId, type destinationDelivery } from '../../src/workflows/destinations.ts';
import { startReceiver } from '../support/receiver.ts';
import { assessUpdate, verifyUpdate } from '../../src/workflows/messages.ts';
import { DAY, reach, settled, useTimeSkipping } from '../support/workflow-harness.ts';

const Suppression = z.object({ scope: z.string(), basis: z.string(), effective_at: z.string(), lifted_at: z.string().nullable() });
const Delivery = z.object({ event_id: z.string(), status: z.string(), attempts: z.number(), last_status_code: z.number().nullable() });

describe('suppressions and destinations on the time-skipping server', () => {
  const suite = useTimeSkipping('suppressions');

  test('an opt-out of sale is suppressed without verification, the same business day, inside its 15-business-day deadline', async () => {
    const { row, handle } = await suite.h.start({ type: 'noSale', regulation: 'CCPA' });
    const deadlines = computeDeadlines({ regulation: 'CCPA', type: 'noSale', receivedAt: new Date(row.received_at) });
    assert.equal(deadlines.verification, 'notAllowed');
    assert.equal((await suite.h.withWorker(() => settled(handle))).status, 'completed');
    await record(handle, 'ccpa-nosale-suppressed');

    const rows = await suite.pg.pool.any(sql.type(Suppression)`select scope, basis, effective_at, lifted_at from delta_storage.suppressions where request_id = ${row.id}`);
    assert.deepEqual(rows.map((r) => [r.scope, r.basis, r.lifted_at]), [['sale_sharing', 'opt_out_of_sale', null]]);
    const events = await listRequestEvents(suite.pg.pool, row.id);
    assert.ok(!events.some((e) => e.to_status === 'awaiting_verification'), 'never asked to verify');
    assert.ok(events.some((e) => e.action === 'suppression.created'));
    const completedAt = Date.parse((await findRequest(suite.pg.pool, row.id))!.completed_at!);
    assert.ok(completedAt < deadlines.dueAt.getTime(), 'completed before the deadline');
    assert.ok(Date.parse(rows[0]!.effective_at) - Date.parse(row.received_at) < DAY, 'suppressed within a day of receipt, not at the deadline');
  });

  test('an objection with no scopes named suppresses marketing and profiling; the request is done with the destination still failing', async () => {
    const down = await startReceiver(() => 500);
    try {
      const { row, handle } = await suite.h.start({ type: 'object', regulation: 'GDPR' });
      const destinations = [{ name: 'crm', url: down.url, events: ['suppression.created' as const], secret: 'crm-secret-0123456789-0123456789', giveUpAfterDays: 2, retryInitialSeconds: 60 }];
      await suite.h.withWorker(async () => {
        // Objections need staff: verify and approve, as the API would.
        await reach(handle, 'awaiting_verification');
        await handle.executeUpdate(verifyUpdate, { args: [{ outcome: 'verified', method: 'account_authentication', actor: 'dpo' }] });
        await reach(handle, 'in_assessment');
        await handle.executeUpdate(assessUpdate, { args: [{ decision: 'approve', actor: 'dpo' }] });
        assert.equal((await settled(handle)).status, 'completed');
        await record(handle, 'gdpr-objection-suppressed');

        const scopes = await suite.pg.pool.anyFirst(sql.type(z.object({ scope: z.string() }))`select scope from delta_storage.suppressions where request_id = ${row.id} order by scope`);
        assert.deepEqual(scopes, ['marketing', 'profiling']);
        const deliveries = await suite.pg.pool.any(sql.type(Delivery)`
          select d.event_id, d.status, d.attempts, d.last_status_code from dsrflow.destination_deliveries d
          join dsrflow.destination_events e on e.id = d.event_id where e.request_id = ${row.id} order by e.ref`);
        assert.equal(deliveries.length, 2, 'one event per suppression, one delivery each');
        assert.ok(deliveries.every((d) => d.status === 'pending'));

        // Two days of retries with backoff, then given up: recorded, audited, staff told.
        // Waiting on a result lets the server skip time: the backoff timers pass in moments, not two days.
        const children = deliveries.map((d) => suite.env.client.workflow.getHandle<typeof destinationDelivery>(deliveryWorkflowId(d.event_id, 'crm')));
        for (const child of children) assert.deepEqual(await child.result(), { delivered: false });
      }, { destinations });

      const after = await suite.pg.pool.any(sql.type(Delivery)`
        select d.event_id, d.status, d.attempts, d.last_status_code from dsrflow.destination_deliveries d
        join dsrflow.destination_events e on e.id = d.event_id where e.request_id = ${row.id}`);
      assert.ok(after.every((d) => d.status === 'abandoned' && d.last_status_code === 500 && d.attempts > 5), JSON.stringify(after));
      // Backoff, not a hot loop: doubling from a minute to an hour over two days is tens of attempts, not thousands.
      assert.ok(after.every((d) => d.attempts < 100), `attempts: ${after.map((d) => d.attempts).join(', ')}`);
      const events = await listRequestEvents(suite.pg.pool, row.id);
      assert.equal(events.filter((e) => e.action === 'destination.abandoned').length, 2);
      await suite.mail.waitFor((m) => m.to.includes('privacy-team@dsrflow.test') && m.subject.includes('crm was not told') && m.subject.includes(row.id));
    } finally {
      await down.close();
    }
  });
});

/** With RECORD_HISTORIES=1, keeps the finished history for test/workflow/replay.test.ts. */
async function record(handle: { fetchHistory(): Promise<proto.temporal.api.history.v1.IHistory> }, name: string) {
  if (!process.env.RECORD_HISTORIES) return;
  writeFileSync(`test/fixtures/histories/${name}.binpb`, proto.temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish());
}
