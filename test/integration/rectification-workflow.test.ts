import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { json, testApp, tokenHeaders } from '../support/app.ts';
import { historyText } from '../support/history.ts';
import { eventually } from '../support/requests.ts';
import { useDevServerWorker } from '../support/workflow-harness.ts';

const TASK_QUEUE = 'rectification-e2e';

/** A customer of the demo warehouse, unique to the test. */
async function customer(pool: DatabasePool, tag: string) {
  const email = `${tag}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const id = await pool.oneFirst(sql.type(z.object({ id: z.coerce.number() }))`
    insert into warehouse.users (customer_id, email, first_name, last_name, country, created_at)
    values (${`cus_${email.slice(0, 20)}`}, ${email}, 'Jon', 'Smyth', 'IE', now()) returning id`);
  return { id, email };
}

describe('rectification through the API and the workflow (dev server)', () => {
  const suite = useDevServerWorker(TASK_QUEUE);

  async function open(body: unknown) {
    const app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: TASK_QUEUE });
    const headers = await tokenHeaders(suite.pg.pool);
    const res = await app.request('/v1/requests', { method: 'POST', headers, body: JSON.stringify(body) });
    assert.equal(res.status, 201, await res.clone().text());
    const { id, workflowId } = await json(res);
    const detail = async () => json(await app.request(`/v1/requests/${id}`, { headers }));
    const post = (path: string, payload: unknown) => app.request(`/v1/requests/${id}/${path}`, { method: 'POST', headers, body: JSON.stringify(payload) });
    const reach = (status: string) => eventually(async () => ((await detail()).status === status ? true : undefined), 15_000, status);
    return { id, workflowId, app, headers, detail, post, reach };
  }

  test('verified and approved: the correction is applied in the warehouse, before/after visible to staff, the subject told; history holds no value', async () => {
    const subject = await customer(suite.pg.pool, 'rectify');
    const r = await open({ type: 'rectify', regulation: 'GDPR', subject: { email: subject.email }, corrections: [{ model: 'users', field: 'last_name', newValue: 'Smith-Ó Briain' }] });
    await r.reach('awaiting_verification');
    assert.equal((await r.post('verification', { outcome: 'verified', method: 'account_authentication' })).status, 200);
    await r.reach('in_assessment');
    assert.equal((await r.post('assessment', { decision: 'approve' })).status, 200);
    assert.deepEqual(await suite.env.client.workflow.getHandle(r.workflowId).result(), { requestId: r.id, status: 'completed' });

    assert.equal(await suite.pg.pool.oneFirst(sql.type(z.object({ last_name: z.string() }))`select last_name from warehouse.users where id = ${subject.id}`), 'Smith-Ó Briain');
    const corrections = await json(await r.app.request(`/v1/requests/${r.id}/corrections`, { headers: r.headers }));
    assert.deepEqual(
      corrections.items.map((i: { field: string; before: string; after: string }) => [i.field, i.before, i.after]),
      [['last_name', 'Smyth', 'Smith-Ó Briain']],
    );
    const timeline = (await r.detail()).timeline.map((e: { action: string }) => e.action);
    assert.ok(timeline.includes('rectification.applied') && timeline.includes('rectification.viewed'));
    await suite.mail.waitFor((m) => m.to.includes(subject.email) && m.subject.includes(r.id) && m.text.includes('Smith-Ó Briain'));
    const history = await historyText(await suite.env.client.workflow.getHandle(r.workflowId).fetchHistory());
    for (const secret of [subject.email, 'Smyth', 'Smith']) assert.ok(!history.includes(secret), `history contains ${secret}`);
  });

  test('a correction the warehouse refuses goes back to staff with the reason (nothing changed), and staff can reject it', async () => {
    const subject = await customer(suite.pg.pool, 'refused');
    const other = await customer(suite.pg.pool, 'taken');
    const r = await open({ type: 'rectify', regulation: 'GDPR', subject: { email: subject.email }, corrections: [{ model: 'users', field: 'email', newValue: other.email }] });
    await r.reach('awaiting_verification');
    await r.post('verification', { outcome: 'verified', method: 'account_authentication' });
    await r.reach('in_assessment');
    await r.post('assessment', { decision: 'approve' });

    // Back in assessment: the refusal is in the timeline and staff are alerted; the warehouse is unchanged.
    const back = await eventually(async () => {
      const d = await r.detail();
      return d.status === 'in_assessment' && d.timeline.some((e: { action: string }) => e.action === 'rectification.refused') ? d : undefined;
    }, 15_000, 'the request back with staff');
    const refused = back.timeline.find((e: { action: string }) => e.action === 'rectification.refused');
    assert.match(refused.reason, /corrections\[0\] \(users\.email\).*another record already holds this value/);
    assert.ok(!refused.reason.includes(other.email), 'the value is not quoted');
    assert.equal(await suite.pg.pool.oneFirst(sql.type(z.object({ email: z.string() }))`select email from warehouse.users where id = ${subject.id}`), subject.email);
    await suite.mail.waitFor((m) => m.to.includes('privacy-team@dsrflow.test') && m.subject.includes(r.id) && /could not be applied/.test(m.text));

    assert.equal((await r.post('assessment', { decision: 'reject', rejectionReason: 'other', note: 'That address belongs to another account.' })).status, 200);
    assert.deepEqual(await suite.env.client.workflow.getHandle(r.workflowId).result(), { requestId: r.id, status: 'rejected' });
  });
});
