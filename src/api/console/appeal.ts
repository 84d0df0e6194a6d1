import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { findAppealOfRequest } from '../../db/appeals.ts';
import { findSubmission, recordSubmission } from '../../db/console-sessions.ts';
import { findNote, findRequest, type RequestRow } from '../../db/requests.ts';
import { appealRuleFor } from '../../domain/appeals.ts';
import { authorityFor } from '../../domain/authorities.ts';
import { assertMayAct, assertOrganization, mayAct } from '../access.ts';
import { decideAppeal, fileAppeal } from '../appeals/file-appeal.ts';
import type { Actor } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { formGuards, type Html } from './layout.ts';
import { checkedForm, firstValue, formIdempotencyKey, type ConsoleEnv } from './session.ts';
import { lawDate, utcStamp } from './words.ts';

// The request page's appeal (docs/appeals.md): what was appealed and when it must be decided, the decision form with
// its reasons, or, for a refusal under a law that grants an appeal, the form to record one the consumer sent us.

/** The appeal section, or nothing where the regime grants none or the request is still open. */
export async function appealSection(deps: AppDeps, actor: Actor, row: RequestRow, csrf: string): Promise<Html | ''> {
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
  const [statement, reasons] = await Promise.all([appeal.statement_note_id ? findNote(deps.pool, appeal.statement_note_id) : null, appeal.decision_note_id ? findNote(deps.pool, appeal.decision_note_id) : null]);
  const facts = html`<dl><dt>Received</dt><dd>${utcStamp(appeal.received_at)} <span class="muted">(${appeal.channel === 'subject' ? 'from the consumer' : `recorded by ${appeal.created_by}`})</span></dd>
<dt>Decision due</dt><dd class="${overdue ? 'late' : ''}">${lawDate(appeal.due_at, row.regulation, deps.now())} <span class="muted">(${rule.decisionWithin.amount} days, ${rule.source})</span>${overdue ? html` <span class="flag">Overdue</span>` : ''}</dd>
${statement ? html`<dt>The consumer says</dt><dd>${statement}</dd>` : ''}
<dt>Status</dt><dd>${appeal.status === 'received' ? 'Waiting for a decision' : html`${appeal.status === 'granted' ? 'Granted' : 'Denied'} by ${appeal.decided_by}, ${utcStamp(appeal.decided_at!)}`}</dd>
${reasons ? html`<dt>Reasons given</dt><dd>${reasons}</dd>` : ''}</dl>`;
  const form =
    appeal.status === 'received' && mayAct(actor)
      ? html`<form method="post" action="/console/requests/${row.id}/appeal/decide" class="stack">${formGuards(csrf, randomUUID())}
<fieldset class="radios"><legend>Your decision on the appeal</legend>
<div><input type="radio" id="appeal-grant" name="decision" value="granted" required><label for="appeal-grant">Grant: we reverse our decision</label></div>
<div><input type="radio" id="appeal-deny" name="decision" value="denied"><label for="appeal-deny">Deny: we keep our decision (the consumer is told how to contact ${authorityFor(row.regulation).name})</label></div></fieldset>
<div class="field"><label for="appeal-reasons">Reasons, sent to the consumer</label><textarea id="appeal-reasons" name="reasons" rows="4" required minlength="3" maxlength="4000"></textarea></div>
<button type="submit">Decide the appeal</button></form>`
      : '';
  return html`<section aria-labelledby="h-appeal">${heading}${facts}${form}</section>`;
}

const DecisionForm = z.object({ decision: z.enum(['granted', 'denied']), reasons: z.string().trim().min(3).max(4000) });

/** POST /console/requests/:id/appeal/{file,decide}: the API's own functions, a double submission replays the first. */
export async function postAppeal(c: Context<ConsoleEnv>, deps: AppDeps): Promise<Response> {
  const form = await checkedForm(c, deps);
  const actor = c.get('actor');
  assertMayAct(actor);
  const id = z.uuid().safeParse(c.req.param('id'));
  const step = c.req.param('step');
  if (!id.success || (step !== 'file' && step !== 'decide')) throw new ApiError(404, 'ROUTE_NOT_FOUND', 'There is no such request or appeal step.');
  const row = await findRequest(deps.pool, id.data);
  if (!row) throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with id ${id.data}`);
  assertOrganization(actor, row.organization_id);
  const key = formIdempotencyKey(form);
  const done = () => c.redirect(`/console/requests/${row.id}?done=appeal`, 303);
  if ((await findSubmission(deps.pool, actor.tokenId, key))?.request_id === row.id) return done();
  if (step === 'file') {
    const statement = (firstValue(form.statement) ?? '').trim();
    await fileAppeal(deps, row.id, { channel: 'staff', actor: actor.name, statement: statement ? statement.slice(0, 4000) : undefined });
  } else {
    const parsed = DecisionForm.safeParse({ decision: firstValue(form.decision), reasons: firstValue(form.reasons) });
    if (!parsed.success) throw new ApiError(400, 'VALIDATION_FAILED', 'Choose grant or deny, and give your reasons (3 to 4000 characters); nothing was decided.');
    await decideAppeal(deps, row.id, { ...parsed.data, actor: actor.name });
  }
  await recordSubmission(deps.pool, { key, tokenId: actor.tokenId, requestId: row.id, action: `appeal-${step}`, outcome: 'applied' });
  return done();
}

/** The notes of the request's appeal (the consumer's statement, staff's reasons): shown in the appeal, not as staff notes. */
export async function appealNoteIds(deps: AppDeps, requestId: string): Promise<Set<string>> {
  const appeal = await findAppealOfRequest(deps.pool, requestId);
  return new Set([appeal?.statement_note_id, appeal?.decision_note_id].filter((x): x is string => !!x));
}
