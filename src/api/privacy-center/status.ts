import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { sql } from 'slonik';
import { z } from 'zod';
import { findExportDataKey, listExports, type ExportRow } from '../../db/exports.ts';
import { findAppealOfRequest } from '../../db/appeals.ts';
import { findStatusLink } from '../../db/privacy-center.ts';
import { appealRuleFor } from '../../domain/appeals.ts';
import { findRequest, type RequestRow } from '../../db/requests.ts';
import { CONTENT_TYPES } from '../../domain/export-formats.ts';
import { isRegulationCode, REGULATIONS } from '../../domain/regulations.ts';
import { isTerminal } from '../../domain/request.ts';
import { formatDate, isLocale, messagesFor, pickLocale, type Locale } from '../../locales/index.ts';
import { cancelUpdate, resendVerificationUpdate, stateQuery } from '../../workflows/messages.ts';
import type { RequestStatus } from '../../domain/request.ts';
import type { AppDeps } from '../deps.ts';
import { openExportFile } from '../downloads/downloads.handlers.ts';
import { ApiError } from '../errors.ts';
import { sendDecision } from '../requests/actions.handlers.ts';
import { appealVerdict, fileAppeal } from '../appeals/file-appeal.ts';
import { publicLayout, type Html } from './layout.ts';
import { identityDocumentSection } from './slots.ts';

// The subject's status page behind the private link of every email (docs/privacy-center.md): this one request in
// plain words, its files, withdraw, re-send the confirmation link. No staff notes, nothing of anyone else, no caching.

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const NOTICES = ['withdrawn', 'resent', 'appealed'] as const;
const REFUSALS = ['withdraw', 'resend', 'busy', 'unconfirmed', 'appeal'] as const;
const nameRow = z.object({ name: z.string() });

type Found = { request: RequestRow; token: string; locale: Locale };

export function statusPages(deps: AppDeps) {
  const headers = (c: Context) => {
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Robots-Tag', 'noindex');
  };
  const localeOf = (c: Context, stored: string | null | undefined): Locale => {
    const chosen = c.req.query('lang');
    return isLocale(chosen) ? chosen : isLocale(stored) ? stored : pickLocale(c.req.header('accept-language'));
  };

  /** The request the link opens, or the page saying why not (404 unknown, 410 expired). */
  async function open(c: Context): Promise<Found | Response> {
    headers(c);
    const token = c.req.param('token') ?? '';
    const link = TOKEN.test(token) ? await findStatusLink(deps.pool, token) : null;
    const request = link ? await findRequest(deps.pool, link.request_id) : null;
    const locale = localeOf(c, request?.locale);
    const t = messagesFor(locale);
    if (!link || !request) return c.html(publicLayout({ locale, title: t.status.linkInvalidTitle, body: html`<h1>${t.status.linkInvalidTitle}</h1><p>${t.status.linkInvalid}</p>` }), 404);
    if (Date.parse(link.expires_at) <= deps.now().getTime()) return c.html(publicLayout({ locale, title: t.status.linkInvalidTitle, body: html`<h1>${t.status.linkInvalidTitle}</h1><p>${t.status.linkExpired}</p>` }), 410);
    return { request, token, locale };
  }

  /**
   * The live status from the workflow (the record follows it a moment later: right after a withdrawal the page must
   * say so); the recorded one when the request has ended, has not started, or Temporal does not answer in time.
   */
  async function statusOf(r: RequestRow): Promise<RequestStatus> {
    if (isTerminal(r.status) || !r.workflow_started_at) return r.status;
    const { client } = deps.temporal;
    try {
      return (await client.withDeadline(Date.now() + 2000, () => client.workflow.getHandle(r.workflow_id).query(stateQuery))).status;
    } catch {
      return r.status;
    }
  }

  async function show(c: Context) {
    const found = await open(c);
    if (found instanceof Response) return found;
    const { token, locale } = found;
    const r = { ...found.request, status: await statusOf(found.request) };
    const t = messagesFor(locale);
    const zone = isRegulationCode(r.regulation) ? REGULATIONS[r.regulation].timeZone : 'UTC';
    const date = (iso: string) => formatDate(locale, iso, zone);
    const organization = await deps.pool.maybeOneFirst(sql.type(nameRow)`select name from dsrflow.organizations where id = ${r.organization_id}`);
    const done = NOTICES.find((n) => n === c.req.query('done'));
    const refused = REFUSALS.find((n) => n === c.req.query('refused'));
    const base = `/privacy/status/${token}`;
    const exports = r.type === 'access' || r.type === 'export' ? await listExports(deps.pool, r.id) : [];
    // Once the files are out, the answer is delivered: there is nothing left to withdraw.
    const delivered = exports.some((e) => e.expires_at !== null);
    const body = html`${done ? html`<div class="notice" role="status">${{ withdrawn: t.status.withdrawn, resent: t.status.resent, appealed: t.status.appealed }[done]}</div>` : ''}
${refused ? html`<div class="notice error" role="alert">${{ withdraw: t.status.withdrawRefused, resend: t.status.resendRefused, busy: t.status.busy, unconfirmed: t.status.withdrawUnconfirmed, appeal: t.status.appealRefused }[refused]}</div>` : ''}
<h1>${t.status.title(t.typeInText[r.type])}</h1>
<div class="card">
<dl class="facts">
<dt>${t.status.state}</dt><dd><span class="status-word">${t.status.words[r.status]}</span></dd>
<dt>${t.status.reference}</dt><dd>${r.id}</dd>
<dt>${t.status.received}</dt><dd>${date(r.received_at)}</dd>
${isTerminal(r.status) ? '' : html`<dt>${t.status.due}</dt><dd>${date(r.extended_due_at ?? r.due_at)}</dd>`}
</dl>
<h2>${t.status.nextHeading}</h2><p>${r.staff_verifies && r.status === 'awaiting_verification' ? t.extras.staffChecks : t.status.next[r.status]}</p>
</div>
${downloads(exports, base, locale, date)}
${identityDocumentSection({ c, deps, locale, request: r, token })}
${await appealSection(r, base, locale, date)}
${r.status === 'awaiting_verification' && !r.staff_verifies
  ? html`<div class="card"><h2>${t.status.resendHeading}</h2><form method="post" action="${base}/resend?lang=${locale}"><button type="submit" class="secondary">${t.status.resend}</button></form></div>`
  : ''}
${isTerminal(r.status) || delivered ? '' : html`<div class="card"><h2>${t.status.withdrawHeading}</h2><p>${t.status.withdrawExplain}</p><form method="post" action="${base}/withdraw?lang=${locale}"><div class="choice"><input type="checkbox" id="withdraw-confirm" name="confirm" value="yes" required><label for="withdraw-confirm">${t.status.withdrawConfirm}</label></div><p><button type="submit" class="warning">${t.status.withdraw}</button></p></form></div>`}
<p class="hint after-cards">${t.status.noStore}</p>`;
    return c.html(publicLayout({ locale, title: t.status.title(t.typeInText[r.type]), organization: organization ?? r.organization_id, languageHref: (l) => `${base}?lang=${l}`, body }));
  }

  function downloads(exports: readonly ExportRow[], base: string, locale: Locale, date: (iso: string) => string): Html | '' {
    const t = messagesFor(locale);
    const now = deps.now().getTime();
    const ready = exports.filter((e) => e.status === 'ready' && e.expires_at && Date.parse(e.expires_at) > now);
    const expired = exports.some((e) => e.status === 'expired');
    if (ready.length === 0) return expired ? html`<div class="card"><h2>${t.status.downloadsHeading}</h2><p>${t.status.downloadsExpired}</p></div>` : '';
    return html`<div class="card"><h2>${t.status.downloadsHeading}</h2><ul>${ready.map((e) => html`<li><a href="${base}/exports/${e.id}" download>${t.status.download(e.format.toUpperCase())}</a></li>`)}</ul><p>${t.status.availableUntil(date(ready[0]!.expires_at!))}</p></div>`;
  }

  /** A refusal or partial answer under a law that grants an appeal: the form; once appealed, where the appeal is. */
  async function appealSection(r: RequestRow, base: string, locale: Locale, date: (iso: string) => string): Promise<Html | ''> {
    if (!isTerminal(r.status) || !appealRuleFor(r.regulation)) return '';
    const t = messagesFor(locale);
    const appeal = await findAppealOfRequest(deps.pool, r.id);
    if (appeal) return html`<div class="card"><h2>${t.status.appealStateHeading}</h2><p>${t.status.appealState[appeal.status](date(appeal.due_at))}</p></div>`;
    if (!(await appealVerdict(deps, r, deps.now(), false)).ok) return '';
    return html`<div class="card"><h2>${t.status.appealHeading}</h2><p>${t.status.appealExplain(appealRuleFor(r.regulation)!.decisionWithin.amount)}</p>
<form method="post" action="${base}/appeal?lang=${locale}"><label for="appeal-statement">${t.status.appealStatement}</label><textarea id="appeal-statement" name="statement" rows="5" maxlength="4000"></textarea><p><button type="submit">${t.status.appeal}</button></p></form></div>`;
  }

  /** POST: the consumer appeals the decision from the page, as from the emailed appeal link (audited as the subject). */
  async function appeal(c: Context) {
    const found = await open(c);
    if (found instanceof Response) return found;
    const back = (query: string) => c.redirect(`/privacy/status/${found.token}?lang=${found.locale}&${query}`, 303);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const statement = typeof form.statement === 'string' ? form.statement.replaceAll('\u0000', '').trim().slice(0, 4000) : '';
    try {
      await fileAppeal(deps, found.request.id, { channel: 'subject', actor: 'subject', statement: statement || undefined });
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) return back('refused=appeal');
      if (error instanceof ApiError && error.status === 503) return back('refused=busy');
      throw error;
    }
    return back('done=appealed');
  }

  /** POST: the subject acts through the same workflow Update as staff, audited as the subject; then back to the page. */
  const act = (action: 'withdraw' | 'resend') => async (c: Context) => {
    const found = await open(c);
    if (found instanceof Response) return found;
    const back = (query: string) => c.redirect(`/privacy/status/${found.token}?lang=${found.locale}&${query}`, 303);
    // Withdrawing cannot be undone: the box must be ticked (the browser asks for it too, with or without script).
    if (action === 'withdraw' && (await c.req.parseBody().catch(() => ({}) as Record<string, unknown>)).confirm !== 'yes') return back('refused=unconfirmed');
    try {
      if (action === 'withdraw') await sendDecision(deps, found.request.id, cancelUpdate, () => ({ reason: 'withdrawn_by_subject' as const, actor: 'subject' }), { author: 'subject' });
      else await sendDecision(deps, found.request.id, resendVerificationUpdate, () => ({ actor: 'subject' }), { author: 'subject' });
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) return back(`refused=${action}`);
      if (error instanceof ApiError && error.status === 503) return back('refused=busy');
      throw error;
    }
    return back(`done=${action === 'withdraw' ? 'withdrawn' : 'resent'}`);
  };

  /** GET: one of the request's ready files, while its download period lasts; each download audited as the subject's. */
  async function download(c: Context) {
    const found = await open(c);
    if (found instanceof Response) return found;
    const { request: r, locale } = found;
    const t = messagesFor(locale);
    const file = (await listExports(deps.pool, r.id)).find((e) => e.id === c.req.param('exportId'));
    const missing = (status: 404 | 410) => c.html(publicLayout({ locale, title: t.status.downloadsHeading, body: html`<h1>${t.status.downloadsHeading}</h1><p>${t.status.downloadsExpired}</p>` }), status);
    if (!file || file.status === 'skipped' || file.status === 'building') return missing(404);
    if (file.status !== 'ready' || !file.storage_key || !file.expires_at || Date.parse(file.expires_at) <= deps.now().getTime()) return missing(410);
    // Decrypted as it streams, as the emailed link's download (files are encrypted at rest: docs/exports.md).
    const opened = await openExportFile(deps, { exportId: file.id, storageKey: file.storage_key, dataKey: await findExportDataKey(deps.pool, file.id), bytes: file.bytes });
    if (!opened) return missing(410);
    const { body: plaintext, bytes } = opened;
    await deps.pool.query(sql.unsafe`
      insert into dsrflow.audit_events (event_key, request_id, organization_id, actor, action, details)
      values (${`export/${file.id}/status-download/${crypto.randomUUID()}`}, ${r.id}, ${r.organization_id}, 'subject', 'export.downloaded', ${sql.jsonb({ exportId: file.id, format: file.format, bytes, via: 'status_page' })})`);
    const { contentType, extension } = CONTENT_TYPES[file.format];
    const body = Readable.toWeb(plaintext) as ReadableStream<Uint8Array>;
    return new Response(body, {
      status: 200,
      headers: {
        'content-type': contentType,
        'content-length': String(bytes),
        'content-disposition': `attachment; filename="data-export-${r.id}.${extension}"`,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
      },
    });
  }

  return { show, withdraw: act('withdraw'), resend: act('resend'), appeal, download };
}
