import { html, raw } from 'hono/html';

type Operation = { summary?: string; description?: string; tags?: string[]; security?: unknown[]; responses?: Record<string, { description?: string }> };
interface OpenApiDocument {
  info: { title: string; version: string; description?: string | undefined };
  paths?: object | undefined;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * `/docs`: a readable reference generated from the OpenAPI document, self-contained (no script, no font, nothing
 * fetched from another host), so opening it sends no traffic off the machine. Tools that want more load
 * `/openapi.json`.
 */
export function referencePage(doc: OpenApiDocument) {
  const paths = (doc.paths ?? {}) as Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
  const operations = Object.entries(paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method]! })),
  );
  const tags = [...new Set(operations.map((o) => o.op.tags?.[0] ?? 'Other'))];
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${doc.info.title} reference</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
code{font:13px ui-monospace,monospace}h2{margin-top:2rem;border-bottom:1px solid #ddd}
details{border:1px solid #e3e3e3;border-radius:6px;margin:.4rem 0;padding:.4rem .7rem}
summary{cursor:pointer}.m{display:inline-block;width:4.2rem;font-weight:600;text-transform:uppercase}
.get{color:#0a6}.post{color:#05c}.lock{color:#a60;font-size:12px}pre{background:#f6f6f6;padding:.6rem;overflow:auto}
</style></head><body>
<h1>${doc.info.title} <small>${doc.info.version}</small></h1>
<p>${doc.info.description ?? ''}. The machine-readable document is <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI 3.1).
Routes marked <span class="lock">bearer</span> need <code>Authorization: Bearer &lt;token&gt;</code>.</p>
${tags.map(
  (tag) => html`<h2>${tag}</h2>
${operations
  .filter((o) => (o.op.tags?.[0] ?? 'Other') === tag)
  .map(
    (o) => html`<details><summary><span class="m ${o.method}">${o.method}</span><code>${o.path}</code> ${o.op.summary ?? ''}
${o.op.security?.length ? html`<span class="lock">bearer</span>` : ''}</summary>
${o.op.description ? html`<p>${o.op.description}</p>` : ''}
<ul>${Object.entries(o.op.responses ?? {}).map(([status, r]) => html`<li><code>${status}</code> ${r.description ?? ''}</li>`)}</ul>
<pre>${raw(escapeJson({ ...o.op, responses: undefined }))}</pre></details>`,
  )}`,
)}
</body></html>`;
}

const escapeJson = (v: unknown) =>
  JSON.stringify(v, null, 2).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
