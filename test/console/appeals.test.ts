import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { sql } from 'slonik';
import { z } from 'zod';
import { json, testWorkflowSettings } from '../support/app.ts';
import { assertAccessible, newContext, screenshots, signIn, startConsoleWithWorker, type serveApp } from '../support/console.ts';
import { eventually } from '../support/requests.ts';
import { useDevServerWorker, type DevServerSuite } from '../support/workflow-harness.ts';

// An appeal on the request page: staff record the one the consumer sent, then decide it with reasons.
const TASK_QUEUE = 'console-appeals';

describe('staff console: appeals', () => {
  const suite: DevServerSuite = useDevServerWorker(TASK_QUEUE, () => ({ starter: { client: suite.env.client, settings: testWorkflowSettings(TASK_QUEUE) } }));
  let chromium: Browser;
  let server: Awaited<ReturnType<typeof serveApp>>;
  let token: string;
  before(async () => ({ chromium, server, token } = await startConsoleWithWorker(suite.pg, suite.env.client, TASK_QUEUE)));
  after(() => server.close());

  test('a Texas refusal: record the appeal, deny it with reasons; the consumer is told how to reach the Attorney General', async () => {
    const email = `appeal-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const call = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const created = await call('/v1/requests', { type: 'erasure', regulation: 'TDPSA', subject: { email } });
    const id = (await json(created)).id as string;
    assert.equal((await call(`/v1/requests/${id}/verification`, { outcome: 'verified', method: 'document_check' })).status, 200);
    assert.equal((await call(`/v1/requests/${id}/assessment`, { decision: 'reject', rejectionReason: 'legal_exception', legalExceptions: ['legal_claims'] })).status, 200);
    await eventually(async () => ((await suite.pg.pool.oneFirst(sql.type(z.object({ status: z.string() }))`select status from dsrflow.requests where id = ${id}`)) === 'rejected' ? true : undefined));

    const context = await newContext(chromium);
    // The consumer's page behind the link in the refusal: one question and a button, accessible, no sideways scrolling.
    const refusal = await suite.mail.waitFor((m) => m.to.includes(email) && /could not be fulfilled/.test(m.subject));
    const link = /open \S+(\/appeal\/[A-Za-z0-9_-]{43}) /.exec(refusal.text)![1]!;
    await screenshots(context, `${server.url}${link}`, 'appeal-page');
    const consumer = await context.newPage();
    await consumer.goto(`${server.url}${link}`);
    assert.match(await consumer.locator('h1').innerText(), /Appeal our decision/);
    await consumer.close();
    const page = await context.newPage();
    await signIn(page, server.url, token);
    await page.goto(`${server.url}/console/requests/${id}`);
    const section = page.locator('section[aria-labelledby=h-appeal]');
    assert.match(await section.innerText(), /Not appealed\..*Tex\. Bus\. & Com\. Code 541\.053/s);
    await section.getByText('Record an appeal the consumer sent us…').click();
    await page.getByLabel('What does the consumer say?').fill('There is no lawsuit about me.');
    await page.getByRole('button', { name: 'Record the appeal' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('Appeal recorded.').waitFor());
    assert.match(await section.innerText(), /Waiting for a decision/);
    // The consumer's words belong to the appeal, not to the staff notes of the assessment.
    assert.match(await section.innerText(), /The consumer says\s+There is no lawsuit about me\./);
    assert.equal(await page.locator('.notes').count(), 0);
    await assertAccessible(page, 'request with an appeal to decide');
    await screenshots(context, page.url(), 'detail-appeal');

    await page.getByLabel('Deny: we keep our decision').check();
    await page.getByLabel('Reasons, sent to the consumer').fill('A claim about your account is pending in court; we keep the records until it ends.');
    await page.getByRole('button', { name: 'Decide the appeal' }).click();
    await eventually(async () => {
      await page.reload();
      return /Denied by/.test(await section.innerText()) ? true : undefined;
    }, 15_000, 'the appeal to be denied');
    const denial = await suite.mail.waitFor((m) => m.to.includes(email) && /was denied/.test(m.subject));
    assert.match(denial.text, /pending in court/);
    assert.match(denial.text, /Attorney General of Texas online at https:\/\/www\.texasattorneygeneral\.gov\//);
    const actions = await suite.pg.pool.anyFirst(sql.type(z.object({ action: z.string() }))`select action from dsrflow.audit_events where request_id = ${id} order by id`);
    for (const action of ['appeal.received', 'appeal.denied']) assert.ok(actions.includes(action), action);
    await context.close();
  });
});
