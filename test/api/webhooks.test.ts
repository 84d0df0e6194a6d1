import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { App } from '../../src/api/app.ts';
import { signWebhook } from '../../src/api/webhooks/signature.ts';
import { json } from '../support/app.ts';
import { devServer, postgres } from '../support/stack.ts';
import { counts, namedToken, staffApp, WEBHOOK_SECRET } from './staff-support.ts';

const delivery = (externalId: string, over: Record<string, unknown> = {}) =>
  JSON.stringify({ externalId, type: 'erasure', regulation: 'CCPA', subject: { email: 'hook@example.com' }, ...over });

const now = () => Math.floor(Date.now() / 1000);

describe('POST /v1/webhooks/requests', () => {
  let pool: DatabasePool;
  let app: App;

  before(async () => {
    pool = (await postgres()).pool;
    app = staffApp({ pool, client: (await devServer()).client, maxBodyBytes: 4096 });
  });

  const send = (body: string, headers: Record<string, string>) =>
    app.request('/v1/webhooks/requests', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const signed = (body: string, secret = WEBHOOK_SECRET, t = now(), source = 'helpdesk') => ({ 'dsrflow-source': source, 'dsrflow-signature': signWebhook(secret, body, t) });

  test('a valid signature opens the request, recorded as the source, on the webhook channel', async () => {
    const externalId = `HD-${crypto.randomUUID()}`;
    const body = delivery(externalId);
    const res = await send(body, signed(body));
    assert.equal(res.status, 201);
    const created = await json(res);
    assert.equal(created.channel, 'webhook');
    assert.equal(created.type, 'erasure');
    const source = await pool.one(sql.type(z.object({ source: z.string(), external_id: z.string() }))`
      select source, external_id from dsrflow.request_sources where request_id = ${created.id}`);
    assert.deepEqual(source, { source: 'helpdesk', external_id: externalId });
    const owner = (await namedToken(pool, 'owner')).headers;
    const trail = await json(await app.request(`/v1/requests/${created.id}/audit`, { headers: owner }));
    assert.equal(trail.items[0].actor, 'webhook:helpdesk');
  });

  test('the same external id from the same source returns the first request, even with another body', async () => {
    const externalId = `HD-${crypto.randomUUID()}`;
    const first = delivery(externalId);
    const before = await counts(pool);
    const a = await send(first, signed(first));
    const retried = delivery(externalId, { type: 'access' });
    const [b, c] = await Promise.all([send(first, signed(first)), send(retried, signed(retried))]);
    assert.equal(a.status, 201);
    assert.equal(b.status, 200);
    assert.equal(c.status, 200);
    assert.equal(b.headers.get('idempotent-replayed'), 'true');
    const id = (await json(a)).id;
    assert.equal((await json(b)).id, id);
    assert.equal((await json(c)).id, id);
    assert.equal((await counts(pool)).requests, before.requests + 1);
    // Another source may use the same id for its own request.
    const crm = delivery(externalId);
    const other = await send(crm, signed(crm, 'crm-secret-0123456789abcdef0123', now(), 'crm'));
    assert.equal(other.status, 201);
    assert.notEqual((await json(other)).id, id);
  });

  describe('refused with 401 and nothing recorded', () => {
    const body = delivery('HD-refused');
    const cases: [string, () => Record<string, string>, string, string?][] = [
      ['wrong secret', () => signed(body, 'not-the-secret-0123456789abcdef'), 'WEBHOOK_SIGNATURE_INVALID'],
      ['altered body', () => signed(delivery('HD-refused', { type: 'access' })), 'WEBHOOK_SIGNATURE_INVALID'],
      ['stale timestamp (6 minutes old)', () => signed(body, WEBHOOK_SECRET, now() - 6 * 60), 'WEBHOOK_TIMESTAMP_STALE'],
      ['timestamp from the future', () => signed(body, WEBHOOK_SECRET, now() + 6 * 60), 'WEBHOOK_TIMESTAMP_STALE'],
      ['missing signature header', () => ({ 'dsrflow-source': 'helpdesk' }), 'WEBHOOK_SIGNATURE_MISSING'],
      ['malformed signature header', () => ({ 'dsrflow-source': 'helpdesk', 'dsrflow-signature': 'sha256=abc' }), 'WEBHOOK_SIGNATURE_MALFORMED'],
      ['unknown source', () => signed(body, WEBHOOK_SECRET, now(), 'intruder'), 'WEBHOOK_SOURCE_UNKNOWN'],
      ['a bearer token instead of a signature', () => ({ authorization: 'Bearer dsr_x' }), 'WEBHOOK_SIGNATURE_MISSING'],
    ];
    for (const [name, headers, code] of cases) {
      test(name, async () => {
        const before = await counts(pool);
        const res = await send(body, headers());
        assert.equal(res.status, 401);
        assert.equal((await json(res)).error.code, code);
        assert.deepEqual(await counts(pool), before);
      });
    }
  });

  test('a signed body with an unknown field or a wrong type is a 400 naming it; nothing recorded', async () => {
    const before = await counts(pool);
    for (const [body, field] of [
      [delivery('HD-bad-1', { priority: 'high' }), 'priority'],
      [delivery('HD-bad-2', { type: 42 }), 'type'],
      [JSON.stringify({ type: 'erasure', regulation: 'CCPA', subject: { email: 'x@example.com' } }), 'externalId'],
    ] as const) {
      const res = await send(body, signed(body));
      assert.equal(res.status, 400, body);
      const error = (await json(res)).error;
      assert.ok(error.details.some((d: { field: string }) => d.field.includes(field)), JSON.stringify(error));
    }
    assert.deepEqual(await counts(pool), before);
  });

  test('an oversized body is a 413 before anything else', async () => {
    const body = delivery('HD-big', { subject: { email: 'x@example.com', fullName: 'x'.repeat(5000) } });
    const res = await send(body, signed(body));
    assert.equal(res.status, 413);
  });
});

describe('rate limits on the unauthenticated routes', () => {
  test('a client over the window gets 429 with Retry-After, across webhooks, verification and download links', async () => {
    const pool = (await postgres()).pool;
    let clock = Date.parse('2026-11-20T10:00:00Z');
    const app = staffApp({ pool, client: (await devServer()).client, publicRateLimit: { limit: 3, windowMs: 60_000 }, now: () => new Date(clock) });
    assert.equal((await app.request('/verify/unknown-token')).status, 404);
    assert.equal((await app.request('/downloads/unknown-token')).status, 404);
    assert.equal((await app.request('/v1/webhooks/requests', { method: 'POST', body: '{}' })).status, 401);
    const limited = await app.request('/verify/unknown-token');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '60');
    assert.equal((await json(limited)).error.code, 'RATE_LIMITED');
    // Staff routes are not limited by it.
    assert.equal((await app.request('/v1/requests', { headers: (await namedToken(pool, 'owner')).headers })).status, 200);
    clock += 45_000;
    assert.equal((await app.request('/downloads/unknown-token')).headers.get('retry-after'), '15');
    clock += 15_000;
    assert.equal((await app.request('/downloads/unknown-token')).status, 404, 'a new window admits again');
  });
});
