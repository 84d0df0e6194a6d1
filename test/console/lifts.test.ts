import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { sql } from 'slonik';
import { z } from 'zod';
import { json, testWorkflowSettings, tokenHeaders } from '../support/app.ts';
import { assertAccessible, newContext, screenshots, signIn, startConsoleWithWorker, type serveApp } from '../support/console.ts';
import { eventually } from '../support/requests.ts';
import { useDevServerWorker, type DevServerSuite } from '../support/workflow-harness.ts';

// Lifting what a request left in force, from its page: a suppression (opt-out withdrawn), a legal hold (claim settled).
const TASK_QUEUE = 'console-lifts';

describe('staff console: lifting suppressions and legal holds', () => {
  const suite: DevServerSuite = useDevServerWorker(TASK_QUEUE, () => ({ starter: { client: suite.env.client, settings: testWorkflowSettings(TASK_QUEUE) } }));
  let chromium: Browser;
  let server: Awaited<ReturnType<typeof serveApp>>;
  let token: string;
  before(async () => ({ chromium, server, token } = await startConsoleWithWorker(suite.pg, suite.env.client, TASK_QUEUE)));
  after(() => server.close());

  async function open(body: Record<string, unknown>) {
    const res = await fetch(`${server.url}/v1/requests`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 201);
    return (await json(res)).id as string;
  }
  const statusOf = (id: string) => suite.pg.pool.oneFirst(sql.type(z.object({ status: z.string() }))`select status from dsrflow.requests where id = ${id}`);
  const reloadUntil = (page: Page, text: RegExp, what: string) =>
    eventually(async () => {
      await page.reload();
      return text.test(await page.locator('main').innerText()) ? true : undefined;
    }, 20_000, what);

  test('an opt-out of sale leaves a suppression in force; staff lift it with the reason, once', async () => {
    const id = await open({ type: 'noSale', regulation: 'CCPA', subject: { email: `optout-${crypto.randomUUID().slice(0, 8)}@example.com` } });
    await eventually(async () => ((await statusOf(id)) === 'completed' ? true : undefined), 20_000, 'the opt-out to complete');
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    await page.goto(`${server.url}/console/requests/${id}`);
    const section = page.locator('section[aria-labelledby=h-suppressions]');
    assert.match(await section.innerText(), /Sale sharing \(Opt out of sale\)/);
    await section.locator('summary', { hasText: 'Lift…' }).click();
    await assertAccessible(page, 'a suppression with its lift form open');
    const form = section.locator('form');
    const fields = { _csrf: await form.locator('input[name=_csrf]').inputValue(), idempotencyKey: await form.locator('input[name=idempotencyKey]').inputValue() };
    await page.getByLabel('Why does this suppression end?').fill('The consumer opted back in by email on 2026-11-20.');
    await page.getByRole('button', { name: 'Lift', exact: true }).click();
    assert.match(await page.getByRole('status').innerText(), /Lift recorded/);
    await reloadUntil(page, /Lifted .* The consumer opted back in by email on 2026-11-20\./s, 'the lift to be applied');
    // The same form again (a refresh of the POST) replays the first outcome rather than a 409.
    const replay = await page.request.post(`${server.url}/console/requests/${id}/suppressions/${await suppressionId(id)}/lift`, { form: { ...fields, reason: 'twice' }, maxRedirects: 0 });
    assert.equal(replay.status(), 303);
    await context.close();
  });

  test('an erasure approved with a legal exception keeps a hold; once ended, staff lift it with the reason, in the audit trail', async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const email = `hold-${tag}@example.com`;
    await suite.pg.pool.query(sql.unsafe`
      insert into warehouse.users (customer_id, email, first_name, last_name, country, created_at) values (${`cus_hold_${tag}`}, ${email}, 'Hal', 'Hold', 'DE', now())`);
    const id = await open({ type: 'erasure', regulation: 'GDPR', subject: { email } });
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    await page.goto(`${server.url}/console/requests/${id}`);
    await page.getByLabel('Yes, verified').check();
    await page.getByLabel('How was it checked?').selectOption('document_check');
    await page.getByRole('button', { name: 'Verify identity' }).click();
    await page.getByLabel('Approve', { exact: true }).check();
    await page.getByLabel('Legal claims').check();
    await page.getByRole('button', { name: 'Approve or reject' }).click();
    await reloadUntil(page, /Legal holds\s+Legal claims\s+Keeping data/, 'the hold to be placed and the request to end');
    await eventually(async () => ((await statusOf(id)) === 'completed' ? true : undefined), 20_000, 'the erasure to complete');
    await page.reload();
    await page.locator('section[aria-labelledby=h-holds] summary', { hasText: 'Lift…' }).click();
    await page.getByLabel('Why does this hold end?').fill('The claim was settled on 2026-11-02.');
    await page.getByRole('button', { name: 'Lift', exact: true }).click();
    assert.match(await page.getByRole('status').innerText(), /Lift recorded/);
    assert.match(await page.locator('section[aria-labelledby=h-holds]').innerText(), /Legal claims\s+Lifted .* The claim was settled on 2026-11-02\./s);
    const lifted = await suite.pg.pool.anyFirst(sql.type(z.object({ actor: z.string() }))`
      select actor from dsrflow.audit_events where request_id = ${id} and action = 'legal_hold.lifted'`);
    assert.deepEqual(lifted.length, 1);
    assert.match(lifted[0]!, /^test-dpo-/);
    await context.close();
  });

  test('the notification badge counts an overdue request received long ago; marking one read counts one less, all read clears it', async () => {
    const context = await newContext(chromium);
    const page = await context.newPage();
    const dpo = (await tokenHeaders(suite.pg.pool, 'dpo')).authorization.slice('Bearer '.length);
    await signIn(page, server.url, dpo);
    assert.equal(await page.locator('.bell .count').count(), 0, 'a new staff member starts with nothing unread');
    const receivedAt = new Date(Date.now() - 60 * 86_400_000).toISOString();
    const id = await open({ type: 'access', regulation: 'GDPR', subject: { email: `late-${crypto.randomUUID().slice(0, 8)}@example.com` }, receivedAt });
    await eventually(async () => {
      await page.goto(`${server.url}/console/notifications`);
      const row = page.locator('table.notifications tr', { has: page.getByRole('link', { name: id.slice(0, 8) }) }).filter({ hasText: 'Overdue' });
      return (await row.count()) === 1 ? true : undefined;
    }, 20_000, 'the overdue notification');
    assert.match(await page.locator('.bell').innerText(), /Notifications \d+/);
    // Its reminders came due long ago too; each says when it was meant for.
    assert.match(await page.locator('table.notifications').innerText(), /Due soon \(7 days before\)/);
    assert.ok(Number((await page.locator('.bell .count').innerText()).replace(/\D/g, '')) >= 2, 'new request and overdue');
    await assertAccessible(page, 'notifications');
    await page.screenshot({ path: new URL('notifications-desk.png', (await import('../support/console.ts')).SCREENSHOTS).pathname });
    // One read on its own: the badge counts one less, the row says Read; then all.
    const unread = Number((await page.locator('.bell .count').innerText()).replace(/\D/g, ''));
    const overdue = page.locator('tr.unread', { has: page.getByRole('link', { name: id.slice(0, 8) }) }).filter({ hasText: 'Overdue' });
    await overdue.getByRole('button', { name: /^Mark read: Overdue/ }).click();
    assert.equal(Number((await page.locator('.bell .count').innerText()).replace(/\D/g, '')), unread - 1);
    const read = page.locator('table.notifications tr', { has: page.getByRole('link', { name: id.slice(0, 8) }) }).filter({ hasText: 'Overdue' });
    assert.match(await read.locator('td[data-label=Read]').innerText(), /^Read$/);
    assert.equal((await page.request.post(`${server.url}/console/notifications/999999999/read`, { form: { _csrf: await page.locator('input[name=_csrf]').first().inputValue() }, maxRedirects: 0 })).status(), 404);
    await page.getByRole('button', { name: 'Mark all as read' }).click();
    assert.equal(await page.locator('.bell .count').count(), 0);
    assert.equal(await page.locator('tr.unread').count(), 0);
    await context.close();
  });

  const suppressionId = (requestId: string) =>
    suite.pg.pool.oneFirst(sql.type(z.object({ suppression_id: z.string() }))`select suppression_id::text from dsrflow.suppression_lifts where request_id = ${requestId}`);

  test('the customer profile shows the subject’s requests and suppressions, whichever identifier each request gave', async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const email = `profile-${tag}@example.com`;
    const phone = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    await suite.pg.pool.query(sql.unsafe`
      insert into warehouse.users (customer_id, email, first_name, last_name, country, phone, created_at)
      values (${`cus_profile_${tag}`}, ${email}, 'Pat', 'Profile', 'US', ${phone}, now())`);
    // One by the email written differently, one by phone with another address: both the same person.
    const optOut = await open({ type: 'noSale', regulation: 'CCPA', subject: { email: email.toUpperCase() } });
    const byPhone = await open({ type: 'access', regulation: 'GDPR', subject: { email: `elsewhere-${tag}@example.net`, phone } });
    await eventually(async () => ((await statusOf(optOut)) === 'completed' ? true : undefined), 20_000, 'the opt-out to complete');
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    await page.goto(`${server.url}/console/customers?email=${encodeURIComponent(email)}`);
    const theirs = await page.locator('section[aria-labelledby=h-their]').innerText();
    assert.match(theirs, new RegExp(`${optOut.slice(0, 8)}\\s+Completed`));
    assert.match(theirs, new RegExp(`${byPhone.slice(0, 8)}\\s+`));
    assert.match(theirs, /Subject did:dsrflow:[0-9a-f]{32}/);
    assert.match(await page.locator('section[aria-labelledby=h-suppressions]').innerText(), new RegExp(`Sale sharing \\(Opt out of sale\\) since .* by request ${optOut.slice(0, 8)}`));
    await screenshots(context, page.url(), 'customer-subject');
    await context.close();
  });
});
