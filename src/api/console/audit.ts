import type { Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { listAuditEvents } from '../../db/audit-trail.ts';
import { addCalendarDays } from '../../domain/dates.ts';
import { assertMayReadTrail } from '../access.ts';
import { auditCsv, verifyTrail } from '../audit/audit.handlers.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError, fieldProblems } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../pagination.ts';
import { layout } from './layout.ts';
import type { ConsoleEnv } from './session.ts';
import { utcStamp } from './words.ts';

// The audit trail for DPOs and auditors: the API's reads (listAuditEvents, its CSV, the chain check), as pages.

const PAGE = 100;
const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);
const AuditQuery = z
  .object({
    requestId: z.preprocess(blank, z.uuid().optional()),
    action: z.preprocess(blank, z.string().max(100).regex(/^[a-z_.]+$/, 'an action such as request.verified, or a family ending in a dot').optional()),
    actor: z.preprocess(blank, z.string().max(200).regex(/^[^\u0000]*$/).optional()),
    from: z.preprocess(blank, z.iso.date().optional()),
    to: z.preprocess(blank, z.iso.date().optional()),
    cursor: z.preprocess(blank, z.string().max(100).regex(/^[A-Za-z0-9_-]+$/).optional()),
  })
  .strip();
type AuditQuery = z.infer<typeof AuditQuery>;

function parse(c: Context<ConsoleEnv>) {
  assertMayReadTrail(c.get('actor'));
  const parsed = AuditQuery.safeParse(c.req.query());
  if (!parsed.success) throw new ApiError(400, 'VALIDATION_FAILED', `These filters are not valid: ${fieldProblems(parsed.error.issues).map((p) => `${p.field} (${p.message})`).join(', ')}`);
  const q = parsed.data;
  // Whole UTC days: "to" includes its day.
  const filter = { requestId: q.requestId, action: q.action, actor: q.actor, from: q.from ? `${q.from}T00:00:00Z` : undefined, to: q.to ? `${addCalendarDays(q.to, 1)}T00:00:00Z` : undefined };
  return { q, filter };
}

const search = (q: AuditQuery, extra: Record<string, string> = {}) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, cursor: undefined, ...extra })) if (v !== undefined) params.set(k, v);
  return params.toString();
};

export async function auditView(c: Context<ConsoleEnv>, deps: AppDeps) {
  const { q, filter } = parse(c);
  const rows = await listAuditEvents(deps.pool, { ...filter, afterSeq: decodeCursor(q.cursor, z.tuple([z.number().int().nonnegative()]))?.[0], limit: PAGE });
  const page = rows.slice(0, PAGE);
  const next = rows.length > PAGE && page.length ? encodeCursor([page.at(-1)!.chain_seq]) : null;
  const input = (name: keyof AuditQuery, label: string, type = 'text', hint = '') =>
    html`<div class="field"><label for="a-${name}">${label}${hint ? html` <span class="hint">${hint}</span>` : ''}</label><input id="a-${name}" name="${name}" type="${type}" value="${q[name] ?? ''}" spellcheck="false" autocomplete="off"></div>`;
  const body = html`<h1>Audit trail</h1>
<form method="get" action="/console/audit" class="filters" aria-label="Filter the audit trail">
${input('requestId', 'Request id')}${input('action', 'Action', 'text', '(or a family: request.)')}${input('actor', 'Actor')}${input('from', 'From (UTC day)', 'date')}${input('to', 'To (UTC day)', 'date')}
<div class="field buttons"><button type="submit">Apply filters</button> <a href="/console/audit">Clear</a></div>
</form>
<div class="list-tools"><a href="/console/audit.csv?${search(q)}" download>Download these events as CSV</a>
<form method="get" action="/console/audit/verify" class="inline"><button type="submit" class="secondary">Verify the hash chain</button></form></div>
${page.length === 0
  ? html`<p class="empty">No events match these filters.</p>`
  : html`<div class="table-wrap list-wrap" tabindex="0" role="region" aria-label="Audit events table"><table class="audit">
<thead><tr><th scope="col">#</th><th scope="col">When (UTC)</th><th scope="col">Request</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Status</th><th scope="col">Reason</th></tr></thead>
<tbody>${page.map((e) => html`<tr><td data-label="#" class="mono">${e.chain_seq}</td><td data-label="When" class="nowrap">${utcStamp(e.occurred_at)}</td>
<td data-label="Request">${e.request_id ? html`<a class="mono" href="/console/requests/${e.request_id}">${e.request_id.slice(0, 8)}</a>` : ''}</td>
<td data-label="Actor">${e.actor}</td><td data-label="Action" class="mono">${e.action}</td><td data-label="Status">${e.from_status ?? ''}${e.to_status ? ` → ${e.to_status}` : ''}</td><td data-label="Reason">${e.reason ?? ''}</td></tr>`)}</tbody></table></div>`}
${next || q.cursor ? html`<nav class="pager" aria-label="Pages">${q.cursor ? html`<a href="/console/audit?${search(q)}">First page</a>` : ''}${next ? html`<a href="/console/audit?${search(q, { cursor: next })}" rel="next">Next ${PAGE} events</a>` : ''}</nav>` : ''}`;
  return c.html(layout({ title: 'Audit trail', actor: c.get('actor'), csrfToken: c.get('csrfToken'), unread: c.get('unread'), section: 'audit', body }));
}

export function auditCsvExport(c: Context<ConsoleEnv>, deps: AppDeps) {
  const { filter } = parse(c);
  return auditCsv(deps, filter);
}

export async function verifyView(c: Context<ConsoleEnv>, deps: AppDeps) {
  assertMayReadTrail(c.get('actor'));
  const report = await verifyTrail(deps);
  const problem = { sequence_gap: 'an event is missing or out of order', prev_hash_mismatch: 'an event does not link to the one before it', hash_mismatch: 'an event was changed after it was written' };
  const body = html`<p class="crumbs"><a href="/console/audit">Audit trail</a></p>
<h1>Hash chain check</h1>
<section class="narrow-form">
${report.valid
  ? html`<p><span class="badge tone-done">Intact</span> All ${report.events} events link up, each hash recomputed from its content.</p>`
  : html`<p><span class="badge tone-stop">Broken</span> ${report.firstBrokenLink ? html`At event #${report.firstBrokenLink.chainSeq} (${report.firstBrokenLink.eventKey}): ${problem[report.firstBrokenLink.problem]}.` : ''}</p>`}
${report.head ? html`<dl><dt>Last event</dt><dd class="mono">#${report.head.chainSeq}</dd><dt>Its hash</dt><dd class="mono hash-wide">${report.head.hash}</dd></dl>
<p class="hint">Keep the last event's hash somewhere else: a removed last event leaves no gap, and only a hash recorded earlier shows it.</p>` : ''}
</section>`;
  return c.html(layout({ title: 'Hash chain check', actor: c.get('actor'), csrfToken: c.get('csrfToken'), unread: c.get('unread'), section: 'audit', body }));
}
