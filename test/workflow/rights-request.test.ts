import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { listRequestEvents } from '../../src/db/audit.ts';
import { findRequest } from '../../src/db/requests.ts';
import { computeDeadlines } from '../../src/domain/deadlines.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMailer } from '../../src/platform/mailer.ts';
import { startRequestWorkflow } from '../../src/platform/temporal.ts';
import { createWorker } from '../../src/worker.ts';
import { stateQuery, verificationSignal } from '../../src/workflows/messages.ts';
import { historySpanMs, historyText } from '../support/history.ts';
import { eventually, recordRequest } from '../support/requests.ts';
import { mailCatcher, postgres, timeSkipping, workflowBundle } from '../support/stack.ts';

const TASK_QUEUE = 'rights-request-time-skipping';

describe('rightsRequest workflow on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let worker: Pick<Worker, 'runUntil'>;
  let pg: Awaited<ReturnType<typeof postgres>>;
  let mail: Awaited<ReturnType<typeof mailCatcher>>;
  let mailer: ReturnType<typeof createMailer>;

  before(async () => {
    [env, pg, mail] = await Promise.all([timeSkipping(), postgres(), mailCatcher()]);
    mailer = createMailer(mail.smtpUrl, 'dsrflow <privacy@dsrflow.test>');
    const code = (await workflowBundle()).code;
    // A worker per test: one that is created but never run would hold the test server open.
    worker = {
      runUntil: async <R>(fnOrPromise: Promise<R> | (() => Promise<R>)) => {
        const w = await createWorker({
          connection: env.nativeConnection,
          namespace: env.namespace ?? 'default',
          taskQueue: TASK_QUEUE,
          deps: { pool: pg.pool, mailer, logger: createLogger('silent'), publicUrl: 'http://localhost:3000' },
          workflowBundle: { code },
        });
        return w.runUntil(fnOrPromise);
      },
    };
  });
  after(() => mailer.close());

  const start = async (row: Awaited<ReturnType<typeof recordRequest>>['row']) => {
    const { verification } = computeDeadlines({ regulation: row.regulation as 'GDPR', type: row.type, receivedAt: new Date(row.received_at) });
    await startRequestWorkflow(env.client, row, { taskQueue: TASK_QUEUE, verificationWindowDays: 14, verification });
    return env.client.workflow.getHandle(row.workflow_id);
  };

  test('a GDPR access request: acknowledged, verified by signal, completed, every transition audited', async () => {
    const { row, subject } = await recordRequest(pg.pool, { type: 'access', regulation: 'GDPR' });
    const handle = await start(row);
    const result = await worker.runUntil(async () => {
      await eventually(async () => ((await handle.query(stateQuery)).status === 'awaiting_verification' ? true : undefined), 10_000, 'awaiting_verification');
      await handle.signal(verificationSignal, { outcome: 'verified', method: 'document_check', actor: 'dpo-jane' });
      return handle.result();
    });
    assert.deepEqual(result, { requestId: row.id, status: 'completed' });

    const stored = await findRequest(pg.pool, row.id);
    assert.equal(stored?.status, 'completed');
    assert.ok(stored?.completed_at);
    const events = await listRequestEvents(pg.pool, row.id);
    const transitions = events.filter((e) => e.to_status).map((e) => `${e.from_status ?? '-'}>${e.to_status}:${e.actor}`);
    assert.deepEqual(transitions, [
      '->submitted:test',
      'submitted>awaiting_verification:system',
      'awaiting_verification>verified:dpo-jane',
      'verified>processing:system',
      'processing>completed:system',
    ]);

    const ack = await mail.waitFor((m) => m.to.includes(subject.email) && /received/.test(m.subject));
    assert.match(ack.text, new RegExp(row.id));
    assert.match(ack.text, new RegExp(`respond by ${row.due_at.slice(0, 10)}`));
    await mail.waitFor((m) => m.to.includes(subject.email) && /complete/.test(m.subject));
  });

  test('the finished history holds none of the subject identifiers', async () => {
    const { row, subject } = await recordRequest(pg.pool, { type: 'erasure', regulation: 'UK_GDPR' });
    const handle = await start(row);
    await worker.runUntil(async () => {
      await eventually(async () => ((await handle.query(stateQuery)).status === 'awaiting_verification' ? true : undefined));
      await handle.signal(verificationSignal, { outcome: 'verified', method: 'email_link', actor: 'subject' });
      await handle.result();
    });
    const history = historyText(await handle.fetchHistory());
    for (const identifier of [subject.email, subject.fullName, subject.customerId, subject.email.split('@')[0]!]) {
      assert.ok(!history.includes(identifier), `history must not contain ${identifier}`);
    }
    assert.ok(history.includes(row.id), 'the history does carry the request id (sanity check of the scan)');
  });

  test('a subject who never verifies ends unverified when the window closes, and is told', async () => {
    const { row, subject } = await recordRequest(pg.pool, { type: 'access', regulation: 'GDPR' });
    const handle = await start(row);
    const result = await worker.runUntil(handle.result());
    assert.equal(result.status, 'unverified');
    const skippedDays = historySpanMs(await handle.fetchHistory()) / 86_400_000;
    assert.ok(skippedDays >= 14 && skippedDays < 15, `the 14-day window elapsed in skipped time (${skippedDays.toFixed(2)} days)`);
    const last = (await listRequestEvents(pg.pool, row.id)).filter((e) => e.to_status).at(-1);
    assert.equal(last?.to_status, 'unverified');
    assert.match(last?.reason ?? '', /within 14 days/);
    await mail.waitFor((m) => m.to.includes(subject.email) && /identity not confirmed/.test(m.subject));
  });

  test('a failed identity check rejects the request', async () => {
    const { row } = await recordRequest(pg.pool, { type: 'rectify', regulation: 'GDPR' });
    const handle = await start(row);
    const result = await worker.runUntil(async () => {
      await eventually(async () => ((await handle.query(stateQuery)).status === 'awaiting_verification' ? true : undefined));
      await handle.signal(verificationSignal, { outcome: 'failed', method: 'document_check', actor: 'dpo-jane' });
      return handle.result();
    });
    assert.equal(result.status, 'rejected');
    assert.equal((await findRequest(pg.pool, row.id))?.status, 'rejected');
  });

  test('an opt-out of sale completes with no verification step', async () => {
    const { row } = await recordRequest(pg.pool, { type: 'noSale', regulation: 'CCPA' });
    const handle = await start(row);
    const result = await worker.runUntil(handle.result());
    assert.equal(result.status, 'completed');
    const statuses = (await listRequestEvents(pg.pool, row.id)).map((e) => e.to_status).filter(Boolean);
    assert.ok(!statuses.includes('awaiting_verification'), `no verification for noSale: ${statuses.join(',')}`);
  });
});
