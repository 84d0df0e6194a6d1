import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { ensureOrganization, generateToken, upsertToken, type Role } from '../../src/db/tokens.ts';

import { assertAccessible, newContext, screenshots, signIn, startConsoleServer, type serveApp } from '../support/console.ts';
import { recordRequest } from '../support/requests.ts';
import type { postgres } from '../support/stack.ts';

// Who sees and may do what in the console, and the defences of its forms. No worker: nothing here reaches a workflow.

async function staffToken(pool: Awaited<ReturnType<typeof postgres>>['pool'], role: Role, organizationId: string | null = null) {
  const token = generateToken();
  const name = `console-${role}-${crypto.randomUUID().slice(0, 8)}`;
  await upsertToken(pool, { name, role, organizationId, token });
  return { token, name };
}

describe('staff console: sessions, roles and form defences', () => {
  let pg: Awaited<ReturnType<typeof postgres>>;
  let chromium: Browser;
  let server: Awaited<ReturnType<typeof serveApp>>;
  before(async () => ({ pg, chromium, server } = await startConsoleServer()));
  after(() => server.close());

  test('an auditor sees the request but no action, and a forged POST with its own valid session is refused', async () => {
    const { row } = await recordRequest(pg.pool);
    const { token } = await staffToken(pg.pool, 'auditor');
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    assert.equal(await page.getByRole('link', { name: 'Record a request' }).count(), 0, 'no intake for an auditor');
    assert.equal((await page.goto(`${server.url}/console/requests/new`))?.status(), 403);
    await page.goto(`${server.url}/console/requests/${row.id}`);
    await assert.doesNotReject(page.getByRole('heading', { name: 'Actions' }).waitFor());
    assert.equal(await page.locator('form[action*="/requests/"]').count(), 0, 'no action form');
    assert.match(await page.locator('.actions').innerText(), /read only/);
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const forged = await page.request.post(`${server.url}/console/requests/${row.id}/cancel`, {
      form: { _csrf: csrf, idempotencyKey: crypto.randomUUID(), reason: 'entered_in_error' },
      maxRedirects: 0,
    });
    assert.equal(forged.status(), 403);
    assert.match(await forged.text(), /read-only/);
    const events = await pg.pool.anyFirst(sqlActions(row.id));
    assert.deepEqual(events, ['request.received'], 'nothing recorded');
    await context.close();
  });

  test('a data controller lists and opens its organization only; another organization is refused', async () => {
    await ensureOrganization(pg.pool, 'acme-console');
    await ensureOrganization(pg.pool, 'other-console');
    const own = await recordRequest(pg.pool, { organizationId: 'acme-console' });
    const foreign = await recordRequest(pg.pool, { organizationId: 'other-console' });
    const { token } = await staffToken(pg.pool, 'controller', 'acme-console');
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    const listed = await page.locator('table.requests a.mono').allInnerTexts();
    assert.ok(listed.includes(own.row.id.slice(0, 8)), 'its own request is listed');
    assert.ok(!listed.includes(foreign.row.id.slice(0, 8)), 'the other organization’s is not');
    assert.equal(await page.locator('#f-organization').count(), 0, 'no organization filter for a controller');
    const rows = await page.locator('table.requests tbody tr').count();
    assert.equal(rows, listed.length);
    const detail = await page.goto(`${server.url}/console/requests/${foreign.row.id}`);
    assert.equal(detail?.status(), 403);
    assert.doesNotMatch(await page.content(), new RegExp(foreign.subject.email));
    const asked = await page.goto(`${server.url}/console?organization=other-console`);
    assert.equal(asked?.status(), 403);
    const csv = await page.request.get(`${server.url}/console/requests.csv`);
    const text = await csv.text();
    assert.ok(text.includes(own.row.id) && !text.includes(foreign.row.id), 'the CSV holds its organization only');
    assert.ok(!text.includes('@'), 'no email in the CSV');
    await context.close();
  });

  test('a form without the session’s CSRF token, or from another origin, is refused and changes nothing', async () => {
    const { row } = await recordRequest(pg.pool);
    const { token } = await staffToken(pg.pool, 'dpo');
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      page.request.post(`${server.url}/console/requests/${row.id}/cancel`, { form, headers, maxRedirects: 0 });
    const base = { idempotencyKey: crypto.randomUUID(), reason: 'entered_in_error' };
    assert.equal((await post(base)).status(), 403, 'no token');
    assert.equal((await post({ ...base, _csrf: 'x'.repeat(43) })).status(), 403, 'wrong token');
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    assert.equal((await post({ ...base, _csrf: csrf }, { origin: 'https://evil.example' })).status(), 403, 'another origin');
    assert.deepEqual(await pg.pool.anyFirst(sqlActions(row.id)), ['request.received']);
    // Signing out ends the session: the same cookie opens nothing afterwards.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/sign-in$/);
    await page.goto(`${server.url}/console`);
    assert.match(page.url(), /\/console\/sign-in\?next=/);
    await context.close();
  });

  test('an expired session, or one whose token was revoked, opens nothing', async () => {
    const { token, name } = await staffToken(pg.pool, 'dpo');
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    await pg.pool.query(sql.unsafe`update dsrflow.console_sessions s set expires_at = now() - interval '1 second' from dsrflow.api_tokens t where t.id = s.token_id and t.name = ${name}`);
    await page.goto(`${server.url}/console`);
    assert.match(page.url(), /\/console\/sign-in\?next=/, 'expired');
    await signIn(page, server.url, token);
    // The list starts its reads with the session check once it has seen the session (session.ts): they must not
    // show once the token is revoked.
    await page.goto(`${server.url}/console`);
    await page.getByRole('heading', { name: 'Rights requests' }).waitFor();
    await pg.pool.query(sql.unsafe`update dsrflow.api_tokens set revoked_at = now() where name = ${name}`);
    const revoked = await page.request.get(`${server.url}/console`, { maxRedirects: 0 });
    assert.equal(revoked.status(), 303, 'revoked');
    assert.doesNotMatch(await revoked.text(), /Rights requests/);
    await page.goto(`${server.url}/console`);
    assert.match(page.url(), /\/console\/sign-in\?next=/, 'revoked');
    await context.close();
  });

  test('a subject name with <script> renders as text; the CSP allows no inline script and the page raises no violation', async () => {
    const { row } = await recordRequest(pg.pool, { fullName: '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">' });
    const { token } = await staffToken(pg.pool, 'owner');
    const context = await chromium.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await signIn(page, server.url, token);
    const res = await page.goto(`${server.url}/console/requests/${row.id}`);
    const csp = res?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(res?.headers()['cache-control'], 'no-store');
    assert.equal(await page.evaluate('window.pwned'), undefined);
    assert.equal(await page.locator('script').count(), 0, 'the console has no scripts at all');
    assert.ok((await page.locator('dd').allInnerTexts()).some((t) => t.includes('<script>window.pwned=1</script>')), 'the name is shown as text');
    assert.deepEqual(violations, []);
    await context.close();
  });

  test('sign-in: the session cookie is httpOnly and SameSite=Strict; a wrong token is refused; a one-time link works once', async () => {
    const { token, name } = await staffToken(pg.pool, 'admin');
    const context = await newContext(chromium);
    const page = await context.newPage();
    await page.goto(`${server.url}/console/sign-in`);
    await assertAccessible(page, 'sign-in');
    await page.getByLabel('What is your API token?').fill(`${token}x`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await assert.doesNotReject(page.getByText('That token is not known').first().waitFor());
    await assertAccessible(page, 'sign-in with an error');
    await page.getByLabel('What is your API token?').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/console`);
    const cookie = (await context.cookies()).find((c) => c.name === 'dsrflow_console');
    assert.ok(cookie, 'session cookie set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    const stored = await pg.pool.anyFirst(sqlSessionIds());
    assert.ok(!stored.includes(cookie.value), 'only a hash of the session id is stored');
    await screenshots(context, `${server.url}/console`, 'list');
    await context.close();

    const cli = await promisify(execFile)(process.execPath, ['src/db/token-cli.ts', 'signin-link', '--name', name], { env: { ...process.env, DATABASE_URL: pg.url, PUBLIC_URL: server.url } });
    const link = /(http:\/\/\S+\/console\/sign-in\/link\/\S+)/.exec(cli.stdout)?.[1];
    assert.ok(link, cli.stdout);
    const fresh = await newContext(chromium);
    const tab = await fresh.newPage();
    await tab.goto(link);
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await tab.waitForURL(`${server.url}/console`);
    assert.match(await tab.locator('.who').innerText(), new RegExp(name));
    await tab.goto(link);
    const again = await tab.getByRole('button', { name: 'Sign in' }).click().then(() => tab.waitForLoadState());
    void again;
    assert.match(await tab.content(), /unknown, used or expired/);
    await fresh.close();
  });
});

import { sql } from 'slonik';
const sqlActions = (requestId: string) => sql.unsafe`select action from dsrflow.audit_events where request_id = ${requestId} order by id`;
const sqlSessionIds = () => sql.unsafe`select id_hash from dsrflow.console_sessions`;
