import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { REGULATION_CODES, isTypeAllowed } from '../../domain/regulations.ts';
import { erasurePlan, modelShapes } from '../../domain/erasure-plan.ts';
import { erasureModels, readSubjectFacts } from '../../warehouse/erasure.ts';
import { lookupSubject } from '../../warehouse/subject-lookup.ts';
import { assertMayAct } from '../access.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError, fieldProblems } from '../errors.ts';
import { openRequest } from '../requests/open-request.ts';
import { CreateRequestSchema } from '../requests/requests.routes.ts';
import { assertMaySearch, customerRequestForm, FindQuery, resolvedModel } from './customers.ts';
import { formGuards, layout } from './layout.ts';
import { firstValue, type ConsoleEnv } from './session.ts';
import { humanize, REGULATION_WORDS } from './words.ts';

// "Delete customer": the erasure plan as it stands now (the retention policy the worker applies, no legal hold yet),
// shown before an erasure request is opened on channel `staff`. Nothing is erased here: the request still goes
// through verification and assessment, where the plan is computed again.

export async function erasePreview(c: Context<ConsoleEnv>, deps: AppDeps, failed?: string, status: 200 | 400 | 409 | 503 = 200, email?: string) {
  const actor = c.get('actor');
  assertMayAct(actor);
  assertMaySearch(actor);
  const q = FindQuery.safeParse(email ? { email } : c.req.query());
  if (!q.success || !q.data.email) throw new ApiError(400, 'VALIDATION_FAILED', 'Open this page from a customer’s profile (it needs their email).');
  if (!deps.retentionPolicy) throw new ApiError(503, 'RETENTION_POLICY_MISSING', 'This server has no retention policy loaded, so it cannot show what an erasure would keep.');
  const model = await resolvedModel(deps);
  const match = await lookupSubject(deps.pool, model, { request_id: randomUUID(), email: q.data.email, customer_id: null, full_name: null, phone: null, extra_identifiers: {} });
  if (match.outcome !== 'found') throw new ApiError(404, 'CUSTOMER_NOT_FOUND', 'No single customer in the warehouse has this email.');
  const now = deps.now();
  const facts = await readSubjectFacts(deps.pool, erasureModels(deps.dataModel), deps.retentionPolicy, match.userKey);
  const plan = erasurePlan({ shapes: modelShapes(deps.dataModel), facts, policy: deps.retentionPolicy, holds: [], asOf: now });
  const names = new Map(model.models.map((m) => [m.name, m.displayName]));
  const body = html`<p class="crumbs"><a href="/console/customers?email=${encodeURIComponent(q.data.email)}">Customer profile</a></p>
<h1>Delete customer: what would happen</h1>
<p>As of now, an erasure would do this. Nothing is erased on this page; the request you open is verified and assessed first, and the plan is made again then (with any legal hold staff name).</p>
<div class="table-wrap" tabindex="0" role="region" aria-label="Erasure plan"><table><thead><tr><th scope="col">Data</th><th scope="col">Action</th><th scope="col">Rows now</th><th scope="col">Kept</th><th scope="col">Why kept, until</th></tr></thead><tbody>
${plan.models.map((m) => html`<tr><td data-label="Data">${names.get(m.model) ?? m.model}</td><td data-label="Action">${humanize(m.action)}</td><td data-label="Rows now">${m.action === 'none' ? `${m.untouched} left as they are` : m.eligible.length}</td>
<td data-label="Kept">${m.retained.reduce((n, g) => n + g.keys.length, 0)}</td>
<td data-label="Why kept">${m.retained.map((g) => `${g.reasons.map((r) => humanize(r.kind)).join(', ')}${g.eligibleAt ? ` until ${g.eligibleAt.slice(0, 10)}` : ''}`).join('; ')}</td></tr>`)}
</tbody></table></div>
${failed ? html`<p class="refusal" role="alert" id="erase-error"><strong>Not done:</strong> ${failed}</p>` : ''}
<form method="post" action="/console/customers/erase" class="stack narrow-form spaced">${formGuards(c.get('csrfToken'), randomUUID())}
<input type="hidden" name="email" value="${q.data.email}">
<div class="field"><label for="e-regulation">Under which law did they ask?</label><select id="e-regulation" name="regulation" required>${REGULATION_CODES.filter((r) => isTypeAllowed(r, 'erasure')).map((r) => html`<option value="${r}">${REGULATION_WORDS(r)}</option>`)}</select></div>
<button type="submit" class="warning">Open the erasure request</button></form>`;
  return c.html(layout({ title: 'Delete customer', actor, csrfToken: c.get('csrfToken'), unread: c.get('unread'), section: 'customers', body }), status);
}

export async function postErase(c: Context<ConsoleEnv>, deps: AppDeps) {
  const { arrivedAt, form, actor, key } = await customerRequestForm(c, deps);
  const one = firstValue;
  const email = one(form.email) ?? '';
  const body = CreateRequestSchema.safeParse({ type: 'erasure', regulation: one(form.regulation), channel: 'staff', subject: { email } });
  if (!body.success) return erasePreview(c, deps, `Check: ${fieldProblems(body.error.issues).map((p) => p.field).join(', ')}`, 400, email);
  try {
    const { row } = await openRequest(deps, body.data, { actor, arrivedAt, idempotencyKey: `console-${key}` });
    return c.redirect(`/console/requests/${row.id}?done=created`, 303);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 400 || error.status === 409 || error.status === 503)) return erasePreview(c, deps, error.message, error.status, email);
    throw error;
  }
}
