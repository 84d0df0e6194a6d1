import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { sql } from 'slonik';
import { hashToken } from '../../db/tokens.ts';
import { verifyUpdate } from '../../workflows/messages.ts';
import type { AppDeps } from '../deps.ts';
import { sendDecision } from '../requests/actions.handlers.ts';
import { ApiError, ErrorSchema } from '../errors.ts';

const pageResponse = (description: string) => ({ content: { 'text/html': { schema: z.string() } }, description });
const tokenParam = z.object({ token: z.string().openapi({ param: { name: 'token', in: 'path' }, description: 'The token from the emailed link' }) });
const refusals = {
  404: pageResponse('Unknown link'),
  410: pageResponse('The link was already used, or has expired'),
  429: {
    content: { 'text/html': { schema: z.string() }, 'application/json': { schema: ErrorSchema } },
    description: 'The link was tried too often (page), or too many requests from this address (JSON, with Retry-After)',
  },
};

const showRoute = createRoute({
  method: 'get',
  path: '/verify/{token}',
  tags: ['Privacy Center'],
  summary: "The subject's verification page: a confirm button (opening the link verifies nothing)",
  request: { params: tokenParam },
  responses: { 200: pageResponse('The confirm page'), ...refusals },
});

const redeemRoute = createRoute({
  method: 'post',
  path: '/verify/{token}',
  tags: ['Privacy Center'],
  summary: 'The subject confirms the request (the form on the page; single use, expiring, a few attempts)',
  request: { params: tokenParam },
  responses: { 200: pageResponse('Confirmed'), ...refusals, 409: pageResponse('The request no longer needs confirming') },
});

const MAX_ATTEMPTS = 5;
const VERIFY_CSS = 'body{font:16px system-ui;max-width:36rem;margin:3rem auto;padding:0 1rem}button{font-size:1rem;padding:.6rem 1.2rem}\n';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

const tokenRow = z.object({
  request_id: z.uuid(),
  expires_at: z.string(),
  used_at: z.string().nullable(),
  attempts: z.number(),
});

const page = (title: string, body: ReturnType<typeof html> | string) =>
  html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${title}</title><link rel="stylesheet" href="/verify/assets/verify.css"></head>
<body><h1>${title}</h1>${body}</body></html>`;

/**
 * The subject's verification link. GET only shows a confirm button (mail scanners open links; they must not
 * verify anyone), POST redeems the token: single use, expiring, a few attempts at most.
 */
export function verificationLinkRouter(deps: AppDeps) {
  const app = new OpenAPIHono();
  // A stylesheet of its own: the CSP allows no inline style.
  app.get('/verify/assets/verify.css', (c) => c.body(VERIFY_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }));
  // The token is in the URL: the app's security headers (no-store, no-referrer) keep it out of caches and Referers.
  const lookup = async (token: string) => {
    if (!TOKEN.test(token)) return null;
    return deps.pool.maybeOne(sql.type(tokenRow)`
      select request_id, expires_at, used_at, attempts from dsrflow.verification_tokens where token_hash = ${hashToken(token)}`);
  };
  const refusal = (row: z.infer<typeof tokenRow> | null, now: Date) => {
    if (!row) return { status: 404 as const, title: 'Link not found', text: 'This link is not valid. Check that you copied all of it.' };
    if (row.used_at) return { status: 410 as const, title: 'Link already used', text: 'This link was already used to confirm your request.' };
    if (Date.parse(row.expires_at) < now.getTime()) return { status: 410 as const, title: 'Link expired', text: 'This link has expired. Please submit your request again.' };
    if (row.attempts >= MAX_ATTEMPTS) return { status: 429 as const, title: 'Too many attempts', text: 'This link was tried too often. Please contact us.' };
    return null;
  };

  app.openapi(showRoute, (async (c: Context) => {
    const row = await lookup(c.req.param('token') ?? '');
    const refused = refusal(row, deps.now());
    if (refused) return c.html(page(refused.title, html`<p>${refused.text}</p>`), refused.status);
    return c.html(page('Confirm your request', html`<p>Please confirm that you made this request.</p><form method="post"><button type="submit">Yes, it was me</button></form>`));
  }) as never);

  app.openapi(redeemRoute, (async (c: Context) => {
    const token = c.req.param('token') ?? '';
    const row = await lookup(token);
    const refused = refusal(row, deps.now());
    if (refused || !row) return c.html(page(refused!.title, html`<p>${refused!.text}</p>`), refused!.status);
    await deps.pool.query(sql.unsafe`update dsrflow.verification_tokens set attempts = attempts + 1 where request_id = ${row.request_id}`);
    try {
      await sendDecision(deps, row.request_id, verifyUpdate, () => ({ outcome: 'verified' as const, method: 'email_link' as const, actor: 'subject' }), { author: 'subject' });
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        return c.html(page('Nothing to confirm', html`<p>This request no longer needs confirming.</p>`), 409);
      }
      throw error;
    }
    await deps.pool.query(sql.unsafe`update dsrflow.verification_tokens set used_at = now() where request_id = ${row.request_id} and used_at is null`);
    return c.html(page('Thank you', html`<p>Your request is confirmed. We will email you when it is complete.</p>`));
  }) as never);
  return app;
}
