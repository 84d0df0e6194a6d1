import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDecisionApplied } from '../../src/domain/actions.ts';
import { createMailer, type Mailer } from '../../src/platform/mailer.ts';
import { json, testApp, tokenHeaders } from '../support/app.ts';
import { eventually } from '../support/requests.ts';
import { mailCatcher } from '../support/stack.ts';
import { useDevServerWorker, type DevServerSuite } from '../support/workflow-harness.ts';

const TASK_QUEUE = 'back-to-back';

// Acknowledgements to these subjects wait until the test lets them go: an SMTP peer that is slow or down.
const held = new Map<string, { release?: () => void }>();
const holdingMailer = async (): Promise<Mailer> => {
  const real = createMailer((await mailCatcher()).smtpUrl, 'dsrflow <privacy@dsrflow.test>');
  return {
    async send(m) {
      const hold = held.get(m.to);
      if (hold && /received/.test(m.subject)) await new Promise<void>((go) => (hold.release = go));
      await real.send(m);
    },
    close: () => real.close(),
  };
};

const percentile = (ms: number[], p: number) => [...ms].sort((a, b) => a - b)[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))]!;

describe('staff decisions sent back to back through the API (dev server)', () => {
  const suite: DevServerSuite = useDevServerWorker(TASK_QUEUE, async () => ({ mailer: await holdingMailer() }));

  test('twenty create -> verify -> approve sequences with no delay: every call 200, the approval answered past assessment, all completed', async (t) => {
    // The wait is generous here: this test is about acceptance; the bounded wait has its own test below.
    const app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: TASK_QUEUE, decisionWaitMs: 30_000 });
    const headers = await tokenHeaders(suite.pg.pool);
    const post = (path: string, body: unknown) => app.request(path, { method: 'POST', headers, body: JSON.stringify(body) });
    const took = { verify: [] as number[], approve: [] as number[] };
    // Each sequence sends its calls with no delay; four run side by side, as several staff members would.
    const sequence = async (i: number): Promise<string> => {
      const created = await post('/v1/requests', { type: 'access', regulation: 'GDPR', subject: { email: `b2b-${i}-${crypto.randomUUID().slice(0, 8)}@example.com` } });
      assert.equal(created.status, 201);
      const { id } = await json(created);
      let started = Date.now();
      const verified = await post(`/v1/requests/${id}/verification`, { outcome: 'verified', method: 'document_check' });
      took.verify.push(Date.now() - started);
      assert.equal(verified.status, 200, `verification ${i}: ${JSON.stringify(await verified.clone().json())}`);
      const afterVerify = await json(verified);
      assert.equal(afterVerify.queued, false);
      assert.ok(isDecisionApplied('verification', afterVerify.state.status), `verification ${i} answered in ${afterVerify.state.status}`);
      started = Date.now();
      const approved = await post(`/v1/requests/${id}/assessment`, { decision: 'approve' });
      took.approve.push(Date.now() - started);
      assert.equal(approved.status, 200, `approval ${i}: ${JSON.stringify(await approved.clone().json())}`);
      const afterApprove = await json(approved);
      assert.equal(afterApprove.queued, false);
      assert.ok(isDecisionApplied('assessment', afterApprove.state.status), `approval ${i} answered in ${afterApprove.state.status}`);
      assert.equal(afterApprove.state.assessment.decision, 'approve');
      return id;
    };
    const lanes = await Promise.all([0, 1, 2, 3].map(async (lane) => {
      const done: string[] = [];
      for (let i = lane; i < 20; i += 4) done.push(await sequence(i));
      return done;
    }));
    const ids = lanes.flat();
    assert.equal(ids.length, 20);
    t.diagnostic(`verify answered in p50 ${percentile(took.verify, 50)} ms, max ${Math.max(...took.verify)} ms; approve p50 ${percentile(took.approve, 50)} ms, max ${Math.max(...took.approve)} ms`);
    const statusOf = async (id: string) => (await json(await app.request(`/v1/requests/${id}`, { headers }))).status;
    await eventually(async () => ((await Promise.all(ids.map(statusOf))).every((s) => s === 'completed') ? true : undefined), 60_000, 'all twenty requests to complete');
    const detail = await json(await app.request(`/v1/requests/${ids[0]}`, { headers }));
    assert.ok(!detail.timeline.some((e: { action: string }) => e.action === 'action.refused'));
  });

  test('while the acknowledgement cannot go out, a decision is answered within the bounded wait as accepted and queued, then applied without another call', async () => {
    const app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: TASK_QUEUE, decisionWaitMs: 1000 });
    const headers = await tokenHeaders(suite.pg.pool);
    const email = `held-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const hold: { release?: () => void } = {};
    held.set(email, hold);
    const post = (path: string, body: unknown) => app.request(path, { method: 'POST', headers, body: JSON.stringify(body) });
    const { id } = await json(await post('/v1/requests', { type: 'access', regulation: 'GDPR', subject: { email } }));
    for (const [path, body] of [['verification', { outcome: 'verified', method: 'document_check' }], ['assessment', { decision: 'approve' }]] as const) {
      const started = Date.now();
      const res = await post(`/v1/requests/${id}/${path}`, body);
      assert.equal(res.status, 200);
      const answer = await json(res);
      assert.ok(Date.now() - started < 4000, `${path} answered in ${Date.now() - started} ms`);
      assert.equal(answer.accepted, true);
      assert.equal(answer.queued, true, `${path} is queued`);
      assert.equal(answer.state.status, 'submitted', 'the state as it stands: the acknowledgement is still going out');
    }
    const refused = await post(`/v1/requests/${id}/assessment`, { decision: 'approve' });
    assert.equal(refused.status, 409, 'a second approval is refused, not queued twice');
    assert.equal((await json(refused)).error.code, 'REQUEST.DECISION_PENDING');
    await eventually(async () => (hold.release ? true : undefined), 10_000, 'the acknowledgement to be attempted');
    hold.release!();
    await eventually(async () => ((await json(await app.request(`/v1/requests/${id}`, { headers }))).status === 'completed' ? true : undefined), 20_000, 'completed');
    const detail = await json(await app.request(`/v1/requests/${id}`, { headers }));
    assert.ok(detail.timeline.some((e: { action: string; actor: string }) => e.action === 'request.verified' && e.actor.startsWith('test-owner')));
    assert.ok(!suite.mail.messages().some((m) => m.to.includes(email) && /confirm/.test(m.subject)), 'no verification link: staff had verified');
  });

  test('with no worker to take it, a decision is answered 503 WORKER_UNAVAILABLE within the bounded wait instead of being held', async () => {
    const app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: 'no-worker-polls-this', decisionWaitMs: 1000 });
    const headers = await tokenHeaders(suite.pg.pool);
    const created = await app.request('/v1/requests', { method: 'POST', headers, body: JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email: `idle-${crypto.randomUUID().slice(0, 8)}@example.com` } }) });
    assert.equal(created.status, 201);
    const { id, workflowId } = await json(created);
    const started = Date.now();
    const res = await app.request(`/v1/requests/${id}/verification`, { method: 'POST', headers, body: JSON.stringify({ outcome: 'verified', method: 'document_check' }) });
    assert.ok(Date.now() - started < 4000, `answered in ${Date.now() - started} ms`);
    assert.equal(res.status, 503);
    assert.equal((await json(res)).error.code, 'WORKER_UNAVAILABLE');
    await suite.env.client.workflow.getHandle(workflowId).terminate('test over');
  });
});
