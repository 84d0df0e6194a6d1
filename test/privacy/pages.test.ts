import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sql } from 'slonik';
import { LOCALES, messagesFor, type Locale } from '../../src/locales/index.ts';
import { mintStatusLink } from '../../src/db/privacy-center.ts';
import { testApp } from '../support/app.ts';
import { assertAccessible, newContext, serveApp } from '../support/console.ts';
import { browser } from '../support/stack.ts';
import { useDevServerWorker, type DevServerSuite } from '../support/workflow-harness.ts';
import { PRIVACY_SHOTS } from './support.ts';

// Every public page of the Privacy Center in every language: axe-core finds no serious or critical violation, and
// nothing scrolls sideways on a phone. Then the whole form by keyboard alone.

const TASK_QUEUE = 'privacy-pages';
const ORG = 'acme-shop';

async function check(page: Page, what: string, name?: string) {
  await assertAccessible(page, what);
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
  assert.ok(overflow <= 0, `${what} scrolls sideways by ${overflow} px`);
  if (name) await page.screenshot({ path: new URL(`${name}.png`, PRIVACY_SHOTS).pathname, fullPage: true });
}

describe('Privacy Center pages: accessible in every language, and usable by keyboard alone', () => {
  const suite: DevServerSuite = useDevServerWorker(TASK_QUEUE);
  let chromium: Browser;
  let server: Awaited<ReturnType<typeof serveApp>>;
  before(async () => {
    chromium = await browser();
    await suite.pg.pool.query(sql.unsafe`insert into dsrflow.organizations (id, name) values (${ORG}, 'Acme Shop GmbH') on conflict (id) do nothing`);
    server = await serveApp(testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: TASK_QUEUE, privacyCenter: { challenge: { bits: 8 } } }));
  });
  after(() => server.close());

  for (const locale of LOCALES) {
    test(`every page in ${messagesFor(locale).languageName}`, async () => {
      const t = messagesFor(locale);
      const context: BrowserContext = await newContext(chromium, 390, 844);
      const page = await context.newPage();
      const at = (path: string) => page.goto(`${server.url}${path}${path.includes('?') ? '&' : '?'}lang=${locale}`);
      // Each step is checked in its fullest state: with its error summary, every field and hint on the page.
      await at(`/privacy/${ORG}?country=US`);
      assert.match(await page.locator('.error-summary').innerText(), new RegExp(t.errors.region));
      await check(page, `${locale} residence step with an error`, `residence-error-${locale}-phone`);
      await at(`/privacy/${ORG}?country=US&region=US-WY`);
      await check(page, `${locale} page of a residence without a law`);
      await at(`/privacy/${ORG}?country=FR`);
      await check(page, `${locale} rights step`, `rights-${locale}-phone`);
      await at(`/privacy/${ORG}?country=FR&type=rectify`);
      await page.getByText(t.form.challengeReady).waitFor();
      await page.getByRole('button', { name: t.form.submit }).click();
      await page.locator('.error-summary').waitFor();
      await check(page, `${locale} details with errors`, `details-errors-${locale}-phone`);

      const email = `pages-${locale}-${crypto.randomUUID().slice(0, 8)}@example.com`;
      await at(`/privacy/${ORG}?country=ES&type=access`);
      await page.getByLabel(t.form.email).fill(email);
      await page.getByText(t.form.challengeReady).waitFor();
      await page.getByRole('button', { name: t.form.submit }).click();
      await page.getByRole('heading', { name: t.confirmation.title }).waitFor();
      await check(page, `${locale} confirmation`, `confirmation-${locale}-phone`);
      const requestId = (await page.locator('.reference').innerText()).trim();

      const mail = await suite.mail.waitFor((m) => m.to.includes(email) && m.subject.includes(requestId) && m.text.includes('/verify/'), 20_000);
      assert.equal(mail.subject, t.email.verificationSubject(t.typeInText.access, requestId), 'the email is in the language of the form');
      await page.goto(`${server.url}${new URL(/http:\/\/\S+\/verify\/\S+/.exec(mail.text)![0]).pathname}`);
      assert.equal(await page.getAttribute('html', 'lang'), locale);
      await check(page, `${locale} confirmation-link page`);
      await page.goto(`${server.url}/privacy/status/${await mintStatusLink(suite.pg.pool, requestId)}`);
      assert.equal(await page.getAttribute('html', 'lang'), locale);
      await check(page, `${locale} status page`, `status-${locale}-phone`);
      await page.goto(`${server.url}/privacy/status/${'x'.repeat(43)}?lang=${locale}`);
      await check(page, `${locale} unknown status link`);
      await at('/privacy/no-such-organization');
      await check(page, `${locale} unknown organization`);
      await context.close();
    });
  }

  test('the whole form by keyboard alone, with a visible focus at every stop', async () => {
    const context = await newContext(chromium);
    const page = await context.newPage();
    await page.goto(`${server.url}/privacy/${ORG}?lang=en`);
    await page.screenshot({ path: new URL('residence-en.png', PRIVACY_SHOTS).pathname, fullPage: true });
    /** Tabs until the focused element matches `selector` (at most 30 stops), checking each stop shows its focus. */
    const tabTo = async (selector: string) => {
      for (let i = 0; i < 30; i++) {
        await page.keyboard.press('Tab');
        const focus = (await page.evaluate(`(() => { const e = document.activeElement; const s = getComputedStyle(e); return { match: e.matches(${JSON.stringify(selector)}), outline: s.outlineStyle, shadow: s.boxShadow }; })()`)) as { match: boolean; outline: string; shadow: string };
        assert.ok(focus.outline !== 'none' || focus.shadow !== 'none', `stop ${i} towards ${selector} shows no focus (${page.url()})`);
        if (focus.match) return;
      }
      assert.fail(`${selector} is not reachable by Tab`);
    };
    await tabTo('#f-country');
    await page.keyboard.type('Ireland');
    await tabTo('button[type=submit]');
    await page.keyboard.press('Enter');
    await page.waitForURL(/country=IE/);
    await page.screenshot({ path: new URL('rights-en.png', PRIVACY_SHOTS).pathname, fullPage: true });
    await tabTo('#f-type-erasure, input[name=type]');
    // Arrow keys move within a radio group: from the first right down to erasure (the fourth).
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate('document.activeElement.value'), 'erasure');
    await tabTo('button[type=submit]');
    await page.keyboard.press('Enter');
    await page.waitForURL(/type=erasure/);
    const email = `keys-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await tabTo('#f-email');
    await page.keyboard.type(email);
    await tabTo('#f-fullName');
    await page.keyboard.type('Saoirse Keyboard');
    await page.screenshot({ path: new URL('details-en.png', PRIVACY_SHOTS).pathname, fullPage: true });
    await tabTo('button[type=submit]');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Request sent' }).waitFor();
    assert.match(await page.locator('main').innerText(), /Your erasure request/);
    await context.close();
  });
});
