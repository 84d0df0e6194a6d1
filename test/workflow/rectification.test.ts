import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import proto from '@temporalio/proto';
import { sql } from 'slonik';
import { z } from 'zod';
import { insertRequest } from '../../src/db/requests.ts';
import { computeDeadlines } from '../support/deadlines.ts';
import { startRequestWorkflow, workflowIdFor } from '../../src/workflow-client/starts.ts';
import { assessUpdate, verifyUpdate } from '../../src/workflows/messages.ts';
import type { rightsRequest } from '../../src/workflows/rights-request.ts';
import { historyText } from '../support/history.ts';
import { reach, settled, useTimeSkipping } from '../support/workflow-harness.ts';

describe('rectification on the time-skipping server', () => {
  const suite = useTimeSkipping('rectification');

  test('verified, approved, applied inside the month; the history carries the id only', async () => {
    const pool = suite.pg.pool;
    const email = `ts-rectify-${randomUUID().slice(0, 8)}@example.com`;
    const userId = await pool.oneFirst(sql.type(z.object({ id: z.coerce.number() }))`
      insert into warehouse.users (customer_id, email, first_name, last_name, country, created_at)
      values (${`cus_${email.slice(11, 19)}`}, ${email}, 'Mia', 'Wong', 'GB', now()) returning id`);
    const id = randomUUID();
    const receivedAt = new Date(await suite.env.currentTimeMs());
    const deadlines = computeDeadlines({ regulation: 'UK_GDPR', type: 'rectify', receivedAt });
    const { row } = await insertRequest(pool, {
      id,
      organizationId: 'default',
      type: 'rectify',
      regulation: 'UK_GDPR',
      channel: 'api',
      receivedAt: receivedAt.toISOString(),
      dueAt: deadlines.dueAt.toISOString(),
      acknowledgeBy: null,
      workflowId: workflowIdFor(id),
      idempotencyKey: null,
      fingerprint: 'test',
      createdBy: 'test',
      subject: { email },
      corrections: [{ model: 'users', field: 'last_name', rowKey: null, newValue: 'Wong-Lee' }],
    });
    await startRequestWorkflow(suite.env.client, row, suite.h.settings);
    const handle = suite.env.client.workflow.getHandle<typeof rightsRequest>(row.workflow_id);
    await suite.h.withWorker(async () => {
      await reach(handle, 'awaiting_verification');
      await handle.executeUpdate(verifyUpdate, { args: [{ outcome: 'verified', method: 'account_authentication', actor: 'dpo' }] });
      await reach(handle, 'in_assessment');
      await handle.executeUpdate(assessUpdate, { args: [{ decision: 'approve', actor: 'dpo' }] });
      assert.equal((await settled(handle)).status, 'completed');
    });
    assert.equal(await pool.oneFirst(sql.type(z.object({ last_name: z.string() }))`select last_name from warehouse.users where id = ${userId}`), 'Wong-Lee');
    const completedAt = await pool.oneFirst(sql.type(z.object({ completed_at: z.string() }))`select completed_at from dsrflow.requests where id = ${id}`);
    assert.ok(Date.parse(completedAt) < deadlines.dueAt.getTime());
    const history = await handle.fetchHistory();
    for (const value of [email, 'Wong']) assert.ok(!historyText(history).includes(value), `history contains ${value}`);
    if (process.env.RECORD_HISTORIES) writeFileSync('test/fixtures/histories/uk-gdpr-rectify-applied.binpb', proto.temporal.api.history.v1.History.encode(history).finish());
  });
});
