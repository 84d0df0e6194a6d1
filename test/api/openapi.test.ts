import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { App } from '../../src/api/app.ts';
import { json } from '../support/app.ts';
import { devServer, postgres } from '../support/stack.ts';
import { staffApp } from './staff-support.ts';

// Every route the API serves, as OpenAPI writes it. A new route must be added here and to the document.
const EXPECTED = [
  'GET /healthz',
  'GET /downloads/{token}',
  'POST /v1/webhooks/requests',
  'POST /v1/requests',
  'GET /v1/requests',
  'GET /v1/stats',
  'GET /v1/requests/{id}',
  'GET /v1/requests/{id}/corrections',
  'POST /v1/requests/{id}/verification',
  'POST /v1/requests/{id}/assessment',
  'POST /v1/requests/{id}/extension',
  'POST /v1/requests/{id}/cancellation',
  'POST /v1/requests/{id}/completion',
  'POST /v1/requests/{id}/suppressions/{suppressionId}/lift',
  'POST /v1/requests/{id}/legal-holds/{basis}/lift',
  'GET /v1/requests/{id}/audit',
  'GET /v1/audit',
  'GET /v1/audit/verify',
  'GET /v1/subjects',
  'GET /v1/subjects/{did}',
  'POST /v1/requests/{id}/duplicate',
];
// Served but deliberately not in the document: HTML pages for people, and the documents themselves.
const UNDOCUMENTED = new Set(['GET /verify/:token', 'POST /verify/:token', 'GET /openapi.json', 'GET /docs']);

type Operation = { security?: unknown[]; responses: Record<string, { content?: Record<string, { schema?: unknown }> }>; requestBody?: { content: Record<string, { schema?: unknown }> } };

describe('the OpenAPI document', () => {
  let app: App;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };

  before(async () => {
    app = staffApp({ pool: (await postgres()).pool, client: (await devServer()).client });
    const res = await app.request('/openapi.json');
    assert.equal(res.status, 200);
    doc = await json(res);
  });

  const documented = () => Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));

  test('is a valid OpenAPI 3.1 document (checked by an independent schema validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as never);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1)?.slice(0, 2000));
    assert.equal(validator.version, '3.1');
  });

  test('lists every route, and only those', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(new Set(documented()), new Set(EXPECTED));
    // Every route the app really serves is documented (Hono's `:param` is OpenAPI's `{param}`).
    const served = new Set(
      app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    for (const route of served) {
      if (UNDOCUMENTED.has(route.replace(/\{(\w+)\}/g, ':$1'))) continue;
      assert.ok(EXPECTED.includes(route), `${route} is served but not documented`);
    }
  });

  test('the bearer scheme, and every staff route requires it', () => {
    assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', description: 'API token (dsr_...)' });
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const staff = path.startsWith('/v1/') && !path.startsWith('/v1/webhooks/');
        assert.equal(Boolean(op.security?.some((s) => Object.hasOwn(s as object, 'bearer'))), staff, `${method} ${path}`);
      }
    }
  });

  test('every operation has response schemas, and every body a request schema', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
        assert.ok(success.length > 0, `${method} ${path} has a success response`);
        for (const [status, r] of Object.entries(op.responses)) {
          assert.ok(Object.values(r.content ?? {}).every((m) => m.schema), `${method} ${path} ${status} has a schema`);
        }
        if (method === 'post') assert.ok(op.requestBody?.content['application/json']?.schema, `${method} ${path} has a body schema`);
      }
    }
  });

  test('/docs is a self-contained reference of the same routes', async () => {
    const res = await app.request('/docs');
    assert.equal(res.status, 200);
    const page = await res.text();
    for (const route of EXPECTED) assert.ok(page.includes(`<code>${route.split(' ')[1]}</code>`), route);
    assert.doesNotMatch(page, /<script|<link|src=|@import|https?:\/\/(?!localhost)/, 'loads nothing from anywhere');
  });
});
