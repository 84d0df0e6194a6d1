import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { ensureOrganization, generateToken, upsertToken } from '../../src/db/tokens.ts';

import { assertAccessible, newContext, screenshots, signIn, startConsoleServer, type serveApp } from '../support/console.ts';
import { recordRequest } from '../support/requests.ts';
import type { postgres } from '../support/stack.ts';

// The Rights Management list: due-date order across cursor pages, the overdue filter, finding by id, the CSV.

const DAY = 86_400_000;

describe('staff console: the rights requests list', () => {
  let pg: Awaited<ReturnType<typeof postgres>>;
  let chromium: Browser;
  let server: Awaited<ReturnType<typeof serveApp>>;
  before(async () => ({ pg, chromium, server } = await startConsoleServer()));
  after(() => server.close());

  test('52 requests of one organization: soonest due first over two pages, overdue ones counted as the law does, found by id, exported as CSV', async () => {
    const org = `list-${crypto.randomUUID().slice(0, 8)}`;
    await ensureOrganization(pg.pool, org);
    const now = Date.now();
    // Received 0..51 days ago (GDPR access, one month): those received more than a month ago are overdue.
    const recorded = [];
    for (let i = 0; i < 52; i++) recorded.push(await recordRequest(pg.pool, { organizationId: org, receivedAt: new Date(now - i * DAY - 3_600_000) }));
    const expected = [...recorded].sort((a, b) => a.row.due_at.localeCompare(b.row.due_at) || a.row.id.localeCompare(b.row.id)).map((r) => r.row.id.slice(0, 8));
    const overdue = recorded.filter((r) => new Date(r.row.due_at).getTime() < now);
    assert.ok(overdue.length > 10 && overdue.length < 52);

    const token = generateToken();
    await upsertToken(pg.pool, { name: `console-list-${org}`, role: 'admin', organizationId: null, token });
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    await page.getByLabel('Organization').selectOption(org);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const ids = () => page.locator('table.requests td[data-label=Request] a').allInnerTexts();
    const first = await ids();
    assert.equal(first.length, 50);
    await assertAccessible(page, 'the list, filtered');
    await page.getByRole('link', { name: 'Next 50 requests' }).click();
    const second = await ids();
    assert.deepEqual([...first, ...second], expected, 'soonest due first, every request once');
    assert.equal(await page.getByRole('link', { name: 'Next 50 requests' }).count(), 0);

    await page.getByRole('link', { name: 'First page' }).click();
    await page.getByLabel('Overdue only').check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const dues = await page.locator('table.requests td[data-label=Due]').allInnerTexts();
    assert.equal(dues.length, overdue.length);
    for (const due of dues) assert.match(due, /^due \d{1,2} [A-Z][a-z]{2}( \d{4})?, \d+ days? overdue$/);
    assert.equal(await page.locator('table.requests tr.overdue').count(), overdue.length);
    await screenshots(context, page.url(), 'list-overdue');

    const csv = await page.request.get(`${server.url}/console/requests.csv?organization=${org}`);
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()['content-disposition'] ?? '', /attachment; filename="requests-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = (await csv.text()).trim().split('\r\n');
    assert.equal(lines.length, 53);
    assert.match(lines[0]!, /^request_id,organization,subject_id,type,regulation/);
    assert.ok(!lines.some((l) => l.includes('@')), 'no email in the export');

    const target = recorded[7]!.row.id;
    await page.goto(`${server.url}/console`);
    await page.getByLabel('Request, subject id or email').fill(target.slice(0, 8).toUpperCase());
    await page.getByRole('button', { name: 'Apply filters' }).click();
    assert.deepEqual(await ids(), [target.slice(0, 8)]);
    await page.getByLabel('Request, subject id or email').fill(target);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(`${server.url}/console/requests/${target}`);
    const bad = await page.goto(`${server.url}/console?find=x&status=nope`);
    assert.equal(bad?.status(), 400);
    assert.match(await page.locator('main').innerText(), /status .*find \(a request id or at least its first 4 characters, a subject id \(did:dsrflow:\.\.\.\) or an email\)/s);
    await context.close();

    // The organization's controller sees the same requests counted on the overview.
    const controller = generateToken();
    await upsertToken(pg.pool, { name: `console-list-ctl-${org}`, role: 'controller', organizationId: org, token: controller });
    const own = await newContext(chromium);
    const view = await own.newPage();
    await signIn(view, server.url, controller);
    await view.getByRole('link', { name: 'Overview' }).click();
    const tiles = Object.fromEntries(
      await view.locator('.tile').evaluateAll((els) => els.map((e) => [(e as unknown as { querySelector: (s: string) => { textContent: string } }).querySelector('.tile-label').textContent, (e as unknown as { querySelector: (s: string) => { textContent: string } }).querySelector('.tile-value').textContent])),
    );
    const soon = recorded.filter((r) => new Date(r.row.due_at).getTime() >= now && new Date(r.row.due_at).getTime() < now + 7 * DAY).length;
    assert.deepEqual(tiles, { 'open requests': '52', overdue: String(overdue.length), 'due within 7 days': String(soon), 'answered on time': '-' });
    assert.match(await view.locator('#open-status-d').textContent() ?? '', /Received: 52/);
    await screenshots(own, view.url(), 'overview');
    await own.close();
  });
});
