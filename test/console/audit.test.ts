import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { generateToken, upsertToken, type Role } from '../../src/db/tokens.ts';

import { newContext, screenshots, signIn, startConsoleServer, type serveApp } from '../support/console.ts';
import { recordRequest } from '../support/requests.ts';
import type { postgres } from '../support/stack.ts';

// The audit trail page: the API's reads for an auditor (filters, CSV, chain check); a controller is refused.

describe('staff console: the audit trail', () => {
  let pg: Awaited<ReturnType<typeof postgres>>;
  let chromium: Browser;
  let server: Awaited<ReturnType<typeof serveApp>>;
  before(async () => ({ pg, chromium, server } = await startConsoleServer()));
  after(() => server.close());

  const token = async (role: Role, organizationId: string | null = null) => {
    const value = generateToken();
    await upsertToken(pg.pool, { name: `console-audit-${role}-${crypto.randomUUID().slice(0, 8)}`, role, organizationId, token: value });
    return value;
  };

  test('an auditor filters the trail to one request, downloads it as CSV and checks the hash chain', async () => {
    const { row } = await recordRequest(pg.pool);
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, await token('auditor'));
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.getByLabel('Request id').fill(row.id);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    assert.deepEqual(await page.locator('table.audit td[data-label=Action]').allInnerTexts(), ['request.received']);
    await screenshots(context, page.url(), 'audit');
    const csv = await page.request.get(`${server.url}/console/audit.csv?requestId=${row.id}`);
    const lines = (await csv.text()).trim().split('\r\n');
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, new RegExp(`"request/${row.id}/received"`));
    await page.getByRole('button', { name: 'Verify the hash chain' }).click();
    assert.match(await page.locator('main').innerText(), /Intact\s+All \d+ events link up/);
    await screenshots(context, page.url(), 'audit-verify');
    const bad = await page.goto(`${server.url}/console/audit?from=yesterday`);
    assert.equal(bad?.status(), 400);
    await context.close();
  });

  test('a data controller has no audit trail link and is refused the page, its CSV and the check', async () => {
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, await token('controller', 'default'));
    assert.equal(await page.getByRole('link', { name: 'Audit trail' }).count(), 0);
    for (const path of ['/console/audit', '/console/audit.csv', '/console/audit/verify']) {
      assert.equal((await page.request.get(`${server.url}${path}`)).status(), 403, path);
    }
    await context.close();
  });
});
