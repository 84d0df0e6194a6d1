import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { sql } from 'slonik';
import { z } from 'zod';
import type { SubjectRow } from '../../db/requests.ts';
import { findSubjectsByIdentifiers, listSubjectRequests } from '../../db/subject-records.ts';
import { recordProfileRead } from '../../db/console-reads.ts';
import { DEFAULT_EXPORT_FORMATS, EXPORT_FORMATS, type ResolvedDataModel } from '../../domain/data-model.ts';
import { isTerminal, type RequestStatus, type RequestType } from '../../domain/request.ts';
import { toDid } from '../../domain/subjects.ts';
import { identifierHashes } from '../../platform/subject-keys.ts';
import { REGULATION_CODES } from '../../domain/regulations.ts';
import { checkDataModel } from '../../warehouse/data-model-check.ts';
import { lookupSubject } from '../../warehouse/subject-lookup.ts';
import { modelRowsQuery, subjectRowsSource } from '../../warehouse/subject-rows.ts';
import { openSuppressions } from '../../warehouse/subject-suppressions.ts';
import { mayAct, organizationScope } from '../access.ts';
import type { Actor } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError, fieldProblems } from '../errors.ts';
import { openRequest } from '../requests/open-request.ts';
import { CreateRequestSchema } from '../requests/requests.routes.ts';
import { formGuards, layout } from './layout.ts';
import { actingForm, firstValue, type ConsoleEnv } from './session.ts';
import { dueFacts, humanize, lawDate, REGULATION_WORDS, statusBadge, typeLabel, utcStamp } from './words.ts';

// The customer profile (DinMo's Customer Profile page): a warehouse customer found by email, customer id or phone,
// their fields and how many rows each model holds, their requests; "Export customer data" opens an access request
// on channel `staff` with the formats chosen. The warehouse is the deployment's, not an organization's: a
// controller (scoped to one organization) does not search it.

const resolved = new WeakMap<AppDeps, Promise<ResolvedDataModel>>();
export function resolvedModel(deps: AppDeps): Promise<ResolvedDataModel> {
  let model = resolved.get(deps);
  if (!model) {
    model = checkDataModel(deps.pool, deps.dataModel);
    model.catch(() => resolved.delete(deps));
    resolved.set(deps, model);
  }
  return model;
}

const PROFILE_REQUESTS = 50;
const blank = (v: unknown) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim()) : v);
export const FindQuery = z.object({
  email: z.preprocess(blank, z.email().max(320).optional()),
  customerId: z.preprocess(blank, z.string().max(200).regex(/^[^\u0000]*$/).optional()),
  phone: z.preprocess(blank, z.string().min(3).max(50).regex(/^[^\u0000]*$/).optional()),
});

export function assertMaySearch(actor: Actor): void {
  if (organizationScope(actor) !== undefined) throw new ApiError(403, 'FORBIDDEN_ROLE', 'Role controller sees its organization’s requests; the warehouse’s customers are searched by roles that see every organization');
}

/** The profile of the one customer these identifiers match, or why there is none. */
export async function findCustomer(deps: AppDeps, q: z.infer<typeof FindQuery>, reader?: string) {
  const model = await resolvedModel(deps);
  const probe: SubjectRow = { request_id: randomUUID(), email: q.email ?? '', customer_id: q.customerId ?? null, full_name: null, phone: q.phone ?? null, extra_identifiers: {} };
  const match = await lookupSubject(deps.pool, model, probe);
  if (match.outcome === 'notFound') return { outcome: 'notFound' } as const;
  if (match.outcome === 'ambiguous') return { outcome: 'ambiguous', candidates: match.candidates } as const;
  const users = model.users;
  if (reader) await recordProfileRead(deps.pool, { eventKey: `customer/viewed/${randomUUID()}`, actor: reader, matchedBy: match.matchedBy });
  const row = (await deps.pool.one(sql.unsafe`${modelRowsQuery(users, match.userKey)}`)) as Record<string, string | null>;
  const fields = users.columns.map((c, i) => ({ name: c.name, value: row[`c${i}`] ?? null }));
  const counts = await Promise.all(
    model.models.slice(1).map(async (m) => ({ name: m.displayName, n: Number(await deps.pool.oneFirst(sql.unsafe`select count(*)::int as n ${subjectRowsSource(m, match.userKey)}`)) })),
  );
  const idValue = (id: 'email' | 'customerId' | 'phone') => {
    const column = users.identifierColumns[id];
    return column ? (fields.find((f) => f.name === column)?.value ?? null) : null;
  };
  const email = idValue('email');
  const customerId = idValue('customerId');
  // Their requests and suppressions are those of the subjects they are (one per organization), found by the keyed
  // hashes of the warehouse customer's key and of every identifier known (docs/console.md), never by scanning.
  const keys = deps.settings.subjectKeys;
  const subjects = await findSubjectsByIdentifiers(deps.pool, [
    { kind: 'warehouseKey', hashes: identifierHashes(keys, 'warehouseKey', match.userKey) },
    { kind: 'email', hashes: [email, q.email].flatMap((v) => identifierHashes(keys, 'email', v)) },
    { kind: 'customerId', hashes: [customerId, q.customerId].flatMap((v) => identifierHashes(keys, 'customerId', v)) },
    { kind: 'phone', hashes: [idValue('phone'), q.phone].flatMap((v) => identifierHashes(keys, 'phone', v)) },
  ]);
  const ids = subjects.map((x) => x.id);
  const [requests, suppressions] = await Promise.all([
    ids.length ? listSubjectRequests(deps.pool, ids, PROFILE_REQUESTS) : Promise.resolve([]),
    openSuppressions(deps.pool, ids, deps.settings.warehouseSchema),
  ]);
  return { outcome: 'found', model, fields, counts, email, customerId, subjects, requests, suppressions } as const;
}

export async function customerView(c: Context<ConsoleEnv>, deps: AppDeps, failed?: { error: string; values: Record<string, string | string[]> }, status: 200 | 400 | 409 | 503 = 200) {
  const actor = c.get('actor');
  assertMaySearch(actor);
  // After a refused export the profile is shown again for the customer the form was about.
  const parsed = FindQuery.safeParse(failed ? { email: [failed.values.email ?? ''].flat()[0] } : c.req.query());
  if (!parsed.success) throw new ApiError(400, 'VALIDATION_FAILED', `Check: ${fieldProblems(parsed.error.issues).map((p) => p.field).join(', ')}`);
  const q = parsed.data;
  const searched = q.email !== undefined || q.customerId !== undefined || q.phone !== undefined;
  const found = searched ? await findCustomer(deps, q, actor.name) : null;
  const now = deps.now();
  const input = (name: keyof typeof q, label: string, type: string) =>
    html`<div class="field"><label for="c-${name}">${label}</label><input id="c-${name}" name="${name}" type="${type}" value="${q[name] ?? ''}" autocomplete="off" spellcheck="false"></div>`;
  const chosen = (f: string) => (failed ? [failed.values.formats ?? []].flat().includes(f) : (DEFAULT_EXPORT_FORMATS as readonly string[]).includes(f));
  const body = html`<h1>Customer profile</h1>
<form method="get" action="/console/customers" class="filters" aria-label="Find a customer">
${input('email', 'Email', 'email')}${input('customerId', 'Customer id', 'text')}${input('phone', 'Phone', 'tel')}
<div class="field buttons"><button type="submit">Find</button></div></form>
${!found
  ? searched ? '' : html`<p class="muted">Find a customer of the warehouse by any of their identifiers.</p>`
  : found.outcome === 'notFound'
    ? html`<p class="empty">No customer in the warehouse has these identifiers.</p>`
    : found.outcome === 'ambiguous'
      ? html`<p class="empty">These identifiers match ${found.candidates} different customers. Search by one identifier.</p>`
      : html`<div class="detail"><div class="facts">
<section aria-labelledby="h-fields"><h2 id="h-fields">${found.model.users.displayName}</h2><dl>${found.fields.map((f) => html`<dt class="mono">${f.name}</dt><dd>${f.value ?? html`<span class="muted">empty</span>`}</dd>`)}</dl></section>
<section aria-labelledby="h-rows"><h2 id="h-rows">Rows held about them</h2><dl>${found.counts.map((m) => html`<dt>${m.name}</dt><dd>${m.n}</dd>`)}</dl></section>
<section aria-labelledby="h-their"><h2 id="h-their">Their requests</h2>${found.subjects.length
  ? html`<p class="muted">Subject${found.subjects.length === 1 ? '' : 's'} ${found.subjects.map((x, i) => html`${i ? ', ' : ''}<a class="mono" href="/console?find=${toDid(x.id)}&amp;sort=received">${toDid(x.id)}</a>${found.subjects.length > 1 ? ` (${x.organization_id})` : ''}`)}</p>`
  : ''}${found.requests.length === 0
  ? html`<p class="muted">None.</p>`
  : html`<ul class="plain">${found.requests.map((r) => html`<li>${typeLabel(r.type as RequestType)} <a class="mono" href="/console/requests/${r.id}">${r.id.slice(0, 8)}</a> ${statusBadge(r.status as RequestStatus)} received ${lawDate(r.received_at, r.regulation, now, r.holiday_calendar)}, ${dueFacts(r.due_at, r.regulation, now, !isTerminal(r.status as RequestStatus), r.holiday_calendar).text}${found.subjects.length > 1 ? html` <span class="muted">(${r.organization_id})</span>` : ''}</li>`)}</ul>${found.requests.length === PROFILE_REQUESTS ? html`<p class="hint">The newest ${PROFILE_REQUESTS}; the subject's link lists them all.</p>` : ''}`}</section>
<section aria-labelledby="h-suppressions"><h2 id="h-suppressions">Suppressions in force</h2>${found.suppressions.length === 0
  ? html`<p class="muted">None.</p>`
  : html`<ul class="plain">${found.suppressions.map((x) => html`<li><strong>${humanize(x.scope)}</strong> (${humanize(x.basis)}) since ${utcStamp(x.effective_at)}, by request <a class="mono" href="/console/requests/${x.request_id}">${x.request_id.slice(0, 8)}</a></li>`)}</ul>`}</section>
</div>
${mayAct(actor) && found.email
  ? html`<aside class="actions" aria-labelledby="h-export"><h2 id="h-export">Export customer data</h2>
${failed ? html`<p class="refusal" role="alert" id="export-error"><strong>Not done:</strong> ${failed.error}</p>` : ''}
<form method="post" action="/console/customers/export" class="stack">${formGuards(c.get('csrfToken'), randomUUID())}
<input type="hidden" name="email" value="${found.email}">${found.customerId ? html`<input type="hidden" name="customerId" value="${found.customerId}">` : ''}
<div class="field"><label for="x-regulation">Under which law?</label><select id="x-regulation" name="regulation" required>${REGULATION_CODES.map((r) => html`<option value="${r}"${r === (failed?.values.regulation ?? 'GDPR') ? ' selected' : ''}>${REGULATION_WORDS(r)}</option>`)}</select></div>
<fieldset class="checks"><legend>Formats</legend>${EXPORT_FORMATS.map((f) => html`<div><input type="checkbox" id="x-${f}" name="formats" value="${f}"${chosen(f) ? ' checked' : ''}><label for="x-${f}">${f.toUpperCase()}</label></div>`)}</fieldset>
<p class="hint">Opens an access request on channel “staff”, received now. Verify the customer's identity on the request's page; the files follow its approval.</p>
<button type="submit">Export customer data</button></form>
<h2 class="spaced">Delete customer</h2>
<form method="get" action="/console/customers/erase" class="stack"><input type="hidden" name="email" value="${found.email}">
<p class="hint">Shows what would be erased and what the law keeps, before anything is asked for.</p>
<button type="submit" class="warning">Delete customer…</button></form></aside>`
  : ''}</div>`}`;
  return c.html(layout({ title: 'Customer profile', actor, csrfToken: c.get('csrfToken'), unread: c.get('unread'), section: 'customers', body }), status);
}

/** A form that opens a request for a warehouse customer (export, delete): an acting form by staff who may search the warehouse. */
export async function customerRequestForm(c: Context<ConsoleEnv>, deps: AppDeps) {
  const acting = await actingForm(c, deps);
  assertMaySearch(acting.actor);
  return acting;
}

export async function postCustomerExport(c: Context<ConsoleEnv>, deps: AppDeps) {
  const { arrivedAt, form, actor, key } = await customerRequestForm(c, deps);
  const one = firstValue;
  const formats = [form.formats ?? []].flat();
  const again = (error: string, status: 400 | 409 | 503) => customerView(c, deps, { error, values: form }, status);
  const body = CreateRequestSchema.safeParse({
    type: 'access',
    regulation: one(form.regulation),
    channel: 'staff',
    subject: { email: one(form.email), ...(one(form.customerId) ? { customerId: one(form.customerId) } : {}) },
    ...(formats.length ? { formats } : {}),
  });
  if (!body.success) return again(`Check: ${fieldProblems(body.error.issues).map((p) => p.field).join(', ')}`, 400);
  try {
    const { row } = await openRequest(deps, body.data, { actor, arrivedAt, idempotencyKey: `console-${key}` });
    return c.redirect(`/console/requests/${row.id}?done=created`, 303);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 400 || error.status === 409 || error.status === 503)) return again(error.message, error.status);
    throw error;
  }
}
