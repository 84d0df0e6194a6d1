import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { sql } from 'slonik';
import { hashToken } from '../../db/tokens.ts';
import { verifyUpdate } from '../../workflows/messages.ts';
import type { AppDeps } from '../deps.ts';
import { sendDecision } from '../requests/actions.handlers.ts';
import { ApiError, ErrorSchema } from '../errors.ts';
import { isLocale, messagesFor, pickLocale, type Locale } from '../../locales/index.ts';
import { publicLayout } from '../privacy-center/layout.ts';

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
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

const tokenRow = z.object({
  request_id: z.uuid(),
  expires_at: z.string(),
  used_at: z.string().nullable(),
  attempts: z.number(),
  locale: z.string().nullable(),
});

// In the subject's language (stored with the request; Accept-Language for a link we do not know), in the Privacy Center's look.
const page = (locale: Locale, title: string, body: ReturnType<typeof html> | string) => publicLayout({ locale, title, body: html`<h1>${title}</h1><div class="card">${body}</div>` });

/**
 * The subject's verification link. GET only shows a confirm button (mail scanners open links; they must not
 * verify anyone), POST redeems the token: single use, expiring, a few attempts at most.
 */
export function verificationLinkRouter(deps: AppDeps) {
  const app = new OpenAPIHono();
  // The token is in the URL: no cache may keep the page, and no Referer may carry it elsewhere.
  app.use('/verify/*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Content-Type-Options', 'nosniff');
  });
  const lookup = async (token: string) => {
    if (!TOKEN.test(token)) return null;
    return deps.pool.maybeOne(sql.type(tokenRow)`
      select v.request_id, v.expires_at, v.used_at, v.attempts, r.locale from dsrflow.verification_tokens v join dsrflow.requests r on r.id = v.request_id
      where v.token_hash = ${hashToken(token)}`);
  };
  const localeOf = (c: Context, row: z.infer<typeof tokenRow> | null): Locale => (isLocale(row?.locale) ? row.locale : pickLocale(c.req.header('accept-language')));
  const refusal = (row: z.infer<typeof tokenRow> | null, now: Date, locale: Locale) => {
    const t = messagesFor(locale).verify;
    if (!row) return { status: 404 as const, title: t.notFoundTitle, text: t.notFoundText };
    if (row.used_at) return { status: 410 as const, title: t.usedTitle, text: t.usedText };
    if (Date.parse(row.expires_at) < now.getTime()) return { status: 410 as const, title: t.expiredTitle, text: t.expiredText };
    if (row.attempts >= MAX_ATTEMPTS) return { status: 429 as const, title: t.tooManyTitle, text: t.tooManyText };
    return null;
  };

  app.openapi(showRoute, (async (c: Context) => {
    const row = await lookup(c.req.param('token') ?? '');
    const locale = localeOf(c, row);
    const t = messagesFor(locale).verify;
    const refused = refusal(row, deps.now(), locale);
    if (refused) return c.html(page(locale, refused.title, html`<p>${refused.text}</p>`), refused.status);
    return c.html(page(locale, t.confirmTitle, html`<p>${t.confirmText}</p><form method="post"><button type="submit">${t.confirmButton}</button></form>`));
  }) as never);

  app.openapi(redeemRoute, (async (c: Context) => {
    const token = c.req.param('token') ?? '';
    const row = await lookup(token);
    const locale = localeOf(c, row);
    const t = messagesFor(locale).verify;
    const refused = refusal(row, deps.now(), locale);
    if (refused || !row) return c.html(page(locale, refused!.title, html`<p>${refused!.text}</p>`), refused!.status);
    await deps.pool.query(sql.unsafe`update dsrflow.verification_tokens set attempts = attempts + 1 where request_id = ${row.request_id}`);
    try {
      await sendDecision(deps, row.request_id, verifyUpdate, () => ({ outcome: 'verified' as const, method: 'email_link' as const, actor: 'subject' }), { author: 'subject' });
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        return c.html(page(locale, t.nothingTitle, html`<p>${t.nothingText}</p>`), 409);
      }
      throw error;
    }
    await deps.pool.query(sql.unsafe`update dsrflow.verification_tokens set used_at = now() where request_id = ${row.request_id} and used_at is null`);
    return c.html(page(locale, t.thanksTitle, html`<p>${t.thanksText}</p>`));
  }) as never);
  return app;
}
