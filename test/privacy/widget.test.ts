import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { setPrivacyCenterExtras } from '../../src/db/privacy-center-settings.ts';
import { ensureOrganization } from '../../src/db/tokens.ts';
import { testApp } from '../support/app.ts';
import { serveApp } from '../support/console.ts';
import { eventually } from '../support/requests.ts';
import { browser, devServer, postgres } from '../support/stack.ts';
import { mkdirSync } from 'node:fs';
import { requestsFor } from './support.ts';

const PRIVACY_SHOTS = new URL('../../test-output/privacy/', import.meta.url);
mkdirSync(PRIVACY_SHOTS, { recursive: true });

// The widget on the organization's own site: a host page on another origin (another port) embeds the Privacy Center
// and a person files a request in it; on an origin the organization does not list, nothing of the form is shown.

/** A site of the organization (or of someone else): one page with the widget, its own hostile styles, a plain iframe. */
async function hostSite(app: string, org: string): Promise<{ url: string; close: () => Promise<void> }> {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host shop</title>
<style>h1, iframe, form { display: none !important } * { font-family: cursive !important; color: magenta !important }</style></head>
<body><main><p>Shop content</p><dsrflow-privacy-center organization="${org}"></dsrflow-privacy-center>
<iframe id="plain" title="plain frame" src="${app}/privacy/${org}?lang=en"></iframe></main>
<script src="${app}/privacy/widget.js" defer></script></body></html>`;
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((done) => server.close(() => done())) };
}

describe('Privacy Center widget on another site', () => {
  let chromium: Browser;
  let app: Awaited<ReturnType<typeof serveApp>>;
  let allowed: Awaited<ReturnType<typeof hostSite>>;
  let refused: Awaited<ReturnType<typeof hostSite>>;
  let pool: Awaited<ReturnType<typeof postgres>>['pool'];
  const org = `widget-${crypto.randomUUID().slice(0, 8)}`;

  before(async () => {
    const [pg, env] = await Promise.all([postgres(), devServer()]);
    pool = pg.pool;
    chromium = await browser();
    app = await serveApp(testApp({ pool, client: env.client, taskQueue: 'privacy-widget-unserved', privacyCenter: { challenge: { bits: 8 } } }));
    await ensureOrganization(pool, org, 'ACME Widgets');
    [allowed, refused] = await Promise.all([hostSite(app.url, org), hostSite(app.url, org)]);
    await setPrivacyCenterExtras(pool, org, { embedOrigins: [allowed.url] });
  });
  after(() => Promise.all([app.close(), allowed.close(), refused.close()]));

  test('on an allowed origin the form works inside the widget, untouched by the host page’s styles, sized to its content', async () => {
    const context = await chromium.newContext({ viewport: { width: 1024, height: 900 } });
    const page = await context.newPage();
    await page.goto(allowed.url);
    const frame = page.frameLocator('dsrflow-privacy-center iframe');
    const heading = frame.getByRole('heading', { name: 'Your privacy rights with ACME Widgets' });
    await heading.waitFor();
    assert.notEqual(await heading.evaluate((el) => (el.ownerDocument.defaultView as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color), 'rgb(255, 0, 255)', 'the host’s colours do not reach the form');
    await frame.getByLabel('Which country do you live in?').selectOption('US');
    await frame.getByLabel('Which US state or Canadian province do you live in?').selectOption('US-CA');
    await frame.getByRole('button', { name: 'Continue' }).click();
    await frame.getByLabel('See your data').check();
    await frame.getByRole('button', { name: 'Continue' }).click();
    const email = `widget-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await frame.getByLabel('What is your email address?').fill(email);
    await frame.getByText('The form is ready to send.').waitFor();
    await frame.getByRole('button', { name: 'Send my request' }).click();
    await frame.getByRole('heading', { name: 'Request sent' }).waitFor();
    const [request] = await requestsFor(pool, email);
    assert.equal(request?.channel, 'portal');
    assert.equal(request?.regulation, 'CCPA');
    // The frame follows its content's height (postMessage from the form's pages, checked by origin and source).
    const iframe = page.locator('dsrflow-privacy-center iframe');
    const inner = page.frames().find((f) => f.url().startsWith(`${app.url}/privacy/`) && f !== page.mainFrame() && f.name() !== 'plain')!;
    await eventually(async () => {
      const [outer, content] = [await iframe.evaluate((el) => (el as unknown as { style: { height: string } }).style.height), await inner.evaluate("Math.ceil(document.body.getBoundingClientRect().bottom + window.scrollY + parseFloat(getComputedStyle(document.body).marginBottom || '0'))")];
      return outer === `${Math.max(content as number, 200)}px` ? true : undefined;
    }, 10_000, 'the frame takes its content’s height');
    assert.ok(Number.parseInt(await iframe.evaluate((el) => (el as unknown as { style: { height: string } }).style.height), 10) < 900, 'the frame shrinks to a short page too');
    await page.screenshot({ path: new URL('widget-allowed.png', PRIVACY_SHOTS).pathname, fullPage: true });
    await context.close();
  });

  test('the widget script is a resource of its own: OPTIONS is 405 with Allow: GET (not the form’s methods)', async () => {
    const res = await fetch(`${app.url}/privacy/widget.js`, { method: 'OPTIONS' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET');
  });

  test('on an origin the organization does not list, the widget shows a link instead and a plain frame is refused', async () => {
    const context = await chromium.newContext({ viewport: { width: 1024, height: 900 } });
    const page = await context.newPage();
    const messages: string[] = [];
    page.on('console', (m) => messages.push(m.text()));
    await page.goto(refused.url, { waitUntil: 'load' });
    const widget = page.locator('dsrflow-privacy-center');
    await widget.getByText('The privacy center cannot be shown on this site.').waitFor();
    assert.equal(await widget.locator('iframe').count(), 0, 'no frame of the form');
    const link = widget.getByRole('link', { name: 'Open the privacy center in a new tab' });
    assert.equal(await link.getAttribute('href'), `${app.url}/privacy/${org}?lang=en`, 'the person can still reach the form');
    // A frame made by hand is blocked by frame-ancestors: it shows nothing of the form.
    const plain = await (await page.$('#plain'))!.contentFrame();
    assert.ok(plain);
    assert.equal(plain.url(), 'chrome-error://chromewebdata/', 'the browser replaced the frame with its error page');
    const seen = (await plain.evaluate('document.body ? document.body.innerText : ""')) as string;
    assert.doesNotMatch(seen, /privacy rights|ACME/);
    assert.match(seen, /is blocked/, 'what the person sees in the frame');
    await eventually(async () => (messages.some((m) => /frame-ancestors/.test(m)) ? true : undefined), 5000, 'the browser reports the refused frame');
    await page.screenshot({ path: new URL('widget-refused.png', PRIVACY_SHOTS).pathname, fullPage: true });
    await context.close();
  });
});
