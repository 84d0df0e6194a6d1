import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { sql } from 'slonik';
import { z } from 'zod';
import { readPrivacyCenterSettings } from '../../src/db/privacy-center-settings.ts';
import { ensureOrganization, generateToken, upsertToken, type Role } from '../../src/db/tokens.ts';
import { assertAccessible, newContext, screenshots, SCREENSHOTS, signIn, startConsoleServer, type serveApp } from '../support/console.ts';
import type { postgres } from '../support/stack.ts';

// The settings page: an admin sets who may embed the Privacy Center and which requests need an identity document;
// a refusal stays beside its field; read-only roles see the values and no form; the saved origin is what the
// Privacy Center's embed route then answers CORS for.

describe('staff console: Privacy Center settings', () => {
  let pg: Awaited<ReturnType<typeof postgres>>;
  let chromium: Browser;
  let server: Awaited<ReturnType<typeof serveApp>>;
  const org = `settings-${crypto.randomUUID().slice(0, 8)}`;
  const other = `settings-other-${crypto.randomUUID().slice(0, 8)}`;

  before(async () => {
    ({ pg, chromium, server } = await startConsoleServer());
    await ensureOrganization(pg.pool, org, 'ACME Settings');
    await ensureOrganization(pg.pool, other);
  });
  after(() => server.close());

  const token = async (role: Role, organizationId: string | null = null) => {
    const value = generateToken();
    const name = `console-settings-${role}-${crypto.randomUUID().slice(0, 8)}`;
    await upsertToken(pg.pool, { name, role, organizationId, token: value });
    return { value, name };
  };
  const changes = () =>
    pg.pool.any(sql.type(z.object({ actor: z.string(), details: z.any() }))`
      select actor, details from dsrflow.audit_events where organization_id = ${org} and action = 'settings.privacy_center_changed' order by id`);
  const open = async (page: Page) => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Which organization?').selectOption(org);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('heading', { name: 'Privacy Center of ACME Settings' }).waitFor();
  };
  /** A new browser context signed in with `tokenValue`, on the organization's settings page. */
  const settingsPage = async (tokenValue: string) => {
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, tokenValue);
    await open(page);
    return { context, page };
  };
  const save = async (page: Page) => {
    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === `${server.url}/console/settings/${org}`);
    await page.getByRole('button', { name: 'Save the settings' }).click();
    return (await answer).status();
  };

  test('an admin sets two origins and the erasure type; the embed route then answers CORS for the origin', async () => {
    const admin = await token('admin');
    const { context, page } = await settingsPage(admin.value);
    await page.getByLabel('Which sites may embed the Privacy Center?').fill('https://www.acme-settings.example\n\nhttp://localhost:8080\n');
    await page.getByLabel('Erasure').check();
    assert.equal(await save(page), 303);
    await page.getByRole('status').filter({ hasText: 'Saved the Privacy Center settings of ACME Settings.' }).waitFor();
    assert.equal(await page.getByLabel('Which sites may embed the Privacy Center?').inputValue(), 'https://www.acme-settings.example\nhttp://localhost:8080');
    assert.equal(await page.getByLabel('Erasure').isChecked(), true);
    assert.equal(await page.getByLabel('Access').isChecked(), false);
    assert.match(await page.locator('pre.snippet').innerText(), new RegExp(`<script src="${server.url}/privacy/widget.js" defer></script>\\s*<dsrflow-privacy-center organization="${org}"`));
    const stored = await readPrivacyCenterSettings(pg.pool, org);
    assert.deepEqual([stored?.embedOrigins, stored?.identityDocumentTypes], [['https://www.acme-settings.example', 'http://localhost:8080'], ['erasure']]);

    // Saved again unchanged (a double submit): nothing changes and the trail has the one change.
    assert.equal(await save(page), 303);
    await page.getByRole('status').filter({ hasText: 'Nothing changed' }).waitFor();
    assert.deepEqual(await changes(), [{ actor: admin.name, details: { before: { embedOrigins: [], identityDocumentTypes: [] }, after: { embedOrigins: ['https://www.acme-settings.example', 'http://localhost:8080'], identityDocumentTypes: ['erasure'] } } }]);
    await screenshots(context, page.url(), 'settings');

    // What the setting is for: the widget's question is answered, readable, for the saved origin only.
    const allowed = await page.request.get(`${server.url}/privacy/${org}/embed.json`, { headers: { origin: 'http://localhost:8080' } });
    assert.equal(allowed.status(), 200);
    assert.equal(allowed.headers()['access-control-allow-origin'], 'http://localhost:8080');
    const refused = await page.request.get(`${server.url}/privacy/${org}/embed.json`, { headers: { origin: 'https://elsewhere.example' } });
    assert.equal(refused.status(), 403);
    assert.equal(refused.headers()['access-control-allow-origin'], undefined);
    await context.close();
  });

  test('an invalid origin is refused beside the field, with what was typed kept and nothing saved', async () => {
    const { context, page } = await settingsPage((await token('dpo')).value);
    const typed = 'https://shop.acme-settings.example/privacy/\nhttps://ok.acme-settings.example';
    await page.getByLabel('Which sites may embed the Privacy Center?').fill(typed);
    await page.getByLabel('Rectification').check();
    assert.equal(await save(page), 400);
    const field = page.locator('.field-error', { has: page.getByLabel('Which sites may embed the Privacy Center?') });
    assert.match(await field.locator('.field-message').innerText(), /"https:\/\/shop\.acme-settings\.example\/privacy\/" must be an origin only .*no path, query or trailing slash/);
    assert.equal(await page.getByLabel('Which sites may embed the Privacy Center?').inputValue(), typed);
    assert.equal(await page.getByLabel('Rectification').isChecked(), true);
    assert.equal(await page.getByLabel('Erasure').isChecked(), true);
    await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
    await assertAccessible(page, 'settings with a refused origin');
    await page.screenshot({ path: new URL('settings-refused-desk.png', SCREENSHOTS).pathname, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: new URL('settings-refused-phone.png', SCREENSHOTS).pathname, fullPage: true });
    assert.deepEqual((await readPrivacyCenterSettings(pg.pool, org))?.embedOrigins, ['https://www.acme-settings.example', 'http://localhost:8080']);
    await context.close();
  });

  test('an auditor sees the settings and no form, and its forged POST is refused; a controller reads its own only', async () => {
    const { context, page } = await settingsPage((await token('auditor')).value);
    assert.equal(await page.getByRole('button', { name: 'Save the settings' }).count(), 0);
    assert.equal(await page.locator('textarea').count(), 0);
    assert.match(await page.locator('main').innerText(), /Your role may read these settings, not change them[\s\S]*https:\/\/www\.acme-settings\.example\s+http:\/\/localhost:8080[\s\S]*Erasure/);
    await screenshots(context, page.url(), 'settings-read-only');
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const forged = await page.request.post(`${server.url}/console/settings/${org}`, { form: { _csrf: csrf, embedOrigins: 'https://evil.example' }, headers: { origin: server.url }, maxRedirects: 0 });
    assert.equal(forged.status(), 403);
    assert.match(await forged.text(), /read-only/);
    await context.close();

    const controllerContext = await newContext(chromium);
    const controllerPage = await controllerContext.newPage();
    await signIn(controllerPage, server.url, (await token('controller', org)).value);
    await controllerPage.getByRole('link', { name: 'Settings' }).click();
    await controllerPage.getByRole('heading', { name: 'Privacy Center of ACME Settings' }).waitFor();
    assert.equal(await controllerPage.getByLabel('Which organization?').count(), 0);
    assert.equal(await controllerPage.locator('textarea').count(), 0);
    assert.equal((await controllerPage.request.get(`${server.url}/console/settings?organization=${other}`)).status(), 403);
    const csrf2 = await controllerPage.locator('input[name=_csrf]').first().inputValue();
    assert.equal((await controllerPage.request.post(`${server.url}/console/settings/${org}`, { form: { _csrf: csrf2, embedOrigins: 'https://evil.example' }, headers: { origin: server.url }, maxRedirects: 0 })).status(), 403);
    assert.equal((await changes()).length, 1, 'the refusals changed nothing');
    await controllerContext.close();
  });
});
