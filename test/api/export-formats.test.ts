import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { signWebhook } from '../../src/api/webhooks/signature.ts';
import { json, testApp, tokenHeaders } from '../support/app.ts';
import { devServer, postgres } from '../support/stack.ts';
import { staffApp, WEBHOOK_SECRET } from './staff-support.ts';

const body = (over: Record<string, unknown> = {}) => JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email: 'formats@example.com' }, ...over });

const storedFormats = (pool: DatabasePool, id: string) =>
  pool.oneFirst(sql.type(z.object({ export_formats: z.array(z.string()).nullable() }))`select export_formats from dsrflow.requests where id = ${id}`);
const countRequests = (pool: DatabasePool) => pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from dsrflow.requests`);

describe('formats on access and export requests: chosen per request, defaulted at intake, shown on the request', () => {
  let pool: DatabasePool;
  let app: ReturnType<typeof testApp>;
  let headers: Record<string, string>;

  before(async () => {
    pool = (await postgres()).pool;
    // A deployment whose EXPORT_FORMATS is xml,pdf: the default a request stores when it names none.
    app = testApp({ pool, client: (await devServer()).client, exportFormats: ['xml', 'pdf'] });
    headers = await tokenHeaders(pool);
  });

  const create = async (over: Record<string, unknown>) => {
    const res = await app.request('/v1/requests', { method: 'POST', headers, body: body(over) });
    assert.equal(res.status, 201, JSON.stringify(await res.clone().json()));
    return (await json(res)).id as string;
  };
  const detail = async (id: string) => json(await app.request(`/v1/requests/${id}`, { headers }));

  test('an access request naming csv and docx stores them, in that order, and GET shows them', async () => {
    const id = await create({ formats: ['csv', 'docx'] });
    assert.deepEqual(await storedFormats(pool, id), ['csv', 'docx']);
    const got = await detail(id);
    assert.deepEqual(got.formats, ['csv', 'docx']);
    assert.equal(got.exports, undefined, 'nothing exported yet');
    const received = await pool.oneFirst(sql.type(z.object({ details: z.record(z.string(), z.unknown()) }))`
      select details from dsrflow.audit_events where request_id = ${id} and action = 'request.received'`);
    assert.deepEqual(received.exportFormats, ['csv', 'docx'], 'the formats accepted are in the audit trail');
  });

  test('a portability (export) request naming none stores the configured default explicitly', async () => {
    const id = await create({ type: 'export', formats: undefined });
    assert.deepEqual(await storedFormats(pool, id), ['xml', 'pdf']);
    assert.deepEqual((await detail(id)).formats, ['xml', 'pdf']);
  });

  test('other types store no formats and show none', async () => {
    const id = await create({ type: 'erasure' });
    assert.equal(await storedFormats(pool, id), null);
    assert.equal((await detail(id)).formats, undefined);
  });

  describe('refused with 400 naming formats, nothing recorded', () => {
    const refused = async (over: Record<string, unknown>, field: string) => {
      const before = await countRequests(pool);
      const res = await app.request('/v1/requests', { method: 'POST', headers, body: body(over) });
      assert.equal(res.status, 400);
      const payload = await json(res);
      assert.equal(payload.error.code, 'VALIDATION_FAILED');
      assert.ok(payload.error.details.some((d: { field: string }) => d.field === field), JSON.stringify(payload.error.details));
      assert.match(payload.error.message, /formats/);
      assert.equal(await countRequests(pool), before);
    };
    test('an unknown format', () => refused({ formats: ['csv', 'xlsx'] }, 'formats.1'));
    test('a format named twice', () => refused({ formats: ['csv', 'csv'] }, 'formats'));
    test('an empty list', () => refused({ formats: [] }, 'formats'));
    test('not a list', () => refused({ formats: 'csv' }, 'formats'));
    test('formats on an erasure request', () => refused({ type: 'erasure', formats: ['csv'] }, 'formats'));
    test('formats on a rectification request', () => refused({ type: 'rectify', formats: ['json'], corrections: [{ model: 'users', field: 'last_name', newValue: 'X' }] }, 'formats'));
  });

  test('a connected system names formats by webhook the same way; on another type it is refused', async () => {
    const hooks = staffApp({ pool, client: (await devServer()).client });
    const send = (payload: string) =>
      hooks.request('/v1/webhooks/requests', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'dsrflow-source': 'helpdesk', 'dsrflow-signature': signWebhook(WEBHOOK_SECRET, payload, Math.floor(Date.now() / 1000)) },
        body: payload,
      });
    const ok = await send(body({ externalId: `HD-${crypto.randomUUID()}`, formats: ['json'] }));
    assert.equal(ok.status, 201);
    assert.deepEqual(await storedFormats(pool, (await json(ok)).id), ['json']);
    const bad = await send(body({ externalId: `HD-${crypto.randomUUID()}`, type: 'erasure', formats: ['json'] }));
    assert.equal(bad.status, 400);
    assert.deepEqual((await json(bad)).error.details.map((d: { field: string }) => d.field), ['formats']);
  });

  test('the OpenAPI document describes formats on the body and formats and exports on the request', async () => {
    const doc = await json(await app.request('/openapi.json'));
    const schemas = doc.components.schemas;
    assert.deepEqual(schemas.CreateRequest.properties.formats.items.enum, ['csv', 'json', 'xml', 'docx', 'pdf']);
    assert.equal(schemas.CreateRequest.properties.formats.uniqueItems, true, 'a repeated format is a 400, as the document says');
    const detail = schemas.RequestDetail.allOf.find((part: { properties?: object }) => part.properties).properties;
    assert.ok(detail.formats);
    assert.equal(detail.exports.$ref, '#/components/schemas/ExportsSummary');
    assert.deepEqual(Object.keys(schemas.ExportsSummary.properties.skipped.items.properties).sort(), ['format', 'limit', 'reason', 'rows']);
    assert.ok(schemas.WebhookRequest.properties.formats, 'webhooks take formats too');
  });
});
