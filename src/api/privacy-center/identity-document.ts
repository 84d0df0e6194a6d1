import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { findStatusLink } from '../../db/privacy-center.ts';
import { identityDocumentAsked, listDocuments, storeDocument } from '../../db/request-documents.ts';
import { findRequest, type RequestRow } from '../../db/requests.ts';
import { isLocale, messagesFor, pickLocale, type Locale } from '../../locales/index.ts';
import type { AppDeps } from '../deps.ts';
import { ErrorSchema } from '../errors.ts';
import { errorSummary, publicLayout, type Html } from './layout.ts';
import type { StatusSlotContext } from './slot-context.ts';
import { readUpload } from './uploads.ts';

// Identity documents (docs/privacy-center.md "Documents"): where the organization requires one for the type, or staff
// ask for one, the status page offers the upload while the request awaits verification. Staff see it in the console
// and decide; the worker deletes it (key, then file) once the identity is decided.

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The upload form, with why the last one was refused when it was. */
function uploadForm(locale: Locale, token: string, received: boolean, problem?: string): Html {
  const t = messagesFor(locale).extras;
  return html`<div class="card" id="identity-document"><h2>${t.identityHeading}</h2>
${received ? html`<p class="notice" role="status">${t.identityReceived}</p>` : html`<p>${t.identityExplain}</p>`}
<form method="post" action="/privacy/status/${token}/identity-document?lang=${locale}" enctype="multipart/form-data" novalidate>
<div class="field${problem ? ' field-error' : ''}"><label for="f-identity">${t.identityFile}</label><p class="hint" id="f-identity-hint">${t.permissionHint}</p>${problem ? html`<p class="field-message" id="f-identity-error">${problem}</p>` : ''}
<input id="f-identity" name="identity" type="file" accept=".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg" aria-describedby="f-identity-hint${problem ? ' f-identity-error' : ''}"></div>
<button type="submit">${t.identitySubmit}</button>
</form></div>`;
}

const wantsDocument = async (deps: AppDeps, r: RequestRow) => r.status === 'awaiting_verification' && (await identityDocumentAsked(deps.pool, r.id));
const received = async (deps: AppDeps, r: RequestRow) => (await listDocuments(deps.pool, r.id)).some((d) => d.kind === 'identity' && d.deleted_at === null);

/** The status page's section: the upload while a document is wanted. */
export async function identityDocumentSection(s: StatusSlotContext): Promise<Html | ''> {
  if (!(await wantsDocument(s.deps, s.request))) return '';
  return uploadForm(s.locale, s.token, await received(s.deps, s.request));
}

/** POST /privacy/status/{token}/identity-document: checked (bytes, size), encrypted, audited as the subject. */
async function upload(c: Context, deps: AppDeps) {
  const token = c.req.param('token') ?? '';
  const link = TOKEN.test(token) ? await findStatusLink(deps.pool, token) : null;
  const request = link && Date.parse(link.expires_at) > deps.now().getTime() ? await findRequest(deps.pool, link.request_id) : null;
  const chosen = c.req.query('lang');
  const locale = isLocale(chosen) ? chosen : isLocale(request?.locale) ? request.locale : pickLocale(c.req.header('accept-language'));
  const t = messagesFor(locale);
  const page = (title: string, body: Html, status: 400 | 404 | 409 | 503) => c.html(publicLayout({ locale, title, body }), status);
  if (!request) return page(t.status.linkInvalidTitle, html`<h1>${t.status.linkInvalidTitle}</h1><p>${t.status.linkInvalid}</p>`, 404);
  const back = html`<p><a href="/privacy/status/${token}?lang=${locale}">${t.extras.back}</a></p>`;
  if (!(await wantsDocument(deps, request))) return page(t.page.problem, html`<h1>${t.page.problem}</h1><p>${t.status.next[request.status]}</p>${back}`, 409);
  if (!deps.documents) return page(t.page.problem, html`<h1>${t.page.problem}</h1><p>${t.extras.errors.unavailable}</p>${back}`, 503);
  const checked = await readUpload(c, 'identity');
  if ('problem' in checked) {
    const message = t.extras.errors[checked.problem];
    return page(t.page.problem, html`${errorSummary(locale, [{ field: 'identity', message }])}${uploadForm(locale, token, false, message)}${back}`, 400);
  }
  await storeDocument(deps.pool, deps.documents, { requestId: request.id, kind: 'identity', mediaType: checked.type, content: checked.content, actor: 'subject' });
  return c.redirect(`/privacy/status/${token}?lang=${locale}#identity-document`, 303);
}

const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });

export function identityDocumentRoutes(app: OpenAPIHono, deps: AppDeps): void {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/privacy/status/{token}/identity-document',
    tags: ['Privacy Center'],
    summary: 'The subject uploads an identity document (when the organization or staff ask for one): PDF, PNG or JPEG up to 5 MB, checked by its bytes',
    description: 'multipart/form-data with the file in `identity`. Stored encrypted (a data key of its own), seen only by staff, deleted once the identity is decided.',
    request: {
      params: z.object({ token: z.string().openapi({ param: { name: 'token', in: 'path' }, description: 'The private token of the status link' }) }),
      query: z.object({ lang: z.string().optional() }),
      body: { content: { 'multipart/form-data': { schema: z.object({ identity: z.string().openapi({ format: 'binary' }) }) } }, required: true },
    },
    responses: {
      303: { description: 'Stored: back to the status page', headers: { Location: { schema: { type: 'string' } } } },
      400: htmlPage('No file, an empty one, or not a PDF, PNG or JPEG (by its bytes); nothing stored'),
      404: htmlPage('Unknown or expired link'),
      409: htmlPage('This request does not (or no longer) need an identity document'),
      413: { description: 'The body is over the upload limit; nothing stored', content: { 'text/html': { schema: z.string() }, 'application/json': { schema: ErrorSchema } } },
      503: htmlPage('Documents cannot be stored at the moment; nothing stored'),
    },
  });
  app.post('/privacy/status/:token/identity-document', (c) => upload(c, deps));
}
