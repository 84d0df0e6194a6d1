import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { sql } from 'slonik';
import { z } from 'zod';
import { instantIn } from '../../src/api/console/new-request.ts';
import { tokenHeaders } from '../support/app.ts';
import { assertAccessible, newContext, screenshots, signIn, startConsoleServer, type serveApp } from '../support/console.ts';
import type { postgres } from '../support/stack.ts';

// Staff-assisted intake: a request that came by phone is recorded with the instant it arrived, on the law's clock.
// Its workflow starts on a task queue no worker serves: only the recording is under test here.

describe('staff console: recording a request received by phone', () => {
  let pg: Awaited<ReturnType<typeof postgres>>;
  let chromium: Browser;
  let server: Awaited<ReturnType<typeof serveApp>>;
  before(async () => ({ pg, chromium, server } = await startConsoleServer({ taskQueue: 'console-intake-unserved' })));
  after(() => server.close());

  test('a future arrival is refused at the field; the real one is recorded in the law’s time zone, once', async () => {
    const token = (await tokenHeaders(pg.pool, 'dpo')).authorization.slice('Bearer '.length);
    const email = `phone-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    await page.getByRole('link', { name: 'Record a request' }).click();
    await page.getByLabel('What does the person ask for?').selectOption('erasure');
    await page.getByLabel('Which law applies?').selectOption('GDPR');
    await page.getByLabel('How did it reach you?').selectOption('phone');
    const brussels = (t: Date) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Brussels', dateStyle: 'short', timeStyle: 'short' }).format(t).replace(' ', 'T');
    await page.getByLabel('When did it arrive?').fill(brussels(new Date(Date.now() + 3 * 86_400_000)));
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Full name (optional)').fill('Zoë <b>Phone</b>');
    await page.getByRole('button', { name: 'Record the request' }).click();
    assert.match(await page.locator('.error-summary').innerText(), /When it arrived: must not be in the future/);
    assert.match(await page.locator('#n-receivedAt-error').innerText(), /must not be in the future/);
    assert.equal(await page.getByLabel('Email address').inputValue(), email, 'what was typed is kept');
    await assertAccessible(page, 'the intake form with an error');
    await page.screenshot({ path: new URL('new-request-error-desk.png', (await import('../support/console.ts')).SCREENSHOTS).pathname, fullPage: true });

    // Three days ago at a whole minute, typed as Brussels wall-clock time.
    const arrived = new Date(Math.floor((Date.now() - 3 * 86_400_000) / 60_000) * 60_000);
    await page.getByLabel('When did it arrive?').fill(brussels(arrived));
    const form = page.locator('form[action="/console/requests/new"]');
    // Every field as the browser will post it (no format is ticked: an erasure has no export).
    type Field = { name: string; value: string; type: string; checked: boolean };
    const fields = Object.fromEntries(
      await form.locator('[name]').evaluateAll((els) =>
        (els as unknown as Field[]).filter((e) => e.type !== 'checkbox' || e.checked).map((e) => [e.name, e.value]),
      ),
    );
    await page.getByRole('button', { name: 'Record the request' }).click();
    await page.waitForURL(/\/console\/requests\/[0-9a-f-]{36}\?done=created$/);
    assert.match(await page.getByRole('status').innerText(), /Request recorded/);
    assert.match(await page.locator('dd').first().innerText(), /by phone/);
    const rows = await pg.pool.any(sql.type(z.object({ id: z.uuid(), received_at: z.string(), channel: z.string(), created_by: z.string() }))`
      select r.id, r.received_at, r.channel, r.created_by from dsrflow.requests r join dsrflow.request_subjects s on s.request_id = r.id where s.email = ${email}`);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.received_at, arrived.toISOString(), 'the legal clock starts when it arrived');
    assert.equal(rows[0]!.channel, 'phone');
    await screenshots(context, page.url().replace(/\?.*$/, ''), 'detail-recorded');

    // The same form posted again (a second click, a refresh of the POST) answers with the same request.
    const again = await page.request.post(`${server.url}/console/requests/new`, {
      form: fields,
      maxRedirects: 0,
    });
    assert.equal(again.status(), 303);
    assert.equal(again.headers().location, `/console/requests/${rows[0]!.id}?done=created`);
    await context.close();
  });

  test('a rectification’s corrections open on their own page, and the reading is in the audit trail', async () => {
    const headers = await tokenHeaders(pg.pool, 'dpo');
    const tag = crypto.randomUUID().slice(0, 8);
    const email = `rectify-${tag}@example.com`;
    await pg.pool.query(sql.unsafe`
      insert into warehouse.users (customer_id, email, first_name, last_name, country, created_at) values (${`cus_rect_${tag}`}, ${email}, 'Ana', 'Garcia', 'ES', now())`);
    const res = await fetch(`${server.url}/v1/requests`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'rectify', regulation: 'GDPR', subject: { email }, corrections: [{ model: 'users', field: 'last_name', newValue: 'García López' }] }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const { id } = (await res.json()) as { id: string };
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, headers.authorization.slice('Bearer '.length));
    await page.goto(`${server.url}/console/requests/${id}`);
    assert.doesNotMatch(await page.locator('main').innerText(), /García López/, 'the values are not on the request page');
    await page.getByRole('link', { name: 'Show the corrections, with the values before and after' }).click();
    assert.match(await page.locator('td[data-label="Asked for"]').innerText(), /García López/);
    await assertAccessible(page, 'corrections');
    const readers = await pg.pool.anyFirst(sql.type(z.object({ actor: z.string() }))`
      select actor from dsrflow.audit_events where request_id = ${id} and action = 'rectification.viewed'`);
    assert.equal(readers.length, 1);
    assert.match(readers[0]!, /^test-dpo-/);
    await context.close();
  });

  test('delete customer: the erasure plan is shown first, then an erasure request opens on channel staff', async () => {
    const headers = await tokenHeaders(pg.pool, 'admin');
    const tag = crypto.randomUUID().slice(0, 8);
    const email = `erase-${tag}@example.com`;
    await pg.pool.query(sql.unsafe`
      insert into warehouse.users (customer_id, email, first_name, last_name, country, created_at) values (${`cus_erase_${tag}`}, ${email}, 'Eve', 'Erase', 'NL', now())`);
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, headers.authorization.slice('Bearer '.length));
    await page.goto(`${server.url}/console/customers?email=${encodeURIComponent(email)}`);
    await page.getByRole('button', { name: 'Delete customer…' }).click();
    const plan = page.locator('table tbody tr', { hasText: 'Profile' });
    assert.match(await plan.innerText(), /Profile\s+(Delete|Anonymize)\s+1\s+0/);
    const before = await pg.pool.oneFirst(sql.type(z.object({ n: z.coerce.number() }))`select count(*) as n from warehouse.users where email = ${email}`);
    assert.equal(before, 1, 'the preview erases nothing');
    await screenshots(context, page.url(), 'delete-customer');
    await page.getByLabel('Under which law did they ask?').selectOption('UK_GDPR');
    await page.getByRole('button', { name: 'Open the erasure request' }).click();
    await page.waitForURL(/\/console\/requests\/[0-9a-f-]{36}\?done=created$/);
    const id = /requests\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const row = await pg.pool.one(sql.type(z.object({ type: z.string(), channel: z.string(), regulation: z.string() }))`select type, channel, regulation from dsrflow.requests where id = ${id}`);
    assert.deepEqual(row, { type: 'erasure', channel: 'staff', regulation: 'UK_GDPR' });
    await context.close();
  });

  test('wall-clock times become instants in the regime’s zone, across summer time', () => {
    assert.equal(instantIn('2026-07-01T10:00', 'Europe/Brussels').toISOString(), '2026-07-01T08:00:00.000Z');
    assert.equal(instantIn('2026-12-01T10:00', 'Europe/Brussels').toISOString(), '2026-12-01T09:00:00.000Z');
    assert.equal(instantIn('2026-03-29T01:30', 'Europe/London').toISOString(), '2026-03-29T01:30:00.000Z');
    assert.equal(instantIn('2026-11-30T23:30', 'America/Los_Angeles').toISOString(), '2026-12-01T07:30:00.000Z');
  });
});
