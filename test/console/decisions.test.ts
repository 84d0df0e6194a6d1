import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { sql } from 'slonik';
import { z } from 'zod';
import { json, testWorkflowSettings, tokenHeaders } from '../support/app.ts';
import { assertAccessible, newContext, screenshots, signIn, startConsoleWithWorker, type serveApp } from '../support/console.ts';
import { eventually } from '../support/requests.ts';
import { useDevServerWorker, type DevServerSuite } from '../support/workflow-harness.ts';

// Staff decisions taken in the browser, on the Temporal dev server with a worker: the same Updates as the API.
const TASK_QUEUE = 'console-decisions';

describe('staff console: deciding requests in the browser', () => {
  const suite: DevServerSuite = useDevServerWorker(TASK_QUEUE, () => ({ starter: { client: suite.env.client, settings: testWorkflowSettings(TASK_QUEUE) } }));
  let chromium: Browser;
  let server: Awaited<ReturnType<typeof serveApp>>;
  let token: string;
  before(async () => ({ chromium, server, token } = await startConsoleWithWorker(suite.pg, suite.env.client, TASK_QUEUE)));
  after(() => server.close());

  /** A request opened through the API (its workflow starts), for a customer the warehouse holds. */
  async function openRequest(regulation = 'GDPR') {
    const tag = crypto.randomUUID().slice(0, 8);
    const email = `console-${tag}@example.com`;
    await suite.pg.pool.query(sql.unsafe`
      insert into warehouse.users (customer_id, email, first_name, last_name, country, created_at)
      values (${`cus_console_${tag}`}, ${email}, 'Ada', 'Console', 'DE', now())`);
    const res = await fetch(`${server.url}/v1/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'access', regulation, subject: { email, fullName: `Ada Console ${tag}` } }),
    });
    assert.equal(res.status, 201);
    return (await json(res)).id as string;
  }

  const statusWord = (page: Page) => page.locator('h1 .badge').innerText();
  const actions = async (id: string) =>
    suite.pg.pool.anyFirst(sql.type(z.object({ action: z.string() }))`select action from dsrflow.audit_events where request_id = ${id} order by id`);

  test('find an access request, verify and approve it, and see it complete with its files', async () => {
    const id = await openRequest();
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    await page.getByLabel('Type').selectOption('access');
    await page.getByLabel('Regulation').selectOption('GDPR');
    // Newest first, as staff look for a request that just came in: the run's database holds many GDPR access requests
    // due the same day, and soonest-due order puts this one at a place its random id decides, maybe past the first page.
    await page.getByLabel('Order').selectOption('received');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    // The subject column is the pseudonymous id, never the email; the email finds the request by its keyed hash.
    const row = page.locator('table.requests tr', { has: page.getByRole('link', { name: id.slice(0, 8) }) });
    assert.match(await row.locator('td[data-label=Subject]').innerText(), /^did:dsrflow:[0-9a-f]{32}$/);
    assert.doesNotMatch(await page.locator('table.requests').innerText(), /@/);
    const email = await suite.pg.pool.oneFirst(sql.type(z.object({ email: z.string() }))`select email from dsrflow.request_subjects where request_id = ${id}`);
    await page.getByLabel('Request, subject id or email').fill(email.toUpperCase());
    await page.getByRole('button', { name: 'Apply filters' }).click();
    assert.deepEqual(await page.locator('table.requests td[data-label=Request] a').allInnerTexts(), [id.slice(0, 8)]);
    await page.getByRole('link', { name: id.slice(0, 8) }).click();
    await page.waitForURL(`${server.url}/console/requests/${id}`);
    await assertAccessible(page, 'request awaiting identity');

    await page.getByLabel('Yes, verified').check();
    await page.getByLabel('How was it checked?').selectOption('document_check');
    await page.getByRole('button', { name: 'Verify identity' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('Identity decision recorded.').waitFor());
    await page.getByLabel('Approve', { exact: true }).check();
    await page.getByLabel('Note to keep with the decision').fill('Checked against the passport copy.');
    await page.getByRole('button', { name: 'Approve or reject' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('Assessment recorded.').waitFor());

    await eventually(async () => {
      await page.reload();
      return (await statusWord(page)) === 'Completed' ? true : undefined;
    }, 20_000, 'the request to complete');
    const files = page.locator('section[aria-labelledby=h-exports] tbody tr');
    assert.deepEqual((await files.locator('td[data-label=Format]').allInnerTexts()).sort(), ['CSV', 'JSON']);
    for (const hash of await files.locator('td[data-label="SHA-256"]').allInnerTexts()) assert.match(hash, /^[0-9a-f]{64}$/);
    assert.deepEqual(await files.locator('td[data-label=Downloads]').allInnerTexts(), ['0', '0']);
    // The subject downloads the CSV from the emailed link: the page counts it.
    const mail = await suite.mail.waitFor((m) => m.to.includes(email) && /\/downloads\//.test(m.text));
    const csvLink = /CSV: \S+(\/downloads\/\S+)/.exec(mail.text)![1]!;
    assert.equal((await fetch(`${server.url}${csvLink}`)).status, 200);
    await page.reload();
    assert.match(await files.filter({ hasText: 'CSV' }).locator('td[data-label=Downloads]').innerText(), /^1 \(last \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\)$/);
    const timeline = await page.locator('.timeline').innerText();
    assert.match(timeline, /Identity verified by document check\./);
    assert.match(timeline, /Approved\./);
    assert.match(await page.locator('.notes').innerText(), /Checked against the passport copy\./);
    assert.equal(await page.locator('.actions form').count(), 0, 'nothing more to do');
    await screenshots(context, `${server.url}/console/requests/${id}`, 'detail-completed');
    // The overview with answered requests in it: its charts pass the same checks.
    await page.goto(`${server.url}/console/overview`);
    assert.match(await page.locator('#on-time-d').textContent() ?? '', /GDPR: \d+% \(\d+ of \d+\)/);
    await screenshots(context, `${server.url}/console/overview`, 'overview-all');
    await context.close();
  });

  test('customer profile: found by email with their rows; "Export customer data" with DOCX and XML gives those files', async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const email = `profile-${tag}@example.com`;
    await suite.pg.pool.query(sql.unsafe`
      insert into warehouse.users (customer_id, email, first_name, last_name, country, created_at)
      values (${`cus_profile_${tag}`}, ${email}, 'Ada', 'Profile', 'FR', now())`);
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    await page.getByRole('link', { name: 'Customers' }).click();
    await page.getByLabel('Email').fill(email.toUpperCase());
    await page.getByRole('button', { name: 'Find' }).click();
    const fields = await page.locator('section[aria-labelledby=h-fields]').innerText();
    assert.match(fields, new RegExp(`customer_id\\s+cus_profile_${tag}`));
    assert.match(fields, /last_name\s+Profile/);
    assert.match(await page.locator('section[aria-labelledby=h-rows]').innerText(), /Orders\s+0/);
    const reads = await suite.pg.pool.any(sql.type(z.object({ actor: z.string(), details: z.record(z.string(), z.unknown()) }))`
      select actor, details from dsrflow.audit_events where action = 'customer.viewed' order by id desc limit 1`);
    assert.match(reads[0]!.actor, /^test-dpo-/, 'the profile read is in the audit trail, with the reader');
    assert.deepEqual(reads[0]!.details, { matchedBy: ['email'] });
    await screenshots(context, page.url(), 'customer');
    await page.getByLabel('CSV').uncheck();
    await page.getByLabel('JSON').uncheck();
    await page.getByLabel('DOCX').check();
    await page.getByLabel('XML').check();
    await page.getByRole('button', { name: 'Export customer data' }).click();
    await page.waitForURL(/\/console\/requests\/[0-9a-f-]{36}\?done=created$/);
    const id = /requests\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    assert.equal(await suite.pg.pool.oneFirst(sql.type(z.object({ channel: z.string() }))`select channel from dsrflow.requests where id = ${id}`), 'staff');
    await page.getByLabel('Yes, verified').check();
    await page.getByLabel('How was it checked?').selectOption('account_authentication');
    await page.getByRole('button', { name: 'Verify identity' }).click();
    await page.getByLabel('Approve', { exact: true }).check();
    await page.getByRole('button', { name: 'Approve or reject' }).click();
    await eventually(async () => {
      await page.reload();
      return (await statusWord(page)) === 'Completed' ? true : undefined;
    }, 20_000, 'the request to complete');
    const formats = await page.locator('section[aria-labelledby=h-exports] td[data-label=Format]').allInnerTexts();
    assert.deepEqual(formats.sort(), ['DOCX', 'XML']);
    // The profile now lists the request.
    await page.goto(`${server.url}/console/customers?email=${encodeURIComponent(email)}`);
    assert.match(await page.locator('section[aria-labelledby=h-their]').innerText(), new RegExp(`${id.slice(0, 8)}\\s+Completed`));
    await context.close();
  });

  test('reject: without a reason the workflow refuses inline; with one the request is rejected', async () => {
    const id = await openRequest();
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    await page.goto(`${server.url}/console/requests/${id}`);
    await page.getByLabel('Yes, verified').check();
    await page.getByLabel('How was it checked?').selectOption('account_authentication');
    await page.getByRole('button', { name: 'Verify identity' }).click();
    await page.getByLabel('Reject', { exact: true }).check();
    await page.getByRole('button', { name: 'Approve or reject' }).click();
    const refusal = page.locator('#assess-error');
    assert.match(await refusal.innerText(), /A rejection needs a reason/);
    assert.equal(await page.getByLabel('Reject', { exact: true }).isChecked(), true, 'the choice is kept');
    await assertAccessible(page, 'a refused assessment');
    await page.screenshot({ path: new URL('detail-refused-desk.png', (await import('../support/console.ts')).SCREENSHOTS).pathname, fullPage: true });

    await page.getByLabel('If rejecting, why?').selectOption('excessive');
    await page.getByLabel('Note to keep with the decision').fill('Third identical request this month.');
    await page.getByRole('button', { name: 'Approve or reject' }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('Assessment recorded.').waitFor());
    await eventually(async () => ((await actions(id)).includes('request.rejected') ? true : undefined), 15_000, 'rejected');
    await page.reload();
    assert.equal(await statusWord(page), 'Rejected');
    assert.match(await page.locator('.timeline').innerText(), /Rejected: excessive/);
    await context.close();
  });

  test('extend with a reason: the due date moves and the list flags it', async () => {
    const id = await openRequest();
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    await page.goto(`${server.url}/console/requests/${id}`);
    const before = await page.locator('dd').filter({ hasText: /^due / }).innerText();
    await page.locator('summary', { hasText: 'Extend the deadline' }).click();
    await page.getByLabel('Why is more time needed?').selectOption('complexity');
    await page.getByRole('button', { name: 'Extend', exact: true }).click();
    await assert.doesNotReject(page.getByRole('status').getByText('Deadline extended.').waitFor());
    await eventually(async () => {
      await page.reload();
      return (await page.locator('dt', { hasText: 'Original due date' }).count()) > 0 ? true : undefined;
    }, 15_000, 'the extension to be projected');
    const afterwards = await page.locator('dd').filter({ hasText: /^due / }).innerText();
    assert.notEqual(afterwards, before);
    assert.equal(await page.locator('summary', { hasText: 'Extend the deadline' }).count(), 0, 'GDPR allows one extension');
    await page.goto(`${server.url}/console?sort=received`);
    const row = page.locator('table.requests tr', { has: page.getByRole('link', { name: id.slice(0, 8) }) });
    assert.match(await row.locator('td[data-label=Flags]').innerText(), /Extended/);
    await context.close();
  });

  test('a form submitted twice (double click, refresh) acts once and answers the same', async () => {
    const id = await openRequest();
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    await page.goto(`${server.url}/console/requests/${id}`);
    const form = page.locator(`form[action="/console/requests/${id}/verify"]`);
    const fields = {
      _csrf: await form.locator('input[name=_csrf]').inputValue(),
      idempotencyKey: await form.locator('input[name=idempotencyKey]').inputValue(),
      outcome: 'verified',
      method: 'document_check',
    };
    const post = () => page.request.post(`${server.url}/console/requests/${id}/verify`, { form: fields, maxRedirects: 0 });
    const [first, second] = await Promise.all([post(), post()]);
    const third = await post();
    for (const res of [first, second, third]) {
      assert.equal(res.status(), 303);
      assert.equal(res.headers().location, `/console/requests/${id}?done=verify`);
    }
    await eventually(async () => ((await actions(id)).includes('request.in_assessment') ? true : undefined), 15_000, 'in assessment');
    assert.equal((await actions(id)).filter((a) => a === 'request.verified').length, 1, 'verified once');
    await context.close();
  });

  test('a duplicate: staff see the request it repeats and merge it, or keep another; an auditor sees no form and is refused', async () => {
    const email = `twice-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const open = async () => {
      const res = await fetch(`${server.url}/v1/requests`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email } }) });
      assert.equal(res.status, 201);
      return (await json(res)) as { id: string; duplicateOf: string | null };
    };
    const first = await open();
    const second = await open();
    assert.equal(second.duplicateOf, first.id);
    const auditor = (await tokenHeaders(suite.pg.pool, 'auditor')).authorization.slice('Bearer '.length);
    const watching = await newContext(chromium);
    const view = await watching.newPage();
    await signIn(view, server.url, auditor);
    await view.goto(`${server.url}/console/requests/${second.id}`);
    assert.match(await view.locator('.actions').innerText(), new RegExp(`Possible duplicate\\s+The same subject asked for the same thing in request ${first.id.slice(0, 8)}.*Not decided`, 's'));
    assert.equal(await view.locator(`form[action$="/duplicate"]`).count(), 0, 'no decision form for an auditor');
    const forged = await view.request.post(`${server.url}/console/requests/${second.id}/duplicate`, {
      form: { _csrf: await view.locator('input[name=_csrf]').first().inputValue(), idempotencyKey: crypto.randomUUID(), decision: 'merge' },
      maxRedirects: 0,
    });
    assert.equal(forged.status(), 403);
    await watching.close();

    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    await page.goto(`${server.url}/console/requests/${second.id}`);
    const section = page.locator('section[aria-labelledby=dup-title]');
    assert.equal(await section.getByRole('link', { name: first.id.slice(0, 8) }).getAttribute('href'), `/console/requests/${first.id}`);
    await assertAccessible(page, 'a duplicate with its decision form');
    await page.screenshot({ path: new URL('duplicate-desk.png', (await import('../support/console.ts')).SCREENSHOTS).pathname, fullPage: true });
    const fields = { _csrf: await section.locator('input[name=_csrf]').inputValue(), idempotencyKey: await section.locator('input[name=idempotencyKey]').inputValue(), decision: 'merge' };
    await page.getByLabel(/^Merge: close this request/).check();
    await page.getByRole('button', { name: 'Record decision' }).click();
    assert.match(await page.getByRole('status').innerText(), /Merged: this request is closed as a duplicate/);
    assert.match(await section.innerText(), /Merged into it by test-dpo-/);
    // The workflow closes it as cancelled (its projection follows the Update).
    await eventually(async () => {
      await page.reload();
      return (await statusWord(page)) === 'Cancelled' ? true : undefined;
    }, 15_000, 'the duplicate to be cancelled');
    // The same form again (a refresh of the POST) answers as the first did, and nothing is recorded twice.
    const replay = await page.request.post(`${server.url}/console/requests/${second.id}/duplicate`, { form: fields, maxRedirects: 0 });
    assert.equal(replay.status(), 303);
    assert.equal(replay.headers().location, `/console/requests/${second.id}?done=duplicate-merged`);
    assert.deepEqual((await actions(second.id)).filter((a) => a.startsWith('duplicate.')), ['duplicate.merged']);

    // A third request repeats the first again; kept, both go on.
    const third = await open();
    assert.equal(third.duplicateOf, first.id);
    await page.goto(`${server.url}/console/requests/${third.id}`);
    await page.getByLabel('Keep: both requests go on').check();
    await page.getByRole('button', { name: 'Record decision' }).click();
    assert.match(await page.getByRole('status').innerText(), /Kept: both requests go on/);
    assert.notEqual(await statusWord(page), 'Cancelled');
    assert.deepEqual((await actions(third.id)).filter((a) => a.startsWith('duplicate.')), ['duplicate.kept']);
    await context.close();
  });
});
