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
  'GET /readyz',
  'GET /metrics',
  'GET /downloads/{token}',
  'GET /verify/{token}',
  'POST /verify/{token}',
  'POST /codec/decode',
  'POST /codec/encode',
  'POST /v1/webhooks/requests',
  'POST /v1/webhooks/gpc',
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
  'GET /v1/organizations/{organizationId}/privacy-center-settings',
  'PUT /v1/organizations/{organizationId}/privacy-center-settings',
  'GET /v1/requests/{id}/audit',
  'GET /v1/audit',
  'GET /v1/audit/verify',
  'GET /v1/subjects',
  'GET /v1/subjects/{did}',
  'POST /v1/requests/{id}/duplicate',
  'GET /privacy/{organization}',
  'POST /privacy/{organization}',
  'GET /privacy/status/{token}',
  'POST /privacy/status/{token}/withdraw',
  'POST /privacy/status/{token}/resend',
  'POST /privacy/status/{token}/appeal',
  'GET /privacy/status/{token}/exports/{exportId}',
  'POST /privacy/status/{token}/identity-document',
  'GET /privacy/widget.js',
  'GET /privacy/{organization}/embed.json',
  'POST /v1/requests/{id}/appeal',
  'GET /v1/requests/{id}/appeal',
  'POST /v1/requests/{id}/appeal/decision',
  'POST /v1/requests/{id}/appeal/extension',
  'GET /appeal/{token}',
  'POST /appeal/{token}',
];
// Served but deliberately not in the document: the documents themselves and the reference page's assets.
const UNDOCUMENTED = new Set(['GET /openapi.json', 'GET /docs', 'GET /docs/assets/:name', 'GET /privacy/assets/:name']);

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
      // The staff console's HTML pages and forms are not part of the JSON API (docs/console.md lists them).
      if (/^[A-Z]+ \/console(\/|$)/.test(route)) continue;
      if (UNDOCUMENTED.has(route.replace(/\{(\w+)\}/g, ':$1'))) continue;
      assert.ok(EXPECTED.includes(route), `${route} is served but not documented`);
    }
  });

  test('the bearer scheme, and every staff route requires it', () => {
    assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', description: 'API token (dsr_...)' });
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        // The codec server (the Temporal CLI's endpoint) takes the same tokens.
        const staff = (path.startsWith('/v1/') && !path.startsWith('/v1/webhooks/')) || path.startsWith('/codec/');
        assert.equal(Boolean(op.security?.some((s) => Object.hasOwn(s as object, 'bearer'))), staff, `${method} ${path}`);
      }
    }
  });

  test('every operation has response schemas, and every body a request schema', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        // An HTML form's button answers 303 See Other back to its page (the Privacy Center's status actions).
        const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2') || (status === '303' && path.startsWith('/privacy/')));
        assert.ok(success.length > 0, `${method} ${path} has a success response`);
        for (const [status, r] of Object.entries(op.responses)) {
          assert.ok(Object.values(r.content ?? {}).every((m) => m.schema), `${method} ${path} ${status} has a schema`);
        }
        // The verification form posts nothing but its URL; the appeal page and the Privacy Center post their forms
        // as a browser does (urlencoded; multipart for a document upload); every other body is JSON.
        if (method === 'post' && path.endsWith('/identity-document')) {
          assert.ok(op.requestBody?.content['multipart/form-data']?.schema, `${method} ${path} has a form schema`);
        } else if (method === 'post' && (path.startsWith('/appeal/') || (path.startsWith('/privacy/') && !path.endsWith('/resend')))) {
          assert.ok(op.requestBody?.content['application/x-www-form-urlencoded']?.schema, `${method} ${path} has a form schema`);
        } else if (method === 'post' && !path.startsWith('/verify/') && !path.startsWith('/privacy/')) assert.ok(op.requestBody?.content['application/json']?.schema, `${method} ${path} has a body schema`);
      }
    }
  });

  test('every status the middleware can answer is listed: 400, 401/403 with a token, 413 with a body, 429 on public routes, 503', () => {
    const statuses = (method: string, path: string) => Object.keys(doc.paths[path]![method]!.responses).sort();
    assert.deepEqual(statuses('post', '/v1/requests'), ['201', '400', '401', '403', '409', '413', '503']);
    assert.deepEqual(statuses('get', '/v1/audit/verify'), ['200', '400', '401', '403', '503']);
    assert.deepEqual(statuses('post', '/v1/webhooks/requests'), ['200', '201', '400', '401', '413', '429', '503']);
    assert.deepEqual(statuses('get', '/downloads/{token}'), ['200', '206', '400', '404', '410', '416', '429', '503']);
    assert.deepEqual(statuses('post', '/verify/{token}'), ['200', '400', '404', '409', '410', '429', '503']);
    assert.deepEqual(statuses('post', '/privacy/{organization}'), ['200', '400', '404', '409', '413', '429', '503']);
    assert.deepEqual(statuses('post', '/privacy/status/{token}/withdraw'), ['303', '400', '404', '410', '413', '429', '503']);
    assert.deepEqual(statuses('post', '/privacy/status/{token}/resend'), ['303', '400', '404', '410', '429', '503']);
    assert.deepEqual(Object.keys(doc.paths['/privacy/{organization}']!.post!.responses['429']!.content!).sort(), ['application/json', 'text/html'], 'the form’s page, or the shared limiter’s JSON');
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        assert.ok(op.responses['503'], `${method} ${path} documents 503`);
        if (op.requestBody) assert.ok(op.responses['413'], `${method} ${path} documents 413`);
        if (op.security?.length) assert.ok(op.responses['401'] && op.responses['403'], `${method} ${path} documents 401 and 403`);
      }
    }
    assert.ok(doc.paths['/v1/requests']!.post!.responses['503']!.content?.['application/json']?.schema, 'in the shared error shape');
  });

  test('the created request links to every operation on it, with its id', () => {
    const links = (doc.paths['/v1/requests']!.post!.responses['201'] as { links?: Record<string, { operationRef: string; parameters: unknown }> }).links ?? {};
    const onRequest = documented().filter((r) => r.includes(' /v1/requests/{id}'));
    assert.equal(Object.keys(links).length, onRequest.length);
    assert.deepEqual(links.getRequest, { operationRef: '#/paths/~1v1~1requests~1%7Bid%7D/get', parameters: { id: '$response.body#/id' } });
    assert.deepEqual(links.postVerification?.operationRef, '#/paths/~1v1~1requests~1%7Bid%7D~1verification/post');
  });

  test('each export format is downloaded with its real media type; JSON is described as a document, not bytes', () => {
    const content = doc.paths['/downloads/{token}']!.get!.responses['200']!.content!;
    assert.deepEqual(Object.keys(content).sort(), [
      'application/json',
      'application/pdf',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/xml',
      'application/zip',
    ]);
    assert.deepEqual(content['application/zip']!.schema, { type: 'string', format: 'binary', description: 'A ZIP of one CSV file per model' });
    assert.deepEqual(content['application/json']!.schema, { $ref: '#/components/schemas/SubjectExport' });
    assert.equal((content['application/xml']!.schema as { format?: string }).format, undefined, 'XML is text');
  });

  test('the verification pages are documented as HTML, with their refusals', () => {
    const get = doc.paths['/verify/{token}']!.get!;
    assert.ok(get.responses['200']!.content!['text/html']);
    assert.ok(get.responses['410']!.content!['text/html']);
    assert.deepEqual(Object.keys(get.responses['429']!.content!).sort(), ['application/json', 'text/html']);
  });

  test('/docs is Swagger UI from node_modules: its assets are served here, nothing comes from another host, no inline script', async () => {
    const res = await app.request('/docs');
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self';/);
    assert.doesNotMatch(csp, /unsafe-inline[^;]*;.*script-src|script-src[^;]*unsafe/);
    const page = await res.text();
    const scripts = [...page.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)];
    assert.deepEqual(scripts.map((m) => m[1]!.trim()), ['src="/docs/assets/swagger-ui-bundle.js"', 'src="/docs/assets/init.js"']);
    assert.ok(scripts.every((m) => m[2] === ''), 'no inline script');
    assert.doesNotMatch(page, /https?:\/\//, 'the page names no host');

    const version = (await import('swagger-ui-dist/package.json', { with: { type: 'json' } })).default.version;
    assert.equal(version, '5.35.0', 'the version pinned in package.json');
    for (const [asset, type] of [['swagger-ui-bundle.js', 'text/javascript'], ['swagger-ui.css', 'text/css'], ['init.js', 'text/javascript']] as const) {
      const r = await app.request(`/docs/assets/${asset}`);
      assert.equal(r.status, 200, asset);
      assert.match(r.headers.get('content-type') ?? '', new RegExp(`^${type}`), asset);
      assert.ok((await r.arrayBuffer()).byteLength > 300, asset);
    }
    const init = await (await app.request('/docs/assets/init.js')).text();
    assert.match(init, /url: '\/openapi\.json'/);
    assert.match(init, /validatorUrl: null/, 'the document is never sent to validator.swagger.io');
    assert.doesNotMatch(init, /https?:\/\//);
    const css = await (await app.request('/docs/assets/swagger-ui.css')).text();
    assert.ok(!/url\((?!\s*["']?data:)/.test(css) && !/@import/.test(css), 'the stylesheet loads nothing (inline data: images only)');
    assert.equal((await app.request('/docs/assets/index.html')).status, 404, 'only the named assets');
    assert.equal((await app.request('/docs/assets/constructor')).status, 404);
  });
});
