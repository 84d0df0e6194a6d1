import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startConsoleServer } from '../support/console.ts';

// The strict CSP (no inline script or style, self only) holds on the pages with scripts: Swagger UI at /docs must
// still render and work under it, with no violation reported by the browser.

describe('pages under the strict Content-Security-Policy', () => {
  let chromium: Browser;
  let server: { url: string; close: () => Promise<void> };

  before(async () => {
    ({ chromium, server } = await startConsoleServer());
  });
  after(() => server.close());

  test('/docs renders the operations and expands one, with no CSP violation', async () => {
    const context = await chromium.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    const res = await page.goto(`${server.url}/docs`);
    assert.doesNotMatch(res?.headers()['content-security-policy'] ?? '', /unsafe/);
    const operation = page.locator('.opblock-summary-path', { hasText: /^\/v1\/requests$/ }).first();
    await operation.waitFor();
    await operation.click();
    // tryItOutEnabled (docs-init.js): the opened operation is ready to send.
    await page.getByRole('button', { name: 'Execute' }).first().waitFor();
    await page.screenshot({ path: 'test-output/docs-under-csp.png' });
    // Swagger UI's inline style attributes come from its own script (CSSOM), which CSP allows: the layout holds.
    const display = await page.evaluate(`getComputedStyle(document.querySelector('.swagger-ui .info .title')).fontSize`);
    assert.equal(display, '36px', 'the stylesheet applies');
    assert.deepEqual(violations, []);
    await context.close();
  });
});
