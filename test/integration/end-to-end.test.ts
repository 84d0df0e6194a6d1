import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { findRequest } from '../../src/db/requests.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMailer } from '../../src/platform/mailer.ts';
import { createWorker, startRecordedRequests } from '../../src/worker.ts';
import { verificationSignal } from '../../src/workflows/messages.ts';
import { json, testApp, tokenHeaders } from '../support/app.ts';
import { historyText } from '../support/history.ts';
import { eventually, recordRequest } from '../support/requests.ts';
import { devServer, mailCatcher, postgres, workflowBundle } from '../support/stack.ts';

const TASK_QUEUE = 'end-to-end';

describe('a request end to end on the Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  let pg: Awaited<ReturnType<typeof postgres>>;
  let mail: Awaited<ReturnType<typeof mailCatcher>>;
  let worker: Worker;
  let running: Promise<void>;
  let mailer: ReturnType<typeof createMailer>;

  before(async () => {
    [env, pg, mail] = await Promise.all([devServer(), postgres(), mailCatcher()]);
    mailer = createMailer(mail.smtpUrl, 'dsrflow <privacy@dsrflow.test>');
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      deps: { pool: pg.pool, mailer, logger: createLogger('silent'), publicUrl: 'http://localhost:3000' },
      workflowBundle: { code: (await workflowBundle()).code },
    });
    running = worker.run();
  });
  after(async () => {
    worker.shutdown();
    await running;
    mailer.close();
  });

  test('POST, verify, complete: the timeline, the emails, the Temporal UI filters, and no personal data in history', async () => {
    const app = testApp({ pool: pg.pool, client: env.client, taskQueue: TASK_QUEUE });
    const headers = await tokenHeaders(pg.pool);
    const email = `e2e-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const res = await app.request('/v1/requests', {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'erasure', regulation: 'UK_GDPR', subject: { email, fullName: 'Siobhán Nguyễn', customerId: 'cus_e2e_77' }, channel: 'email' }),
    });
    assert.equal(res.status, 201);
    const { id, workflowId } = await json(res);

    await eventually(async () => ((await json(await app.request(`/v1/requests/${id}`, { headers }))).status === 'awaiting_verification' ? true : undefined), 15_000, 'awaiting_verification');
    const handle = env.client.workflow.getHandle(workflowId);
    await handle.signal(verificationSignal, { outcome: 'verified', method: 'account_authentication', actor: 'dpo-jane' });
    assert.deepEqual(await handle.result(), { requestId: id, status: 'completed' });

    const detail = await json(await app.request(`/v1/requests/${id}`, { headers }));
    assert.equal(detail.status, 'completed');
    assert.ok(detail.completedAt);
    assert.deepEqual(
      detail.timeline.filter((e: { toStatus: string | null }) => e.toStatus).map((e: { toStatus: string }) => e.toStatus),
      ['submitted', 'awaiting_verification', 'verified', 'processing', 'completed'],
    );
    assert.ok(detail.timeline.some((e: { action: string; actor: string }) => e.action === 'request.verified' && e.actor === 'dpo-jane'));

    await mail.waitFor((m) => m.to.includes(email) && m.subject.includes(id) && /received/.test(m.subject));
    await mail.waitFor((m) => m.to.includes(email) && /complete/.test(m.subject));

    // An operator finds it in the Temporal UI by its search attributes (visibility is eventually consistent).
    const query = `DsrType = 'erasure' AND DsrRegulation = 'UK_GDPR' AND DsrStatus = 'completed' AND DsrOrganization = 'default' AND DsrDueAt > '2020-01-01T00:00:00Z'`;
    await eventually(async () => {
      for await (const wf of env.client.workflow.list({ query })) if (wf.workflowId === workflowId) return true;
      return undefined;
    }, 15_000, 'the workflow to be listed by its search attributes');

    const history = historyText(await handle.fetchHistory());
    for (const identifier of [email, 'Siobhán', 'Nguyễn', 'cus_e2e_77']) assert.ok(!history.includes(identifier), `history contains ${identifier}`);
  });

  test('a request recorded while Temporal was down is started by the worker start-up sweep', async () => {
    const { row } = await recordRequest(pg.pool, { type: 'access', regulation: 'CCPA' });
    assert.equal(row.workflow_started_at, null);
    const started = await startRecordedRequests(env.client, { pool: pg.pool, logger: createLogger('silent') }, { taskQueue: TASK_QUEUE, verificationWindowDays: 14 });
    assert.ok(started >= 1);
    const description = await env.client.workflow.getHandle(row.workflow_id).describe();
    assert.equal(description.status.name, 'RUNNING');
    assert.ok((await findRequest(pg.pool, row.id))?.workflow_started_at, 'marked as started');
    const again = await startRecordedRequests(env.client, { pool: pg.pool, logger: createLogger('silent') }, { taskQueue: TASK_QUEUE, verificationWindowDays: 14 });
    assert.equal(again, 0, 'a second sweep finds nothing to start');
  });
});
