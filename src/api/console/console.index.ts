import { readFileSync } from 'node:fs';
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { postAction } from './actions.ts';
import { postAppeal } from './appeal.ts';
import { auditCsvExport, auditView, verifyView } from './audit.ts';
import { correctionsView } from './corrections.ts';
import { csvExport } from './csv.ts';
import { customerView, postCustomerExport } from './customers.ts';
import { detailView } from './detail.ts';
import { documentDownload, postAskIdentityDocument } from './documents.ts';
import { postDuplicate } from './duplicates.ts';
import { erasePreview, postErase } from './erase-customer.ts';
import { layout } from './layout.ts';
import { postLift } from './lifts.ts';
import { listReads, listView } from './list.ts';
import { notificationsView, postRead, postReadOne } from './notifications.ts';
import { overviewView } from './overview.ts';
import { newRequestPage, postNewRequest } from './new-request.ts';
import { requireSession, type ConsoleEnv } from './session.ts';
import { postSettings, settingsPage } from './settings.ts';
import { signInRouter } from './sign-in.ts';

// The staff console under /console (docs/console.md): server-rendered HTML, one stylesheet, no scripts.
const STYLESHEET = readFileSync(new URL('./console.css', import.meta.url), 'utf8');

/** A refusal or failure as a page: the API's message in words, never a stack or database text. */
function errorPage(c: Context<ConsoleEnv>, status: ContentfulStatusCode, title: string, message: string) {
  const actor = c.var.actor;
  const body = html`<section class="narrow"><h1>${title}</h1><p>${message}</p>
<p>${status === 401 ? html`<a href="/console/sign-in">Sign in</a>` : html`<a href="/console">Back to the rights requests</a>`}</p></section>`;
  return c.html(layout({ title, actor, csrfToken: c.var.csrfToken, unread: c.var.unread, body }), status);
}

const TITLES: Partial<Record<number, string>> = { 400: 'Check what you entered', 401: 'Please sign in', 403: 'Not allowed', 404: 'Not found', 409: 'Not possible now', 503: 'Try again shortly' };

export function consoleRouter(deps: AppDeps) {
  const router = new Hono<ConsoleEnv>();
  router.get('/assets/console.css', (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });
  router.route('/', signInRouter(deps));
  // The list, the page staff open most, starts its reads with the session check, and its organizations for the
  // filter come in the session's statement (session.ts requireSession).
  const list = { reads: listReads(deps), organizations: true };
  router.use('*', requireSession(deps, { '/console': list, '/console/': list }));
  router.get('/', (c) => listView(c, deps, list.reads));
  router.get('/requests.csv', (c) => csvExport(c, deps));
  router.get('/customers', (c) => customerView(c, deps));
  router.post('/customers/export', (c) => postCustomerExport(c, deps));
  router.get('/customers/erase', (c) => erasePreview(c, deps));
  router.post('/customers/erase', (c) => postErase(c, deps));
  router.get('/notifications', (c) => notificationsView(c, deps));
  router.post('/notifications/read', (c) => postRead(c, deps));
  router.post('/notifications/:id/read', (c) => postReadOne(c, deps));
  router.get('/overview', (c) => overviewView(c, deps));
  router.get('/audit', (c) => auditView(c, deps));
  router.get('/audit.csv', (c) => auditCsvExport(c, deps));
  router.get('/audit/verify', (c) => verifyView(c, deps));
  router.get('/settings', (c) => settingsPage(c, deps));
  router.post('/settings/:organizationId', (c) => postSettings(c, deps));
  router.get('/requests/new', (c) => newRequestPage(c, deps));
  router.post('/requests/new', (c) => postNewRequest(c, deps));
  router.get('/requests/:id', (c) => detailView(c, deps));
  router.get('/requests/:id/corrections', (c) => correctionsView(c, deps));
  router.get('/requests/:id/documents/:documentId', (c) => documentDownload(c, deps));
  router.post('/requests/:id/identity-document', (c) => postAskIdentityDocument(c, deps));
  router.post('/requests/:id/duplicate', (c) => postDuplicate(c, deps, (duplicate, status) => detailView(c, deps, { duplicate }, status)));
  router.post('/requests/:id/appeal/:step', (c) => postAppeal(c, deps, (appeal, status) => detailView(c, deps, { appeal }, status)));
  router.post('/requests/:id/:action', (c) => postAction(c, deps, (form, status) => detailView(c, deps, { form }, status)));
  router.post('/requests/:id/suppressions/:target/lift', (c) => postLift(c, deps, 'suppression', (lift, status) => detailView(c, deps, { lift }, status)));
  router.post('/requests/:id/legal-holds/:target/lift', (c) => postLift(c, deps, 'hold', (lift, status) => detailView(c, deps, { lift }, status)));
  router.all('*', (c) => errorPage(c, 404, 'Not found', 'There is no console page at this address.'));
  router.onError((error, c) => {
    if (error instanceof ApiError) return errorPage(c, error.status, TITLES[error.status] ?? 'Not done', error.message);
    if (error instanceof HTTPException && error.status < 500) return errorPage(c, error.status as ContentfulStatusCode, TITLES[error.status] ?? 'Not done', error.message || 'The request could not be read.');
    const incident = crypto.randomUUID();
    // The message may quote row values (personal data): log its kind and code only, as the API does.
    deps.logger.error('console page failed', { incident, path: c.req.routePath, error: (error as Error).name, code: (error as { code?: unknown }).code });
    return errorPage(c, 500, 'Something went wrong', `The page could not be shown. Try again, and tell the team running dsrflow if it goes on (reference ${incident}).`);
  });
  return router;
}
