import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { sql } from 'slonik';
import { z } from 'zod';
import { shortDate } from '../../src/api/console/words.ts';
import { appealDeadline } from '../../src/domain/appeals.ts';
import { json, testWorkflowSettings, tokenHeaders } from '../support/app.ts';
import { assertAccessible, newContext, screenshots, signIn, startConsoleWithWorker, type serveApp } from '../support/console.ts';
import { eventually } from '../support/requests.ts';
import { useDevServerWorker, type DevServerSuite } from '../support/workflow-harness.ts';

// Colorado's appeal extension on the request page (C.R.S. 6-1-1306(3)): offered while valid, once, with the reasons.
const TASK_QUEUE = 'console-appeal-extension';

describe('staff console: extending an appeal’s decision deadline', () => {
  const suite: DevServerSuite = useDevServerWorker(TASK_QUEUE, () => ({ starter: { client: suite.env.client, settings: testWorkflowSettings(TASK_QUEUE) } }));
  let chromium: Browser;
  let server: Awaited<ReturnType<typeof serveApp>>;
  let token: string;
  before(async () => ({ chromium, server, token } = await startConsoleWithWorker(suite.pg, suite.env.client, TASK_QUEUE)));
  after(() => server.close());

  test('a Colorado appeal: extend it with reasons and see the new date; a second try in another tab is refused on the page; an auditor sees no form and a forged POST is refused', async () => {
    const email = `appeal-ext-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const call = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const id = (await json(await call('/v1/requests', { type: 'access', regulation: 'CPA', subject: { email } }))).id as string;
    assert.equal((await call(`/v1/requests/${id}/verification`, { outcome: 'verified', method: 'document_check' })).status, 200);
    assert.equal((await call(`/v1/requests/${id}/assessment`, { decision: 'reject', rejectionReason: 'excessive' })).status, 200);
    await eventually(async () => ((await suite.pg.pool.oneFirst(sql.type(z.object({ status: z.string() }))`select status from dsrflow.requests where id = ${id}`)) === 'rejected' ? true : undefined));
    const filed = await json(await call(`/v1/requests/${id}/appeal`, { statement: 'I asked only once.' }));
    const newDue = appealDeadline('CPA', new Date(filed.receivedAt), { extended: true }).dueOn;

    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    await page.goto(`${server.url}/console/requests/${id}`);
    const section = page.locator('section[aria-labelledby=h-appeal]');
    assert.match(await section.innerText(), /45 days, C\.R\.S\. 6-1-1306\(3\)/);
    const other = await context.newPage();
    await other.goto(page.url());

    await section.getByText('Extend the decision deadline…').click();
    await assertAccessible(page, 'appeal with the extension form open');
    await page.getByLabel('Why more time is needed, sent to the consumer').fill('Your appeal concerns 14 systems that we review one by one.');
    await page.getByRole('button', { name: 'Extend the decision deadline' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('Decision deadline extended.').waitFor());
    await eventually(async () => {
      await page.reload();
      return /105 days/.test(await section.innerText()) ? true : undefined;
    }, 15_000, 'the new date on the page');
    const text = await section.innerText();
    assert.ok(text.includes(`Decision due\n${shortDate(newDue, new Date())} (105 days`), `the new date ${newDue} in ${text}`);
    assert.match(text, /Extended\s+by .*first due .*Why more time\s+Your appeal concerns 14 systems/s);
    assert.equal(await section.getByText('Extend the decision deadline…').count(), 0, 'once: no form after the extension');
    await screenshots(context, `${server.url}/console/requests/${id}`, 'detail-appeal-extended');
    const notice = await suite.mail.waitFor((m) => m.to.includes(email) && /more time to decide your appeal/.test(m.subject));
    assert.match(notice.text, /14 systems/);

    // The other tab still shows the form: its submission is refused beside the form, nothing changes.
    await other.locator('section[aria-labelledby=h-appeal]').getByText('Extend the decision deadline…').click();
    await other.getByLabel('Why more time is needed, sent to the consumer').fill('Another reason.');
    await other.getByRole('button', { name: 'Extend the decision deadline' }).click();
    await assert.doesNotReject(other.getByRole('alert').getByText(/already extended/).first().waitFor());
    const extensions = await suite.pg.pool.anyFirst(sql.type(z.object({ action: z.string() }))`select action from dsrflow.audit_events where request_id = ${id} and action = 'appeal.extended'`);
    assert.equal(extensions.length, 1);

    // An auditor reads the appeal but gets no form; a POST with its own valid session and CSRF token is refused.
    const auditorToken = (await tokenHeaders(suite.pg.pool, 'auditor')).authorization.slice('Bearer '.length);
    const auditorContext = await newContext(chromium);
    const auditor = await auditorContext.newPage();
    await signIn(auditor, server.url, auditorToken);
    await auditor.goto(`${server.url}/console/requests/${id}`);
    assert.match(await auditor.locator('section[aria-labelledby=h-appeal]').innerText(), /105 days/);
    assert.equal(await auditor.locator('form[action$="/appeal/extend"]').count(), 0);
    const csrf = await auditor.locator('input[name=_csrf]').first().inputValue();
    const forged = await auditor.request.post(`${server.url}/console/requests/${id}/appeal/extend`, { form: { _csrf: csrf, idempotencyKey: crypto.randomUUID(), reason: 'forged' }, maxRedirects: 0 });
    assert.equal(forged.status(), 403);
    const noToken = await page.request.post(`${server.url}/console/requests/${id}/appeal/extend`, { form: { idempotencyKey: crypto.randomUUID(), reason: 'no token' }, maxRedirects: 0 });
    assert.equal(noToken.status(), 403);
    await auditorContext.close();
    await context.close();
  });
});
