import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import { html } from 'hono/html';

// Swagger UI from the pinned swagger-ui-dist package (package.json), served from node_modules: no CDN, no other host.
const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, { file: string; type: string }> = {
  'swagger-ui.css': { file: join(swaggerDir, 'swagger-ui.css'), type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: join(swaggerDir, 'swagger-ui-bundle.js'), type: 'text/javascript; charset=utf-8' },
  'init.js': { file: join(import.meta.dirname, 'docs-init.js'), type: 'text/javascript; charset=utf-8' },
};

const page = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>dsrflow API reference</title><link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head><body>
<noscript><p>The interactive reference needs JavaScript. The machine-readable document is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p></noscript>
<div id="reference"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script><script src="/docs/assets/init.js"></script>
</body></html>`;

/**
 * `/docs`: the interactive reference ("Try it out" with a bearer token from "Authorize") over `/openapi.json`.
 * Assets are read once, on first request.
 */
export function docsRouter() {
  const cache = new Map<string, Buffer>();
  const app = new Hono();
  // The app's CSP (security-headers.ts) holds here too: Swagger UI sets styles through the DOM, which CSP allows.
  app.get('/docs', (c) => c.html(page));
  app.get('/docs/assets/:name', (c) => {
    const asset = Object.hasOwn(ASSETS, c.req.param('name')) ? ASSETS[c.req.param('name')] : undefined;
    if (!asset) return c.json({ error: { code: 'ROUTE_NOT_FOUND', message: `No asset ${c.req.param('name')}` } }, 404);
    let body = cache.get(asset.file);
    if (!body) cache.set(asset.file, (body = readFileSync(asset.file)));
    return c.body(new Uint8Array(body), 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' });
  });
  return app;
}
