import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'slonik';
import { findAppeal, insertAppeal } from '../../src/db/appeals.ts';
import { findRequest } from '../../src/db/requests.ts';
import { appealDeadline } from '../../src/domain/appeals.ts';
import { appealWorkflowIdFor } from '../../src/workflow-client/appeals.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { startRecordedRequests } from '../../src/main/temporal-worker.ts';
import { json, testApp, testWorkflowSettings, tokenHeaders } from '../support/app.ts';
import { historyText } from '../support/history.ts';
import { eventually, recordRequest } from '../support/requests.ts';
import { useDevServerWorker, type DevServerSuite } from '../support/workflow-harness.ts';
import { ensureSchedule, recordedRequestsSweepSchedule } from '../../src/main/deletion-schedule.ts';

const TASK_QUEUE = 'end-to-end';

describe('a request end to end on the Temporal dev server', () => {
  const suite: DevServerSuite = useDevServerWorker(TASK_QUEUE, () => ({ starter: { client: suite.env.client, settings: testWorkflowSettings(TASK_QUEUE) } }));

  test('POST, verify, complete: the timeline, the emails, the Temporal UI filters, and no personal data in history', async () => {
    const app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: TASK_QUEUE });
    const headers = await tokenHeaders(suite.pg.pool);
    const email = `e2e-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const res = await app.request('/v1/requests', {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'erasure', regulation: 'UK_GDPR', subject: { email, fullName: 'Siobhán Nguyễn', customerId: 'cus_e2e_77' }, channel: 'email' }),
    });
    assert.equal(res.status, 201);
    const { id, workflowId } = await json(res);

    const statusOf = async () => (await json(await app.request(`/v1/requests/${id}`, { headers }))).status;
    await eventually(async () => ((await statusOf()) === 'awaiting_verification' ? true : undefined), 15_000, 'awaiting_verification');
    const post = (path: string, payload: unknown) => app.request(`/v1/requests/${id}/${path}`, { method: 'POST', headers, body: JSON.stringify(payload) });

    // An invalid transition is a 409 with the workflow's reason, and changes nothing.
    const early = await post('assessment', { decision: 'approve' });
    assert.equal(early.status, 409);
    assert.equal((await json(early)).error.code, 'REQUEST.INVALID_TRANSITION');
    const badBody = await post('verification', { outcome: 'maybe', method: 'document_check' });
    assert.equal(badBody.status, 400);

    const verified = await post('verification', { outcome: 'verified', method: 'account_authentication' });
    assert.equal(verified.status, 200);
    assert.equal((await json(verified)).accepted, true);
    await eventually(async () => ((await statusOf()) === 'in_assessment' ? true : undefined), 15_000, 'in_assessment');
    const approved = await post('assessment', { decision: 'approve', legalExceptions: ['tax_records'], note: 'Invoices are kept 10 years (HGB §257).' });
    assert.equal(approved.status, 200);
    const handle = suite.env.client.workflow.getHandle(workflowId);
    assert.deepEqual(await handle.result(), { requestId: id, status: 'completed' });
    const afterwards = await post('cancellation', { reason: 'duplicate' });
    assert.equal(afterwards.status, 409, 'nothing after completion');

    const detail = await json(await app.request(`/v1/requests/${id}`, { headers }));
    assert.equal(detail.status, 'completed');
    assert.ok(detail.completedAt);
    assert.deepEqual(
      detail.timeline.filter((e: { toStatus: string | null }) => e.toStatus).map((e: { toStatus: string }) => e.toStatus),
      ['submitted', 'awaiting_verification', 'verified', 'in_assessment', 'processing', 'completed'],
    );
    assert.ok(detail.timeline.some((e: { action: string; actor: string }) => e.action === 'request.verified' && e.actor.startsWith('test-owner')), 'the API records the token name as the actor');

    await suite.mail.waitFor((m) => m.to.includes(email) && m.subject.includes(id) && /received/.test(m.subject));
    await suite.mail.waitFor((m) => m.to.includes(email) && /complete/.test(m.subject));

    // An operator finds it in the Temporal UI by its search attributes (visibility is eventually consistent).
    const query = `DsrType = 'erasure' AND DsrRegulation = 'UK_GDPR' AND DsrStatus = 'completed' AND DsrOrganization = 'default' AND DsrDueAt > '2020-01-01T00:00:00Z'`;
    await eventually(async () => {
      for await (const wf of suite.env.client.workflow.list({ query })) if (wf.workflowId === workflowId) return true;
      return undefined;
    }, 15_000, 'the workflow to be listed by its search attributes');

    const history = await historyText(await handle.fetchHistory());
    for (const identifier of [email, 'Siobhán', 'Nguyễn', 'cus_e2e_77', 'HGB']) assert.ok(!history.includes(identifier), `history contains ${identifier}`);
  });

  test('a decision retried with the same Idempotency-Key gets the first answer, not a 409; applied once', async () => {
    const app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: TASK_QUEUE });
    const headers = await tokenHeaders(suite.pg.pool);
    const email = `retry-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const { id } = await json(await app.request('/v1/requests', { method: 'POST', headers, body: JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email } }) }));
    const detail = async () => json(await app.request(`/v1/requests/${id}`, { headers }));
    await eventually(async () => ((await detail()).status === 'awaiting_verification' ? true : undefined), 15_000, 'awaiting_verification');
    const verify = (key?: string) =>
      app.request(`/v1/requests/${id}/verification`, {
        method: 'POST',
        headers: { ...headers, ...(key ? { 'idempotency-key': key } : {}) },
        body: JSON.stringify({ outcome: 'verified', method: 'document_check' }),
      });
    const first = await verify('verify-1');
    assert.equal(first.status, 200);
    const retried = await verify('verify-1');
    assert.equal(retried.status, 200, 'the retry is answered as the first call was');
    assert.deepEqual(await json(retried), await json(first));
    const other = await verify('verify-2');
    assert.equal(other.status, 409, 'a new decision (another key) is checked again');
    assert.equal((await verify()).status, 409);
    await eventually(async () => ((await detail()).status === 'in_assessment' ? true : undefined), 15_000, 'in_assessment');
    assert.equal((await detail()).timeline.filter((e: { action: string }) => e.action === 'request.verified').length, 1);
  });

  test('a request recorded while Temporal was down is started by the worker start-up sweep', async () => {
    const { row } = await recordRequest(suite.pg.pool, { type: 'access', regulation: 'CCPA' });
    assert.equal(row.workflow_started_at, null);
    const started = await startRecordedRequests(suite.env.client, { pool: suite.pg.pool, logger: createLogger('silent') }, testWorkflowSettings(TASK_QUEUE));
    assert.ok(started >= 1);
    const description = await suite.env.client.workflow.getHandle(row.workflow_id).describe();
    assert.equal(description.status.name, 'RUNNING');
    assert.ok((await findRequest(suite.pg.pool, row.id))?.workflow_started_at, 'marked as started');
    const again = await startRecordedRequests(suite.env.client, { pool: suite.pg.pool, logger: createLogger('silent') }, testWorkflowSettings(TASK_QUEUE));
    assert.equal(again, 0, 'a second sweep finds nothing to start');
  });

  test('an appeal filed while Temporal was down, never filed again, is started by the sweep with its deadline from receipt', async () => {
    const { row: request } = await recordRequest(suite.pg.pool, { type: 'access', regulation: 'CPA' });
    const id = crypto.randomUUID();
    const receivedAt = new Date(Date.now() - 3_600_000);
    const dueAt = appealDeadline('CPA', receivedAt).dueAt.toISOString();
    // As fileAppeal leaves it when the start fails: recorded, answered 503, and the consumer gone.
    const { row: appeal } = await insertAppeal(suite.pg.pool, {
      id, requestId: request.id, organizationId: request.organization_id, regulation: 'CPA', channel: 'subject',
      receivedAt: receivedAt.toISOString(), dueAt, workflowId: appealWorkflowIdFor(id), createdBy: 'subject',
    });
    assert.equal(appeal.workflow_started_at, null);
    const sweep = () => startRecordedRequests(suite.env.client, { pool: suite.pg.pool, logger: createLogger('silent') }, testWorkflowSettings(TASK_QUEUE));
    assert.ok((await sweep()) >= 1);
    const description = await suite.env.client.workflow.getHandle(appeal.workflow_id).describe();
    assert.equal(description.type, 'appeal');
    assert.ok((await findAppeal(suite.pg.pool, id))?.workflow_started_at, 'marked as started');
    assert.equal((await findAppeal(suite.pg.pool, id))?.due_at, dueAt, 'the deadline still runs from the receipt');
    assert.equal(await sweep(), 0, 'a second sweep finds nothing to start');
  });

  test('the recorded-requests sweep Schedule starts a request recorded while Temporal was down, without a worker restart', async () => {
    const { row } = await recordRequest(suite.pg.pool, { type: 'access', regulation: 'GDPR' });
    const options = recordedRequestsSweepSchedule(TASK_QUEUE, `sweep-${row.id.slice(0, 8)}`);
    assert.equal(await ensureSchedule(suite.env.client, options), 'created');
    assert.equal(await ensureSchedule(suite.env.client, options), 'updated', 'idempotent at every worker start');
    const schedule = suite.env.client.schedule.getHandle(options.scheduleId);
    try {
      await schedule.trigger();
      await eventually(async () => ((await findRequest(suite.pg.pool, row.id))?.workflow_started_at ? true : undefined), 20_000, 'the sweep to start the request');
      const description = await suite.env.client.workflow.getHandle(row.workflow_id).describe();
      assert.equal(description.type, 'rightsRequest');
    } finally {
      await schedule.delete();
    }
  });
});

describe('the subject verifies by the emailed link', () => {
  const suite = useDevServerWorker('verification-link');

  test('GET shows a confirm button, POST verifies once; reused, unknown and expired links are refused', async () => {
    const app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: 'verification-link' });
    const headers = await tokenHeaders(suite.pg.pool);
    const email = `link-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const { id } = await json(await app.request('/v1/requests', { method: 'POST', headers, body: JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email } }) }));
    const message = await suite.mail.waitFor((m) => m.to.includes(email) && /confirm/.test(m.subject), 15_000);
    const path = new URL(/http:\/\/\S+\/verify\/\S+/.exec(message.text)![0]).pathname;

    const page = await app.request(path);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<form method="post">/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.equal((await json(await app.request(`/v1/requests/${id}`, { headers }))).status, 'awaiting_verification', 'opening the link verifies nobody');

    const confirmed = await app.request(path, { method: 'POST' });
    assert.equal(confirmed.status, 200);
    assert.match(await confirmed.text(), /confirmed/);
    await eventually(async () => ((await json(await app.request(`/v1/requests/${id}`, { headers }))).status === 'in_assessment' ? true : undefined), 15_000, 'in_assessment');
    const detail = await json(await app.request(`/v1/requests/${id}`, { headers }));
    assert.ok(detail.timeline.some((e: { action: string; actor: string }) => e.action === 'request.verified' && e.actor === 'subject'));

    assert.equal((await app.request(path, { method: 'POST' })).status, 410, 'single use');
    assert.equal((await app.request('/verify/' + 'A'.repeat(43), { method: 'POST' })).status, 404);
    assert.equal((await app.request('/verify/not-a-token')).status, 404);

    const other = `link-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const second = await json(await app.request('/v1/requests', { method: 'POST', headers, body: JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email: other } }) }));
    const secondMail = await suite.mail.waitFor((m) => m.to.includes(other) && /confirm/.test(m.subject), 15_000);
    const secondPath = new URL(/http:\/\/\S+\/verify\/\S+/.exec(secondMail.text)![0]).pathname;
    await suite.pg.pool.query(sql.unsafe`update dsrflow.verification_tokens set expires_at = now() - interval '1 minute' where request_id = ${second.id}`);
    assert.equal((await app.request(secondPath, { method: 'POST' })).status, 410, 'expired');
  });
});
