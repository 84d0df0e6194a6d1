import type { Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { consoleListRequests } from '../../db/console-reads.ts';
import type { RequestListFilter } from '../../db/request-list.ts';
import { findSubjectsByIdentifier } from '../../db/subject-records.ts';
import { fromDid, toDid } from '../../domain/subjects.ts';
import { identifierHashes } from '../../platform/subject-keys.ts';
import { addCalendarDays } from '../../domain/dates.ts';
import { REGULATION_CODES, isRegulationCode, isTypeAllowed, verificationPolicy } from '../../domain/regulations.ts';
import { isTerminal, REQUEST_STATUSES, REQUEST_TYPES, type RequestStatus } from '../../domain/request.ts';
import { mayAct, organizationScope } from '../access.ts';
import type { Actor } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError, fieldProblems } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../pagination.ts';
import { layout } from './layout.ts';
import { pageReads, type ConsoleEnv } from './session.ts';
import { dueFacts, lawDate, REGULATION_WORDS, STATUS_WORDS, statusBadge, TYPE_WORDS, typeLabel, utcStamp } from './words.ts';

const PAGE_SIZE = 50;
const blank = (v: unknown) => (v === '' ? undefined : v);

export const ListQuery = z
  .object({
    status: z.preprocess(blank, z.enum(REQUEST_STATUSES).optional()),
    type: z.preprocess(blank, z.enum(REQUEST_TYPES).optional()),
    regulation: z.preprocess(blank, z.enum(REGULATION_CODES).optional()),
    organization: z.preprocess(blank, z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/).optional()),
    overdue: z.preprocess(blank, z.literal('1').optional()),
    dueBy: z.preprocess(blank, z.iso.date().optional()),
    sort: z.preprocess(blank, z.enum(['due', 'received']).default('due')),
    // A request id (whole or its first digits: the list shows the first 8), a subject id, or a subject's email.
    find: z.preprocess(
      (v) => (typeof v === 'string' ? blank(v.trim().toLowerCase()) : v),
      z
        .string()
        .max(320)
        .regex(/^([0-9a-f-]{4,36}|did:dsrflow:[0-9a-f]{32}|[^\s@\u0000]+@[^\s@\u0000]+)$/, 'a request id or at least its first 4 characters, a subject id (did:dsrflow:...) or an email')
        .optional(),
    ),
    cursor: z.preprocess(blank, z.string().max(300).regex(/^[A-Za-z0-9_-]+$/).optional()),
  })
  .strip();
export type ListQuery = z.infer<typeof ListQuery>;

export function parseListQuery(c: Context<ConsoleEnv>): ListQuery {
  const parsed = ListQuery.safeParse(c.req.query());
  if (!parsed.success) throw new ApiError(400, 'VALIDATION_FAILED', `These filters are not valid: ${fieldProblems(parsed.error.issues).map((p) => `${p.field} (${p.message})`).join(', ')}`);
  return parsed.data;
}

/** The shared list query's filter from the console's form; a controller is held to its organization (403 for another). */
export function listFilter(actor: Actor, q: ListQuery, now: Date, limit: number): RequestListFilter {
  const scope = organizationScope(actor);
  if (scope !== undefined && q.organization !== undefined && q.organization !== scope) {
    throw new ApiError(403, 'FORBIDDEN_ORGANIZATION', `Role controller of organization "${scope}" may not list organization "${q.organization}"`);
  }
  // The cursor is the last row's (due or received instant, id), in the order it was issued for.
  const position = decodeCursor(q.cursor, z.tuple([z.iso.datetime(), z.uuid()]));
  return {
    organizationId: scope ?? q.organization,
    status: q.status ? [q.status] : undefined,
    type: q.type ? [q.type] : undefined,
    regulation: q.regulation ? [q.regulation] : undefined,
    overdue: q.overdue ? true : undefined,
    // Due on or before that calendar day in the regime's zone: every regime's zone lies between UTC-10 and UTC+3,
    // so the next day at 15:00 UTC is after the end of that day everywhere and before the end of the next one.
    dueBefore: q.dueBy ? `${addCalendarDays(q.dueBy, 1)}T15:00:00.000Z` : undefined,
    idPrefix: q.find && /^[0-9a-f-]+$/.test(q.find) ? q.find.replaceAll('-', '').slice(0, 32) : undefined,
    sort: q.sort,
    ...(position ? (q.sort === 'due' ? { afterDue: { dueAt: position[0], id: position[1] } } : { after: { receivedAt: position[0], id: position[1] } }) : {}),
    now: now.toISOString(),
    limit,
  };
}

export type ListedRow = Awaited<ReturnType<typeof consoleListRequests>>[number] & {
  // Issue 13's subject columns, read when present.
  subject_id?: string | null;
  duplicate_of?: string | null;
  over_limit?: unknown;
};

export const effectiveDue = (r: { due_at: string; extended_due_at: string | null }) => r.extended_due_at ?? r.due_at;

/**
 * The subject a search names: by its id, or by an email through the keyed-hash lookup (emails are never scanned).
 * Null when the search is not about a subject; `none` when no subject matches (an empty page).
 */
async function searchedSubject(deps: AppDeps, actor: Actor, q: ListQuery): Promise<string | 'none' | null> {
  if (!q.find) return null;
  const did = fromDid(q.find);
  if (did) return did;
  if (!q.find.includes('@')) return null;
  const found = await findSubjectsByIdentifier(deps.pool, 'email', identifierHashes(deps.settings.subjectKeys, 'email', q.find), organizationScope(actor) ?? q.organization);
  if (found.length > 1) throw new ApiError(400, 'SUBJECT_AMBIGUOUS', `This email belongs to a subject in each of ${found.length} organizations; choose the organization too.`);
  return found[0]?.id ?? 'none';
}

/** One page of the list, with each request's identity outcome (one statement: docs/console.md). */
export async function listPage(deps: AppDeps, actor: Actor, q: ListQuery, limit = PAGE_SIZE) {
  const now = deps.now();
  const subject = await searchedSubject(deps, actor, q);
  const rows: readonly ListedRow[] = subject === 'none' ? [] : await consoleListRequests(deps.pool, { ...listFilter(actor, q, now, limit), ...(subject ? { subjectId: subject } : {}) });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = rows.length > limit && last ? encodeCursor(q.sort === 'due' ? [effectiveDue(last), last.id] : [last.received_at, last.id]) : null;
  return { now, page, nextCursor, identity: identityWord };
}

function identityWord(r: ListedRow): string {
  // A type the regime does not know (a row from before a rule changed) is judged by its outcome alone, never a 500.
  if (isRegulationCode(r.regulation) && isTypeAllowed(r.regulation, r.type) && verificationPolicy(r.regulation, r.type) === 'notAllowed') return 'Not required';
  const outcome = r.identity_outcome;
  if (outcome) return outcome === 'verified' ? 'Verified' : outcome === 'failed' ? 'Failed' : 'Expired';
  return r.status === 'submitted' || r.status === 'awaiting_verification' ? 'Pending' : 'Not decided';
}

export const flagsOf = (r: ListedRow): string[] => [
  ...(r.extended_due_at ? ['Extended'] : []),
  ...(r.duplicate_of ? ['Possible duplicate'] : []),
  ...(r.over_limit ? ['Over repeat limit'] : []),
];

/** The subject column: the pseudonymous subject id (docs/subjects.md), never the email. */
export const subjectOf = (r: ListedRow) => (r.subject_id ? toDid(r.subject_id) : null);

const options = (values: readonly string[], chosen: string | undefined, word: (v: string) => string) =>
  values.map((v) => html`<option value="${v}"${v === chosen ? ' selected' : ''}>${word(v)}</option>`);

const query = (q: ListQuery, extra: Record<string, string>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, cursor: undefined, ...extra })) if (v !== undefined) params.set(k, String(v));
  return params.toString();
};

/**
 * What the list page reads for an actor: its filters and one page of requests (the organizations for the filter
 * come with the session). Reads only: it may start while the session is checked (session.ts `requireSession`).
 */
export const listReads = (deps: AppDeps) => async (c: Context<ConsoleEnv>, actor: Actor) => {
  const q = parseListQuery(c);
  // A whole request id goes straight to its page (nothing to list).
  if (q.find && z.uuid().safeParse(q.find).success) return { q, redirect: `/console/requests/${q.find}` };
  return { q, listed: await listPage(deps, actor, q) };
};

export async function listView(c: Context<ConsoleEnv>, deps: AppDeps, reads: ReturnType<typeof listReads>) {
  const actor = c.get('actor');
  const read = await pageReads(c, reads);
  if (read.redirect !== undefined) return c.redirect(read.redirect, 303);
  const { q } = read;
  const { now, page, nextCursor, identity } = read.listed;
  const organizations = c.get('organizations') ?? [];
  const body = html`<div class="page-head"><h1>Rights requests</h1>${mayAct(actor) ? html`<a class="button" href="/console/requests/new">Record a request</a>` : ''}</div>
<form method="get" action="/console" class="filters" aria-label="Filter requests">
  <div class="field"><label for="f-find">Request, subject id or email</label><input id="f-find" name="find" type="text" value="${q.find ?? ''}" size="12" spellcheck="false" autocomplete="off"></div>
  <div class="field"><label for="f-status">Status</label><select id="f-status" name="status"><option value="">Any</option>${options(REQUEST_STATUSES, q.status, (s) => STATUS_WORDS[s as RequestStatus].word)}</select></div>
  <div class="field"><label for="f-type">Type</label><select id="f-type" name="type"><option value="">Any</option>${options(REQUEST_TYPES, q.type, (t) => TYPE_WORDS[t as keyof typeof TYPE_WORDS])}</select></div>
  <div class="field"><label for="f-regulation">Regulation</label><select id="f-regulation" name="regulation"><option value="">Any</option>${options(REGULATION_CODES, q.regulation, REGULATION_WORDS)}</select></div>
  ${organizations.length > 1
    ? html`<div class="field"><label for="f-organization">Organization</label><select id="f-organization" name="organization"><option value="">All</option>${options(organizations.map((o) => o.id), q.organization, (id) => organizations.find((o) => o.id === id)?.name ?? id)}</select></div>`
    : ''}
  <div class="field"><label for="f-due">Due by</label><input id="f-due" name="dueBy" type="date" value="${q.dueBy ?? ''}"></div>
  <div class="field"><label for="f-sort">Order</label><select id="f-sort" name="sort">${options(['due', 'received'], q.sort, (s) => (s === 'due' ? 'Due soonest' : 'Newest received'))}</select></div>
  <div class="field check"><input id="f-overdue" name="overdue" type="checkbox" value="1"${q.overdue ? ' checked' : ''}><label for="f-overdue">Overdue only</label></div>
  <div class="field buttons"><button type="submit">Apply filters</button> <a href="/console">Clear</a></div>
</form>
<p class="list-tools"><a href="/console/requests.csv?${query(q, {})}" download>Download this list as CSV</a></p>
${page.length === 0
  ? html`<p class="empty">No requests match these filters.</p>`
  : html`<div class="table-wrap list-wrap" tabindex="0" role="region" aria-label="Rights requests table"><table class="requests">
<caption class="visually-hidden">Rights requests, ${q.sort === 'due' ? 'soonest due first' : 'newest first'}</caption>
<thead><tr><th scope="col">Type</th><th scope="col">Request</th>${organizations.length > 1 ? html`<th scope="col">Organization</th>` : ''}<th scope="col">Received</th><th scope="col">Subject</th><th scope="col">Regulation</th><th scope="col">Identity</th><th scope="col">Status</th><th scope="col">Due</th><th scope="col">Flags</th></tr></thead>
<tbody>
${page.map((r) => {
  const due = dueFacts(effectiveDue(r), r.regulation, now, !isTerminal(r.status), r.holiday_calendar);
  const subject = subjectOf(r);
  return html`<tr${due.overdue ? html` class="overdue"` : ''}>
<td data-label="Type">${typeLabel(r.type)}</td>
<td data-label="Request"><a href="/console/requests/${r.id}" class="mono">${r.id.slice(0, 8)}</a></td>${organizations.length > 1 ? html`<td data-label="Organization">${r.organization_id}</td>` : ''}
<td data-label="Received"><span title="${utcStamp(r.received_at)}">${lawDate(r.received_at, r.regulation, now, r.holiday_calendar)}</span></td>
<td data-label="Subject">${subject ? html`<span class="mono subject">${subject}</span>` : html`<span class="muted">not linked</span>`}</td>
<td data-label="Regulation">${REGULATION_WORDS(r.regulation)}</td>
<td data-label="Identity">${identity(r)}</td>
<td data-label="Status">${statusBadge(r.status)}</td>
<td data-label="Due"><span class="${due.overdue ? 'late' : due.daysLeft <= 7 && !isTerminal(r.status) ? 'soon' : ''}">${due.text}</span></td>
<td data-label="Flags">${flagsOf(r).map((f) => html`<span class="flag">${f}</span> `)}</td>
</tr>`;
})}
</tbody></table></div>`}
${nextCursor || q.cursor
  ? html`<nav class="pager" aria-label="Pages">${q.cursor ? html`<a href="/console?${query(q, {})}">First page</a>` : ''}${nextCursor ? html`<a href="/console?${query(q, { cursor: nextCursor })}" rel="next">Next ${PAGE_SIZE} requests</a>` : ''}</nav>`
  : ''}`;
  return c.html(layout({ title: 'Rights requests', actor, csrfToken: c.get('csrfToken'), unread: c.get('unread'), section: 'requests', body }));
}
