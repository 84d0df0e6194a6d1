import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { sql } from 'slonik';
import { findAppealToken } from '../../db/appeals.ts';
import { findRequest } from '../../db/requests.ts';
import { hashToken } from '../../db/tokens.ts';
import { appealRuleFor } from '../../domain/appeals.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError, ErrorSchema } from '../errors.ts';
import { fileAppeal } from './file-appeal.ts';

// The consumer's side of an appeal: the link in a refusal (or a partial answer) opens a page with one question, "why
// do you disagree?", and a button; GET shows it (mail scanners open links), POST files the appeal. The Privacy
// Center's status page can call fileAppeal() the same way once it exists.

const pageResponse = (description: string) => ({ content: { 'text/html': { schema: z.string() } }, description });
const tokenParam = z.object({ token: z.string().openapi({ param: { name: 'token', in: 'path' }, description: 'The token from the emailed link' }) });
const refusals = {
  404: pageResponse('Unknown link'),
  410: pageResponse('The link was already used'),
  429: { content: { 'text/html': { schema: z.string() }, 'application/json': { schema: ErrorSchema } }, description: 'Tried too often (page), or too many requests from this address (JSON)' },
};

const showRoute = createRoute({
  method: 'get',
  path: '/appeal/{token}',
  tags: ['Privacy Center'],
  summary: "The consumer's appeal page: why they disagree, and a button (opening the link files nothing)",
  request: { params: tokenParam },
  responses: { 200: pageResponse('The appeal form'), ...refusals },
});

const fileRoute = createRoute({
  method: 'post',
  path: '/appeal/{token}',
  tags: ['Privacy Center'],
  summary: 'The consumer files the appeal (the form on the page; single use)',
  request: {
    params: tokenParam,
    body: { content: { 'application/x-www-form-urlencoded': { schema: z.object({ statement: z.string().max(4000).optional() }) } }, required: false },
  },
  responses: { 200: pageResponse('Filed: the decision date'), 400: pageResponse('The statement is too long'), ...refusals, 409: pageResponse('The decision cannot be appealed (any more)') },
});

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const MAX_ATTEMPTS = 5;

const page = (title: string, body: ReturnType<typeof html> | string) =>
  html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${title}</title><style>body{font:16px system-ui;max-width:36rem;margin:3rem auto;padding:0 1rem}textarea{width:100%;font:inherit}button{font-size:1rem;padding:.6rem 1.2rem;margin-top:1rem}label{font-weight:600;display:block;margin-bottom:.4rem}</style></head>
<body><main><h1>${title}</h1>${body}</main></body></html>`;

export function appealPageRouter(deps: AppDeps) {
  // A form the schema refuses (a statement too long) gets a page, as every answer of these routes.
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) return c.html(page('Too long', html`<p>Please keep your reasons under 4,000 characters.</p>`), 400);
    },
  });
  // The token is in the URL: no cache may keep the page, and no Referer may carry it elsewhere.
  app.use('/appeal/*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
  });
  const lookup = async (token: string) => (TOKEN.test(token) ? findAppealToken(deps.pool, hashToken(token)) : null);
  const refused = (row: Awaited<ReturnType<typeof lookup>>) => {
    if (!row) return { status: 404 as const, title: 'Link not found', text: 'This link is not valid. Check that you copied all of it.' };
    if (row.used_at) return { status: 410 as const, title: 'Appeal already filed', text: 'You have already appealed with this link. We will write to you with our decision.' };
    if (row.attempts >= MAX_ATTEMPTS) return { status: 429 as const, title: 'Too many attempts', text: 'This link was tried too often. Please reply to our email instead.' };
    return null;
  };

  app.openapi(showRoute, (async (c: Context) => {
    const row = await lookup(c.req.param('token') ?? '');
    const no = refused(row);
    if (no) return c.html(page(no.title, html`<p>${no.text}</p>`), no.status);
    const request = (await findRequest(deps.pool, row!.request_id))!;
    const rule = appealRuleFor(request.regulation);
    return c.html(
      page(
        'Appeal our decision',
        html`<p>You may ask us to review our decision on your ${request.type} request ${request.id}. We will review it and reply in writing, with our reasons, within ${rule?.decisionWithin.amount ?? 60} days.</p>
<form method="post"><label for="statement">Why do you disagree with our decision? (optional)</label><textarea id="statement" name="statement" rows="6" maxlength="4000"></textarea>
<button type="submit">Send my appeal</button></form>`,
      ),
    );
  }) as never);

  app.openapi(fileRoute, (async (c: Context) => {
    const token = c.req.param('token') ?? '';
    const row = await lookup(token);
    const no = refused(row);
    if (no || !row) return c.html(page(no!.title, html`<p>${no!.text}</p>`), no!.status);
    await deps.pool.query(sql.unsafe`update dsrflow.appeal_tokens set attempts = attempts + 1 where request_id = ${row.request_id}`);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const statement = typeof form.statement === 'string' ? form.statement.replaceAll('\u0000', '').trim() : '';
    if (statement.length > 4000) return c.html(page('Too long', html`<p>Please keep your reasons under 4,000 characters.</p>`), 400);
    try {
      const appeal = await fileAppeal(deps, row.request_id, { channel: 'subject', actor: 'subject', statement: statement || undefined });
      await deps.pool.query(sql.unsafe`update dsrflow.appeal_tokens set used_at = now() where request_id = ${row.request_id} and used_at is null`);
      return c.html(page('Appeal received', html`<p>Thank you. We received your appeal (reference ${appeal.id}) and will write to you with our decision by ${appeal.due_at.slice(0, 10)} at the latest.</p>`));
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) return c.html(page('This decision cannot be appealed', html`<p>${error.message}.</p>`), 409);
      throw error;
    }
  }) as never);
  return app;
}
