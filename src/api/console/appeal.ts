import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { findAppealOfRequest } from '../../db/appeals.ts';
import { findSubmission, recordSubmission } from '../../db/console-sessions.ts';
import { findNote, findRequest, type RequestRow } from '../../db/requests.ts';
import { appealDeadline, appealRuleFor } from '../../domain/appeals.ts';
import { authorityFor } from '../../domain/authorities.ts';
import { assertMayAct, assertOrganization, mayAct } from '../access.ts';
import { decideAppeal, extendAppeal, extensionVerdictOf, fileAppeal } from '../appeals/file-appeal.ts';
import type { Actor } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { formGuards, type Html } from './layout.ts';
import { checkedForm, firstValue, formIdempotencyKey, type ConsoleEnv } from './session.ts';
import { lawDate, utcStamp } from './words.ts';

// The request page's appeal (docs/appeals.md): what was appealed and when it must be decided, the decision form with
// its reasons, the extension form where the law allows one and it is still in time, or, for a refusal under a law
// that grants an appeal, the form to record one the consumer sent us.

/** A decision or extension the API refused, shown beside its form with what staff typed. */
export interface AppealFormState {
  step: 'decide' | 'extend';
  values: Record<string, string>;
  error: string;
}

/** The appeal section, or nothing where the regime grants none or the request is still open. */
export async function appealSection(deps: AppDeps, actor: Actor, row: RequestRow, csrf: string, failed?: AppealFormState): Promise<Html | ''> {
  const rule = appealRuleFor(row.regulation);
  if (!rule || (row.status !== 'rejected' && row.status !== 'completed')) return '';
  const appeal = await findAppealOfRequest(deps.pool, row.id);
  const heading = html`<h2 id="h-appeal">Appeal</h2>`;
  if (!appeal) {
    if (!mayAct(actor)) return html`<section aria-labelledby="h-appeal">${heading}<p class="muted">Not appealed.</p></section>`;
    return html`<section aria-labelledby="h-appeal">${heading}<p class="muted">Not appealed. The consumer may appeal a refusal or a partial answer (${rule.source}); the refusal email carries their link.</p>
<details><summary>Record an appeal the consumer sent us…</summary><form method="post" action="/console/requests/${row.id}/appeal/file" class="stack">${formGuards(csrf, randomUUID())}
<div class="field"><label for="appeal-statement">What does the consumer say? (optional)</label><textarea id="appeal-statement" name="statement" rows="3" maxlength="4000"></textarea></div>
<button type="submit">Record the appeal</button></form></details></section>`;
  }
  const overdue = appeal.overdue && appeal.status === 'received';
  const note = (id: string | null) => (id ? findNote(deps.pool, id) : null);
  const [statement, reasons, delay] = await Promise.all([note(appeal.statement_note_id), note(appeal.decision_note_id), note(appeal.extension_note_id)]);
  const now = deps.now();
  const days = appeal.extended_at && rule.extension ? rule.extension.maxTotal.amount : rule.decisionWithin.amount;
  const facts = html`<dl><dt>Received</dt><dd>${utcStamp(appeal.received_at)} <span class="muted">(${appeal.channel === 'subject' ? 'from the consumer' : `recorded by ${appeal.created_by}`})</span></dd>
<dt>Decision due</dt><dd class="${overdue ? 'late' : ''}">${lawDate(appeal.due_at, row.regulation, now)} <span class="muted">(${days} days, ${rule.source})</span>${overdue ? html` <span class="flag">Overdue</span>` : ''}</dd>
${appeal.extended_at ? html`<dt>Extended</dt><dd>by ${appeal.extended_by}, ${utcStamp(appeal.extended_at)}; first due ${lawDate(appealDeadline(row.regulation, new Date(appeal.received_at)).dueAt.toISOString(), row.regulation, now)}</dd>
${delay ? html`<dt>Why more time</dt><dd>${delay}</dd>` : ''}` : ''}
${statement ? html`<dt>The consumer says</dt><dd>${statement}</dd>` : ''}
<dt>Status</dt><dd>${appeal.status === 'received' ? 'Waiting for a decision' : html`${appeal.status === 'granted' ? 'Granted' : 'Denied'} by ${appeal.decided_by}, ${utcStamp(appeal.decided_at!)}`}</dd>
${reasons ? html`<dt>Reasons given</dt><dd>${reasons}</dd>` : ''}</dl>`;
  const form =
    appeal.status === 'received' && mayAct(actor)
      ? html`<form method="post" action="/console/requests/${row.id}/appeal/decide" class="stack">${formGuards(csrf, randomUUID())}
<fieldset class="radios"><legend>Your decision on the appeal</legend>
<div><input type="radio" id="appeal-grant" name="decision" value="granted" required><label for="appeal-grant">Grant: we reverse our decision</label></div>
<div><input type="radio" id="appeal-deny" name="decision" value="denied"><label for="appeal-deny">Deny: we keep our decision (the consumer is told how to contact ${authorityFor(row.regulation).name})</label></div></fieldset>
<div class="field"><label for="appeal-reasons">Reasons, sent to the consumer</label><textarea id="appeal-reasons" name="reasons" rows="4" required minlength="3" maxlength="4000">${failed?.step === 'decide' ? (failed.values.reasons ?? '') : ''}</textarea></div>
<button type="submit">Decide the appeal</button></form>`
      : '';
  // Offered only while it is valid now (the law allows it, not yet used, inside the initial period); the workflow checks again.
  const extension = appeal.status === 'received' && mayAct(actor) && appeal.workflow_started_at ? extensionVerdictOf(appeal, now) : null;
  const extendForm =
    extension?.ok
      ? html`<details${failed?.step === 'extend' ? ' open' : ''}><summary>Extend the decision deadline…</summary><form method="post" action="/console/requests/${row.id}/appeal/extend" class="stack">${formGuards(csrf, randomUUID())}
<p class="muted">To ${lawDate(extension.dueAt.toISOString(), row.regulation, now)}, once (${rule.source}). The consumer is told the new date and your reasons now, inside the first ${rule.decisionWithin.amount} days.</p>
<div class="field"><label for="appeal-extension-reason">Why more time is needed, sent to the consumer</label><textarea id="appeal-extension-reason" name="reason" rows="3" required minlength="3" maxlength="4000">${failed?.step === 'extend' ? (failed.values.reason ?? '') : ''}</textarea></div>
<button type="submit">Extend the decision deadline</button></form></details>`
      : '';
  const refusal = failed ? html`<p class="refusal" role="alert" id="appeal-error"><strong>Not done:</strong> ${failed.error}</p>` : '';
  return html`<section aria-labelledby="h-appeal">${heading}${facts}${refusal}${form}${extendForm}</section>`;
}

const DecisionForm = z.object({ decision: z.enum(['granted', 'denied']), reasons: z.string().trim().min(3).max(4000) });
const ExtensionForm = z.object({ reason: z.string().trim().min(3).max(4000) });

/**
 * POST /console/requests/:id/appeal/{file,decide,extend}: the API's own functions, a double submission replays the
 * first; a refused decision or extension is shown on the page beside its form.
 */
export async function postAppeal(c: Context<ConsoleEnv>, deps: AppDeps, render: (state: AppealFormState, status: 400 | 409 | 503) => Promise<Response>): Promise<Response> {
  const form = await checkedForm(c, deps);
  const actor = c.get('actor');
  assertMayAct(actor);
  const id = z.uuid().safeParse(c.req.param('id'));
  const step = c.req.param('step');
  if (!id.success || (step !== 'file' && step !== 'decide' && step !== 'extend')) throw new ApiError(404, 'ROUTE_NOT_FOUND', 'There is no such request or appeal step.');
  const row = await findRequest(deps.pool, id.data);
  if (!row) throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with id ${id.data}`);
  assertOrganization(actor, row.organization_id);
  const key = formIdempotencyKey(form);
  const done = () => c.redirect(`/console/requests/${row.id}?done=${step === 'extend' ? 'appeal-extended' : 'appeal'}`, 303);
  if ((await findSubmission(deps.pool, actor.tokenId, key))?.request_id === row.id) return done();
  if (step === 'file') {
    const statement = (firstValue(form.statement) ?? '').trim();
    await fileAppeal(deps, row.id, { channel: 'staff', actor: actor.name, statement: statement ? statement.slice(0, 4000) : undefined });
  } else {
    const values = { decision: firstValue(form.decision) ?? '', reasons: firstValue(form.reasons) ?? '', reason: firstValue(form.reason) ?? '' };
    try {
      if (step === 'decide') {
        const parsed = DecisionForm.safeParse(values);
        if (!parsed.success) throw new ApiError(400, 'VALIDATION_FAILED', 'Choose grant or deny, and give your reasons (3 to 4000 characters); nothing was decided.');
        await decideAppeal(deps, row.id, { ...parsed.data, actor: actor.name });
      } else {
        const parsed = ExtensionForm.safeParse(values);
        if (!parsed.success) throw new ApiError(400, 'VALIDATION_FAILED', 'Give the reasons for the delay (3 to 4000 characters); the consumer is told them. Nothing was extended.');
        await extendAppeal(deps, row.id, { ...parsed.data, actor: actor.name });
      }
    } catch (error) {
      if (error instanceof ApiError && (error.status === 400 || error.status === 409 || error.status === 503)) return render({ step, values, error: error.message }, error.status);
      throw error;
    }
  }
  await recordSubmission(deps.pool, { key, tokenId: actor.tokenId, requestId: row.id, action: `appeal-${step}`, outcome: 'applied' });
  return done();
}

/** The notes of the request's appeal (the consumer's statement, staff's reasons): shown in the appeal, not as staff notes. */
export async function appealNoteIds(deps: AppDeps, requestId: string): Promise<Set<string>> {
  const appeal = await findAppealOfRequest(deps.pool, requestId);
  return new Set([appeal?.statement_note_id, appeal?.decision_note_id, appeal?.extension_note_id].filter((x): x is string => !!x));
}
