import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'slonik';
import { z } from 'zod';
import { createDatabasePool } from '../../src/db/pool.ts';
import { json, testApp, tokenHeaders } from '../support/app.ts';
import { freePort } from '../support/ports.ts';
import { devServer, postgres } from '../support/stack.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';

const body = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email: 'ana.garcia@example.com', fullName: 'Ana García' }, ...over });

const countRequests = async (pool: Awaited<ReturnType<typeof postgres>>['pool']) =>
  pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from dsrflow.requests`);

describe('POST /v1/requests and GET /v1/requests/:id', () => {
  let app: ReturnType<typeof testApp>;
  let headers: Record<string, string>;
  let pg: Awaited<ReturnType<typeof postgres>>;
  let client: Client;

  before(async () => {
    pg = await postgres();
    client = (await devServer()).client;
    app = testApp({ pool: pg.pool, client, maxBodyBytes: 4096 });
    headers = await tokenHeaders(pg.pool);
  });

  test('records the request, starts its workflow and answers 201 with the deadline', async () => {
    const res = await app.request('/v1/requests', { method: 'POST', headers, body: body({ receivedAt: '2026-01-31T10:00:00Z' }) });
    assert.equal(res.status, 201);
    const created = await json(res);
    assert.equal(created.type, 'access');
    assert.equal(created.regulation, 'GDPR');
    assert.equal(created.status, 'submitted');
    assert.equal(created.receivedAt, '2026-01-31T10:00:00.000Z');
    assert.match(created.dueAt, /^2026-03-02T/, 'one month from 31 Jan is 28 Feb, a Saturday: due the next working day');
    assert.equal(created.workflowId, `dsr-${created.id}`);
    assert.ok(!JSON.stringify(created.workflowId).includes('ana'), 'the workflow id carries no personal data');
    const description = await client.workflow.getHandle(created.workflowId).describe();
    assert.equal(description.type, 'rightsRequest');
    assert.equal(description.searchAttributes.DsrType?.[0], 'access');
  });

  test('GET returns the record, the subject and the timeline', async () => {
    const res = await app.request('/v1/requests', { method: 'POST', headers, body: body() });
    const { id } = await json(res);
    const got = await app.request(`/v1/requests/${id}`, { headers });
    assert.equal(got.status, 200);
    const detail = await json(got);
    assert.equal(detail.id, id);
    assert.deepEqual(detail.subject, { email: 'ana.garcia@example.com', fullName: 'Ana García' });
    assert.equal(detail.timeline[0].action, 'request.received');
    assert.match(detail.workflowUrl, new RegExp(`/workflows/dsr-${id}$`));
  });

  test('the same Idempotency-Key returns the same request and starts nothing new', async () => {
    const key = crypto.randomUUID();
    const before = await countRequests(pg.pool);
    const first = await app.request('/v1/requests', { method: 'POST', headers: { ...headers, 'idempotency-key': key }, body: body() });
    const second = await app.request('/v1/requests', { method: 'POST', headers: { ...headers, 'idempotency-key': key }, body: body() });
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.equal((await json(first)).id, (await json(second)).id);
    assert.equal(await countRequests(pg.pool), before + 1);
  });

  test('an Idempotency-Key reused with another body is a 409', async () => {
    const key = crypto.randomUUID();
    await app.request('/v1/requests', { method: 'POST', headers: { ...headers, 'idempotency-key': key }, body: body() });
    const res = await app.request('/v1/requests', { method: 'POST', headers: { ...headers, 'idempotency-key': key }, body: body({ type: 'erasure' }) });
    assert.equal(res.status, 409);
    assert.equal((await json(res)).error.code, 'IDEMPOTENCY_KEY_REUSED');
  });

  describe('bad input gets a clear error and records nothing', () => {
    const rejects = async (init: RequestInit, status: number, code: string, field?: string) => {
      const before = await countRequests(pg.pool);
      const res = await app.request('/v1/requests', { method: 'POST', headers, ...init });
      assert.equal(res.status, status);
      const payload = await json(res);
      assert.equal(payload.error.code, code);
      if (field) assert.ok(payload.error.details.some((d: { field: string }) => d.field === field), `details name ${field}: ${JSON.stringify(payload.error.details)}`);
      assert.equal(await countRequests(pg.pool), before, 'nothing recorded');
      return payload;
    };

    test('malformed JSON', async () => void (await rejects({ body: '{"type": "access",' }, 400, 'MALFORMED_JSON')));
    test('a bad email names subject.email', async () => void (await rejects({ body: body({ subject: { email: 'not-an-email' } }) }, 400, 'VALIDATION_FAILED', 'subject.email')));
    test('an unknown type names type', async () => void (await rejects({ body: body({ type: 'forget-me' }) }, 400, 'VALIDATION_FAILED', 'type')));
    test('an unknown field is refused', async () => void (await rejects({ body: body({ priority: 'high' }) }, 400, 'VALIDATION_FAILED', 'priority')));
    test('a missing subject names subject', async () => void (await rejects({ body: JSON.stringify({ type: 'access', regulation: 'GDPR' }) }, 400, 'VALIDATION_FAILED', 'subject')));
    test('receivedAt in the future', async () => void (await rejects({ body: body({ receivedAt: '2999-01-01T00:00:00Z' }) }, 400, 'VALIDATION_FAILED', 'receivedAt')));
    test('receivedAt that is not a timestamp', async () => void (await rejects({ body: body({ receivedAt: 'yesterday' }) }, 400, 'VALIDATION_FAILED', 'receivedAt')));
    test('a right the regulation does not grant', async () => void (await rejects({ body: body({ type: 'noSale', regulation: 'GDPR' }) }, 400, 'VALIDATION_FAILED', 'type')));
    test('an oversized body is a 413', async () => void (await rejects({ body: body({ subject: { email: 'a@example.com', fullName: 'x'.repeat(5000) } }) }, 413, 'PAYLOAD_TOO_LARGE')));
  });

  describe('authentication', () => {
    test('no token: 401', async () => {
      const res = await app.request('/v1/requests', { method: 'POST', body: body(), headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      assert.equal((await json(res)).error.code, 'AUTH_REQUIRED');
    });
    test('a malformed header: 401', async () => {
      const res = await app.request('/v1/requests/00000000-0000-4000-8000-000000000000', { headers: { authorization: 'Token abc' } });
      assert.equal(res.status, 401);
      assert.equal((await json(res)).error.code, 'AUTH_MALFORMED');
    });
    test('an unknown token: 401', async () => {
      const res = await app.request('/v1/requests/00000000-0000-4000-8000-000000000000', { headers: { authorization: 'Bearer dsr_nope' } });
      assert.equal(res.status, 401);
      assert.equal((await json(res)).error.code, 'AUTH_INVALID');
    });
  });

  test('an unknown id is a 404; a malformed id a 400', async () => {
    const missing = await app.request('/v1/requests/00000000-0000-4000-8000-000000000000', { headers });
    assert.equal(missing.status, 404);
    assert.equal((await json(missing)).error.code, 'REQUEST_NOT_FOUND');
    const malformed = await app.request('/v1/requests/42', { headers });
    assert.equal(malformed.status, 400);
  });

  test('Temporal down: 503, the request is kept and starts later', async () => {
    const deadConnection = await Connection.connect({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 500 }).catch(() => null);
    assert.equal(deadConnection, null, 'nothing listens on that port');
    const lazy = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 500 });
    after(() => lazy.close());
    const downApp = testApp({ pool: pg.pool, client: new Client({ connection: lazy }) });
    const key = crypto.randomUUID();
    const res = await downApp.request('/v1/requests', { method: 'POST', headers: { ...headers, 'idempotency-key': key }, body: body() });
    assert.equal(res.status, 503);
    const payload = await json(res);
    assert.equal(payload.error.code, 'WORKFLOW_START_FAILED');
    const requestId = payload.error.details.requestId;
    const kept = await app.request(`/v1/requests/${requestId}`, { headers });
    assert.equal(kept.status, 200, 'the request was recorded');
    // The client retries with the same key once Temporal is back: the same request, now started.
    const retried = await app.request('/v1/requests', { method: 'POST', headers: { ...headers, 'idempotency-key': key }, body: body() });
    assert.equal(retried.status, 201);
    assert.equal((await json(retried)).id, requestId);
    await client.workflow.getHandle(`dsr-${requestId}`).describe();
  });

  test('database down: 503 with no database text, /readyz says which part is down, /healthz stays alive', async () => {
    const proxy = await startTcpProxy(Number(new URL(pg.url).port));
    const url = new URL(pg.url);
    url.port = String(proxy.port);
    const proxiedPool = await createDatabasePool(url.toString());
    const downApp = testApp({ pool: proxiedPool, client });
    assert.equal((await json(await downApp.request('/readyz'))).checks.database, 'ok', 'reachable through the proxy at first');
    await proxy.cut();
    try {
      const before = await countRequests(pg.pool);
      const res = await downApp.request('/v1/requests', { method: 'POST', headers, body: body() });
      assert.equal(res.status, 503);
      const payload = await json(res);
      assert.equal(payload.error.code, 'DATABASE_UNAVAILABLE');
      assert.ok(!/ECONNREFUSED|127\.0\.0\.1|postgres/i.test(JSON.stringify(payload)), 'no driver text leaks');
      assert.equal(await countRequests(pg.pool), before, 'nothing half-recorded');
      const ready = await downApp.request('/readyz');
      assert.equal(ready.status, 503);
      const readiness = await json(ready);
      assert.equal(readiness.status, 'degraded');
      assert.equal(readiness.checks.database, 'unreachable');
      assert.equal(readiness.checks.temporal, 'ok');
      const alive = await downApp.request('/healthz');
      assert.equal(alive.status, 200, 'the process is alive: restarting it would not bring the database back');
      assert.deepEqual(await json(alive), { status: 'ok' });
    } finally {
      await proxiedPool.end().catch(() => {});
    }
  });

});
