import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { DatabasePool } from 'slonik';
import type { Client } from '@temporalio/client';
import type { App } from '../../src/api/app.ts';
import { devServer, postgres } from '../support/stack.ts';
import { namedToken, staffApp } from './staff-support.ts';

// Every answer leaves through one middleware (src/api/security-headers.ts): the same policy on JSON, pages and errors.

const STRICT_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

function assertLockedDown(res: Response, what: string) {
  // Emailed links are secrets: no Referer at all; elsewhere none leaves the origin.
  assert.equal(res.headers.get('content-security-policy'), STRICT_CSP, what);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(res.headers.get('referrer-policy'), /\/(verify|downloads)\//.test(what) ? 'no-referrer' : 'same-origin', what);
  assert.equal(res.headers.get('x-frame-options'), 'DENY', what);
  assert.equal(res.headers.get('strict-transport-security'), null, `${what}: no HSTS over plain http`);
}

describe('security headers on every answer', () => {
  let pool: DatabasePool;
  let client: Client;
  let app: App;

  before(async () => {
    pool = (await postgres()).pool;
    client = (await devServer()).client;
    app = staffApp({ pool, client });
  });

  test('JSON answers, refusals, unknown routes and pages all carry the strict policy and are not cached', async () => {
    const owner = (await namedToken(pool, 'owner')).headers;
    const answers: Array<[string, Response]> = [
      ['a staff read', await app.request('/v1/requests?limit=1', { headers: owner })],
      ['a 401', await app.request('/v1/requests')],
      ['a 404', await app.request('/no/such/route')],
      ['a 400', await app.request('/v1/requests', { method: 'POST', headers: owner, body: '{}' })],
      ['the console sign-in page', await app.request('/console/sign-in')],
      ['a console redirect', await app.request('/console')],
      ['the verification page /verify/', await app.request(`/verify/${'a'.repeat(43)}`)],
      ['an unknown download link /downloads/', await app.request(`/downloads/${'a'.repeat(43)}`)],
      ['the API reference', await app.request('/docs')],
      ['the OpenAPI document', await app.request('/openapi.json')],
    ];
    for (const [what, res] of answers) {
      assertLockedDown(res, what);
      assert.equal(res.headers.get('cache-control'), 'no-store', `${what} is not cached`);
    }
    assert.equal(answers[5]![1].status, 303, 'the redirect kept its status');
  });

  test('static assets may be cached, and keep nosniff and the CSP', async () => {
    for (const path of ['/console/assets/console.css', '/docs/assets/init.js', '/privacy/assets/privacy.css']) {
      const res = await app.request(path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=3600', path);
      assertLockedDown(res, path);
    }
  });

  test('HSTS only behind https: PUBLIC_URL https, or a trusted proxy saying https', async () => {
    const https = staffApp({ pool, client, publicUrl: 'https://privacy.example.com' });
    assert.equal((await https.request('/openapi.json')).headers.get('strict-transport-security'), 'max-age=31536000');
    const proxied = staffApp({ pool, client, trustProxy: true });
    assert.equal((await proxied.request('/openapi.json', { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security'), 'max-age=31536000');
    assert.equal((await proxied.request('/openapi.json', { headers: { 'x-forwarded-proto': 'http' } })).headers.get('strict-transport-security'), null);
    // Without TRUST_PROXY the header is anyone's to send: it turns nothing on.
    assert.equal((await app.request('/openapi.json', { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security'), null);
  });
});
