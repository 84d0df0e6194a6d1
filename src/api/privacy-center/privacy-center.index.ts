import { readFileSync } from 'node:fs';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { REQUEST_TYPES } from '../../domain/request.ts';
import { CA_PROVINCES, RESIDENCE_COUNTRIES, US_STATES } from '../../domain/residence.ts';
import { LOCALES } from '../../locales/index.ts';
import type { AppDeps } from '../deps.ts';
import { ErrorSchema } from '../errors.ts';
import { DOWNLOAD_CONTENT } from '../downloads/downloads.routes.ts';
import { privacyForm } from './form.ts';
import { statusPages } from './status.ts';
import { CORRECTION_ROWS } from './form-views.ts';

// The Privacy Center (docs/privacy-center.md): the public form at /privacy/{organization} and the subject's status
// page behind the private link of every email. HTML pages, documented in /openapi.json like every route.

const ASSETS: Record<string, { body: string; type: string }> = {
  'privacy.css': { body: readFileSync(new URL('./privacy.css', import.meta.url), 'utf8'), type: 'text/css; charset=utf-8' },
  'challenge.js': { body: readFileSync(new URL('./challenge.js', import.meta.url), 'utf8'), type: 'text/javascript; charset=utf-8' },
};

export const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
// The form's own page, or the JSON of what stands in front of it (the shared limiter, the database check).
const htmlOrError = (description: string) => ({ description, content: { 'text/html': { schema: z.string() }, 'application/json': { schema: ErrorSchema } } });
const organizationParam = z.object({
  organization: z.string().openapi({ param: { name: 'organization', in: 'path' }, description: 'The organization’s id (its Privacy Center’s address)', example: 'default' }),
});
const REGION_VALUES = [...Object.keys(US_STATES).map((s) => `US-${s}`), ...Object.keys(CA_PROVINCES).map((p) => `CA-${p}`)] as [string, ...string[]];
const stepQuery = z.object({
  lang: z.enum(LOCALES).optional().openapi({ description: 'The page’s language; default: from Accept-Language' }),
  country: z.enum(RESIDENCE_COUNTRIES).optional().openapi({ description: 'Where the person lives (ISO 3166-1 alpha-2)' }),
  region: z.enum(REGION_VALUES).optional().openapi({ description: 'US state or Canadian province, as US-CA or CA-QC' }),
  type: z.enum(REQUEST_TYPES).optional().openapi({ description: 'The right chosen: shows the details form when the residence’s law grants it' }),
});
const submission = z.object({
  ...stepQuery.shape,
  email: z.string().max(320),
  customerId: z.string().max(200).optional(),
  fullName: z.string().max(300).optional(),
  phone: z.string().max(50).optional(),
  ...Object.fromEntries(Array.from({ length: CORRECTION_ROWS }, (_, i) => [[`correction-field-${i + 1}`, z.string().max(63).optional()], [`correction-value-${i + 1}`, z.string().max(1000).optional()]]).flat()),
  website: z.string().optional().openapi({ description: 'The honeypot: left empty by people' }),
  challenge: z.string().openapi({ description: 'The signed challenge of the form (challenge.ts)' }),
  solution: z.string().optional().openapi({ description: 'The proof of work found by challenge.js; without it the challenge must be 15 s old' }),
});

export function privacyCenterRouter(deps: AppDeps) {
  const app = new OpenAPIHono();
  const form = privacyForm(deps);
  app.get('/privacy/assets/:name', (c) => {
    const asset = Object.hasOwn(ASSETS, c.req.param('name')) ? ASSETS[c.req.param('name')] : undefined;
    if (!asset) return c.json({ error: { code: 'ROUTE_NOT_FOUND', message: 'No such asset' } }, 404);
    c.header('Cache-Control', 'public, max-age=3600');
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(asset.body, 200, { 'Content-Type': asset.type });
  });

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/privacy/{organization}',
    tags: ['Privacy Center'],
    summary: 'The public request form, one step per page: where you live, which right, your details',
    description: 'HTML. The residence decides the regulation and the rights offered (src/domain/residence.ts); no JavaScript needed.',
    request: { params: organizationParam, query: stepQuery },
    responses: { 200: htmlPage('The step the query has reached'), 400: htmlPage('An answer of the query is not valid (named on the page)'), 404: htmlPage('No organization at this address') },
  });
  app.get('/privacy/:organization', form.show);

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/privacy/{organization}',
    tags: ['Privacy Center'],
    summary: 'Submit a request from the form: checked (honeypot, challenge, limits, duplicates), recorded, its workflow started',
    description: 'HTML. A refused submission records nothing. The confirmation names the request reference and its due date.',
    request: { params: organizationParam, body: { content: { 'application/x-www-form-urlencoded': { schema: submission } }, required: true } },
    responses: {
      200: htmlPage('The confirmation page (also for the same form posted again)'),
      400: htmlPage('A field, the honeypot or the challenge refused the form; the page names each problem'),
      404: htmlPage('No organization at this address'),
      409: htmlPage('This email address already has an open request of this type, or too many open requests'),
      429: htmlOrError('Too many submissions from this address or for this email address; see Retry-After'),
      503: htmlOrError('Temporal or the database did not answer; nothing was recorded'),
    },
  });
  app.post('/privacy/:organization', form.submit);

  const status = statusPages(deps);
  const tokenParam = z.object({ token: z.string().openapi({ param: { name: 'token', in: 'path' }, description: 'The private token of the status link in the subject’s emails' }) });
  const langQuery = z.object({ lang: z.enum(LOCALES).optional().openapi({ description: 'The page’s language; default: the one stored with the request' }) });
  const refusals = { 404: htmlPage('Unknown link'), 410: htmlPage('The link has expired') };
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/privacy/status/{token}',
    tags: ['Privacy Center'],
    summary: 'The subject’s status page: this request in plain words, its due date, what happens next, its files, withdraw and re-send',
    description: 'HTML, Cache-Control: no-store. The link opens this one request only; no staff notes.',
    request: {
      params: tokenParam,
      query: langQuery.extend({
        done: z.enum(['withdrawn', 'resent']).optional().openapi({ description: 'The notice after an action' }),
        refused: z.enum(['withdraw', 'resend', 'busy', 'unconfirmed']).optional().openapi({ description: 'The refusal after an action' }),
      }),
    },
    responses: { 200: htmlPage('The status page'), ...refusals },
  });
  app.get('/privacy/status/:token', status.show);
  for (const [action, summary] of [
    ['withdraw', 'The subject withdraws the request (the workflow’s cancel Update, audited as the subject)'],
    ['resend', 'The subject asks for the confirmation link again (at most 3 times; the earlier link stops working)'],
  ] as const) {
    app.openAPIRegistry.registerPath({
      method: 'post',
      path: `/privacy/status/{token}/${action}`,
      tags: ['Privacy Center'],
      summary,
      description: 'A form button of the status page; answers with a redirect back to it, naming what happened (or why not).',
      request: {
        params: tokenParam,
        query: langQuery,
        ...(action === 'withdraw'
          ? { body: { content: { 'application/x-www-form-urlencoded': { schema: z.object({ confirm: z.enum(['yes']).optional().openapi({ description: 'The ticked box; without it nothing is withdrawn (refused=unconfirmed)' }) }) } } } }
          : {}),
      },
      responses: { 303: { description: 'Back to the status page, with `done` or `refused`', headers: { Location: { schema: { type: 'string' } } } }, ...refusals },
    });
    app.post(`/privacy/status/:token/${action}`, status[action]);
  }
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/privacy/status/{token}/exports/{exportId}',
    tags: ['Privacy Center'],
    summary: 'One of the request’s export files, while its download period lasts (each download audited)',
    request: { params: tokenParam.extend({ exportId: z.string().openapi({ param: { name: 'exportId', in: 'path' }, description: 'An export of this request, as linked from the page' }) }), query: langQuery },
    responses: { 200: { description: 'The export file', content: DOWNLOAD_CONTENT }, 404: htmlPage('Unknown link, or no such file of this request'), 410: htmlPage('The link or the download period has expired') },
  });
  app.get('/privacy/status/:token/exports/:exportId', status.download);
  return app;
}
