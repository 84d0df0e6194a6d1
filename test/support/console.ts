import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { serve } from '@hono/node-server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { App } from '../../src/api/app.ts';
import { testApp, tokenHeaders } from './app.ts';
import { browser, devServer, postgres } from './stack.ts';

// Browser tests of the staff console: the real app on a real HTTP server, driven by the run's one Chromium.

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
export const SCREENSHOTS = new URL('../../test-output/console/', import.meta.url);
mkdirSync(SCREENSHOTS, { recursive: true });

/** Serves the app on a free loopback port; `close` ends it (the test's after hook). */
export async function serveApp(app: App): Promise<{ url: string; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => new Promise((done) => server.close(() => done())) }),
    );
  });
}

/**
 * A fresh context (own cookies). axe-core is injected as a script tag, which the console's CSP refuses like any
 * inline script: these contexts bypass the CSP; the CSP itself is checked by a test with a normal context.
 */
export const newContext = (browser: Browser, width = 1280, height = 860) => browser.newContext({ bypassCSP: true, viewport: { width, height } });

export async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/console`);
  assert.match(page.url(), /\/console\/sign-in/);
  await page.getByLabel('What is your API token?').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/console`);
}

/** axe-core on the page as it stands: no serious or critical violation. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  await page.addScriptTag({ path: axePath });
  // Evaluated in the page (a string: the test code has no DOM types).
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) })))`)) as Array<{ id: string; impact: string; targets: string[] }>;
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${what}: accessibility violations ${JSON.stringify(bad)}`);
}

/** Screenshots of a page at desk and phone widths, under test-output/console (ignored by git). */
export async function screenshots(context: BrowserContext, url: string, name: string): Promise<void> {
  for (const [width, label] of [[1280, 'desk'], [390, 'phone']] as const) {
    const page = await context.newPage();
    await page.setViewportSize({ width, height: width === 390 ? 844 : 860 });
    await page.goto(url);
    await assertAccessible(page, `${name} at ${width} px`);
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    assert.ok(overflow <= 0, `${name} at ${width} px scrolls sideways by ${overflow} px`);
    await page.screenshot({ path: new URL(`${name}-${label}.png`, SCREENSHOTS).pathname, fullPage: true });
    // The first screen alone, as a person sees it on opening the page.
    await page.screenshot({ path: new URL(`${name}-${label}-top.png`, SCREENSHOTS).pathname });
    await page.close();
  }
}

/** The run's PostgreSQL, Chromium and a console app on its own server (no worker: `taskQueue` nobody serves, if given). */
export async function startConsoleServer(opts: { taskQueue?: string } = {}) {
  const [pg, env, chromium] = await Promise.all([postgres(), devServer(), browser()]);
  const server = await serveApp(testApp({ pool: pg.pool, client: env.client, ...(opts.taskQueue ? { taskQueue: opts.taskQueue } : {}) }));
  return { pg, chromium, server };
}

/** Chromium, a console app on its own server sending to `taskQueue` (a worker serves it), and a DPO's token. */
export async function startConsoleWithWorker(pg: { pool: Parameters<typeof testApp>[0]['pool'] }, client: Parameters<typeof testApp>[0]['client'], taskQueue: string) {
  const chromium = await browser();
  const server = await serveApp(testApp({ pool: pg.pool, client, taskQueue }));
  const token = (await tokenHeaders(pg.pool, 'dpo')).authorization.slice('Bearer '.length);
  return { chromium, server, token };
}
