import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { sql } from 'slonik';
import { z } from 'zod';
import { testApp, tokenHeaders } from '../support/app.ts';
import { assertAccessible, newContext, serveApp } from '../support/console.ts';
import { historyText } from '../support/history.ts';
import { eventually } from '../support/requests.ts';
import { browser } from '../support/stack.ts';
import { useDevServerWorker, type DevServerSuite } from '../support/workflow-harness.ts';
import { PRIVACY_SHOTS } from './support.ts';

// A person in Germany uses the Privacy Center from start to finish, in German, against the real stack: the form,
// the German emails at the SMTP peer, the confirmation link, staff approval through the API, the status page and
// its download; and a withdrawal from the status page. Then the workflow histories are scanned for their data.

const TASK_QUEUE = 'privacy-journey';
const shot = (page: Page, name: string) => page.screenshot({ path: new URL(`${name}.png`, PRIVACY_SHOTS).pathname, fullPage: true });
/** The path of the first link to `prefix` in an email (the worker writes links to its PUBLIC_URL). */
const linkIn = (text: string, prefix: string) => new URL(new RegExp(`http://\\S+${prefix}\\S+`).exec(text)![0]).pathname;

describe('Privacy Center: a German access request end to end, and a withdrawal', () => {
  const suite: DevServerSuite = useDevServerWorker(TASK_QUEUE);
  let chromium: Browser;
  let server: Awaited<ReturnType<typeof serveApp>>;
  before(async () => {
    chromium = await browser();
    server = await serveApp(testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: TASK_QUEUE, privacyCenter: { challenge: { bits: 10 } } }));
  });
  after(() => server.close());

  test('filed in German, confirmed by the German email, approved by staff, downloaded from the status page; no personal data in the history', async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const email = `anna.schmidt-${tag}@example.de`;
    await suite.pg.pool.query(sql.unsafe`
      insert into warehouse.users (customer_id, email, first_name, last_name, country, created_at) values (${`cus_pc_${tag}`}, ${email}, 'Anna', 'Schmidt', 'DE', now())`);
    const context = await newContext(chromium);
    await context.setExtraHTTPHeaders({ 'accept-language': 'de-DE,de;q=0.9' });
    const page = await context.newPage();
    await page.goto(`${server.url}/privacy/default`);
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    await page.getByLabel('In welchem Land wohnen Sie?').selectOption('DE');
    await page.getByRole('button', { name: 'Weiter' }).click();
    assert.match(await page.locator('legend').innerText(), /EU General Data Protection Regulation/);
    await page.getByLabel('Ihre Daten einsehen').check();
    await page.getByRole('button', { name: 'Weiter' }).click();
    await page.getByLabel('Wie lautet Ihre E-Mail-Adresse?').fill(email);
    await page.getByLabel('Ihr vollständiger Name (freiwillig)').fill('Anna Schmidt');
    await page.getByText('Das Formular kann gesendet werden.').waitFor();
    await shot(page, 'form-details-de');
    await page.getByRole('button', { name: 'Antrag senden' }).click();
    await page.getByRole('heading', { name: 'Antrag gesendet' }).waitFor();
    const requestId = (await page.locator('.reference').innerText()).trim();
    assert.match(await page.locator('main').innerText(), /Wir müssen spätestens bis zum \d{1,2}\. \p{L}+ \d{4} antworten\./u);
    await assertAccessible(page, 'the German confirmation');
    await shot(page, 'confirmation-de');

    const confirm = await suite.mail.waitFor((m) => m.to.includes(email) && m.subject.includes(requestId) && /bestätigen/.test(m.subject), 20_000);
    assert.match(confirm.subject, /^Bitte bestätigen Sie Ihren Antrag auf Auskunft/);
    assert.match(confirm.text, /öffnen Sie bitte bis zum \d{1,2}\. \p{L}+ \d{4} diesen Link/u);
    await page.goto(`${server.url}${linkIn(confirm.text, '/verify/')}`);
    await assertAccessible(page, 'the German confirmation link page');
    await page.getByRole('button', { name: 'Ja, das war ich' }).click();
    await page.getByRole('heading', { name: 'Vielen Dank' }).waitFor();

    const staff = await tokenHeaders(suite.pg.pool, 'dpo');
    const detail = async () => (await (await fetch(`${server.url}/v1/requests/${requestId}`, { headers: staff })).json()) as { status: string; channel: string };
    await eventually(async () => ((await detail()).status === 'in_assessment' ? true : undefined), 20_000, 'in assessment');
    assert.equal((await detail()).channel, 'portal');
    const approved = await fetch(`${server.url}/v1/requests/${requestId}/assessment`, { method: 'POST', headers: staff, body: JSON.stringify({ decision: 'approve' }) });
    assert.equal(approved.status, 200);

    const delivered = await suite.mail.waitFor((m) => m.to.includes(email) && /Ihr Datenexport/.test(m.subject), 30_000);
    assert.match(delivered.text, /Die Links funktionieren bis zum/);
    await page.goto(`${server.url}${linkIn(delivered.text, '/privacy/status/')}`);
    assert.equal(await page.getAttribute('html', 'lang'), 'de', 'the status page speaks the language stored with the request');
    await page.getByRole('heading', { name: 'Ihre Dateien' }).waitFor();
    await assertAccessible(page, 'the German status page with files');
    await shot(page, 'status-download-de');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Ihre Daten herunterladen (JSON)' }).click()]);
    const file = JSON.parse(readFileSync(await download.path(), 'utf8')) as unknown;
    assert.ok(JSON.stringify(file).includes(email), 'the file holds the person’s own data');
    const res = await page.request.get(page.url());
    assert.equal(res.headers()['cache-control'], 'no-store');
    const audit = await suite.pg.pool.anyFirst(sql.type(z.object({ actor: z.string() }))`
      select actor from dsrflow.audit_events where request_id = ${requestId} and action = 'export.downloaded'`);
    assert.deepEqual(audit, ['subject']);

    const workflowId = (await (await fetch(`${server.url}/v1/requests/${requestId}`, { headers: staff })).json() as { workflowId: string }).workflowId;
    const history = historyText(await suite.env.client.workflow.getHandle(workflowId).fetchHistory());
    for (const identifier of [email, 'Anna', 'Schmidt', `cus_pc_${tag}`, 'example.de']) assert.ok(!history.includes(identifier), `history contains ${identifier}`);
    await context.close();
  });

  test('withdrawn from the status page: the workflow is cancelled by the subject; re-send is offered while waiting', async () => {
    const email = `withdraw-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const context = await newContext(chromium);
    const page = await context.newPage();
    await page.goto(`${server.url}/privacy/default?lang=en&country=US&region=US-CA&type=erasure`);
    await page.getByLabel('What is your email address?').fill(email);
    await page.getByText('The form is ready to send.').waitFor();
    await page.getByRole('button', { name: 'Send my request' }).click();
    const requestId = (await page.locator('.reference').innerText()).trim();
    const confirm = await suite.mail.waitFor((m) => m.to.includes(email) && /confirm/.test(m.subject), 20_000);
    await page.goto(`${server.url}${linkIn(confirm.text, '/privacy/status/')}`);
    assert.match(await page.locator('.status-word').innerText(), /Waiting for you to confirm/);
    await page.getByRole('button', { name: 'Send the confirmation link again' }).click();
    assert.match(await page.getByRole('status').innerText(), /We have sent a new confirmation link/);
    const again = await suite.mail.waitFor((m) => m.to.includes(email) && /confirm/.test(m.subject) && m.id !== confirm.id, 20_000);
    assert.notEqual(linkIn(again.text, '/verify/'), linkIn(confirm.text, '/verify/'), 'a new link');
    await shot(page, 'status-waiting-en');
    const unticked = await page.request.post(`${page.url().split('?')[0]}/withdraw`, { form: {}, maxRedirects: 0 });
    assert.equal(unticked.status(), 303);
    assert.match(unticked.headers().location ?? '', /refused=unconfirmed/, 'without the box ticked nothing is withdrawn');
    await page.getByLabel('Yes, I want to withdraw this request').check();
    await page.getByRole('button', { name: 'Withdraw my request' }).click();
    assert.match(await page.getByRole('status').innerText(), /Your request is withdrawn/);
    assert.match(await page.locator('.status-word').innerText(), /Withdrawn or closed/);
    assert.equal(await page.getByRole('button', { name: 'Withdraw my request' }).count(), 0);
    const row = await suite.pg.pool.one(sql.type(z.object({ workflow_id: z.string(), status: z.string() }))`select workflow_id, status from dsrflow.requests where id = ${requestId}`);
    assert.deepEqual(await suite.env.client.workflow.getHandle(row.workflow_id).result(), { requestId, status: 'cancelled' });
    const cancelled = await suite.pg.pool.one(sql.type(z.object({ actor: z.string(), reason: z.string().nullable() }))`
      select actor, reason from dsrflow.audit_events where request_id = ${requestId} and to_status = 'cancelled'`);
    assert.equal(cancelled.actor, 'subject');
    const resent = await suite.pg.pool.oneFirst(sql.type(z.object({ actor: z.string() }))`
      select actor from dsrflow.audit_events where request_id = ${requestId} and action = 'verification.link_resent'`);
    assert.equal(resent, 'subject');
    await context.close();
  });
});
