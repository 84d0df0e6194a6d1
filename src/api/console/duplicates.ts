import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { findSubmission, recordSubmission } from '../../db/console-sessions.ts';
import type { RequestRow } from '../../db/requests.ts';
import { findDuplicate } from '../../db/subject-records.ts';
import { isTerminal, type RequestStatus } from '../../domain/request.ts';
import { mayAct } from '../access.ts';
import type { Actor } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError, fieldProblems } from '../errors.ts';
import { decideDuplicate } from '../subjects/duplicate-decision.ts';
import { DuplicateDecisionBody } from '../subjects/duplicates.routes.ts';
import { formGuards, type Html } from './layout.ts';
import { actingForm, firstValue, requestInPath, type ConsoleEnv } from './session.ts';
import { statusBadge, utcStamp } from './words.ts';

// A request flagged as a possible duplicate (docs/subjects.md): staff see the open request it repeats and merge it
// into that one or keep both, through the API's own decideDuplicate, with the form's Idempotency-Key.

export interface DuplicateState {
  values: Record<string, string | string[]>;
  error: string;
}

/**
 * The duplicate's facts and, while it is undecided and this request still open, the decision form for staff who may
 * act: merge only while the open request has not closed and this one may still be cancelled (`mayCancel`).
 */
export async function duplicateSection(deps: AppDeps, actor: Actor, row: RequestRow, csrf: string, mayCancel: boolean, state?: DuplicateState): Promise<Html | ''> {
  if (!row.duplicate_of) return '';
  const dup = await findDuplicate(deps.pool, row.id);
  if (!dup?.duplicate_of) return '';
  const original = html`<a class="mono" href="/console/requests/${dup.duplicate_of}">${dup.duplicate_of.slice(0, 8)}</a>${dup.original_status ? html` ${statusBadge(dup.original_status as RequestStatus)}` : ''}`;
  const head = html`<h3 id="dup-title">Possible duplicate</h3><p>The same subject asked for the same thing in request ${original}, still open when this one arrived.</p>`;
  if (dup.duplicate_decision) {
    return html`<section class="action" aria-labelledby="dup-title">${head}<p><strong>${dup.duplicate_decision === 'merged' ? 'Merged into it' : 'Kept beside it'}</strong>${dup.duplicate_decided_by ? ` by ${dup.duplicate_decided_by}` : ''}${dup.duplicate_decided_at ? `, ${utcStamp(dup.duplicate_decided_at)}` : ''}.</p></section>`;
  }
  if (!mayAct(actor) || isTerminal(row.status)) return html`<section class="action" aria-labelledby="dup-title">${head}<p class="muted">Not decided.</p></section>`;
  const mergeable = mayCancel && !(dup.original_status && isTerminal(dup.original_status as RequestStatus));
  const chosen = (v: string) => (state && firstValue(state.values.decision) === v ? ' checked' : '');
  return html`<section class="action" aria-labelledby="dup-title">${head}
${state ? html`<p class="refusal" role="alert" id="duplicate-error"><strong>Not done:</strong> ${state.error}</p>` : ''}
<form method="post" action="/console/requests/${row.id}/duplicate" class="stack">${formGuards(csrf, randomUUID())}
<fieldset class="radios"><legend>Merge or keep?</legend>
${mergeable
  ? html`<div><input type="radio" id="dup-merge" name="decision" value="merge" required${chosen('merge')}><label for="dup-merge">Merge: close this request; the subject is told request ${dup.duplicate_of.slice(0, 8)} answers it</label></div>`
  : ''}
<div><input type="radio" id="dup-keep" name="decision" value="keep" required${chosen('keep')}><label for="dup-keep">Keep: both requests go on</label></div></fieldset>
${mergeable ? '' : html`<p class="hint">Merging is not possible: ${dup.original_status && isTerminal(dup.original_status as RequestStatus) ? 'the earlier request has closed' : 'this request can no longer be cancelled'}.</p>`}
<div class="field"><label for="dup-note">Note <span class="hint">(optional, kept with the decision)</span></label><textarea id="dup-note" name="note" rows="2" maxlength="4000">${state ? (firstValue(state.values.note) ?? '') : ''}</textarea></div>
<button type="submit">Record decision</button></form></section>`;
}

/** POST /console/requests/:id/duplicate. Success redirects with a notice; a second submission of the form replays it. */
export async function postDuplicate(c: Context<ConsoleEnv>, deps: AppDeps, render: (state: DuplicateState, status: 400 | 409 | 503) => Promise<Response>) {
  const { form, actor, key } = await actingForm(c, deps);
  const row = await requestInPath(c, deps);
  const done = (action: string) => c.redirect(`/console/requests/${row.id}?done=${action}`, 303);
  const prior = await findSubmission(deps.pool, actor.tokenId, key);
  if (prior && prior.request_id === row.id) return done(prior.action);
  const note = firstValue(form.note)?.trim();
  const body = DuplicateDecisionBody.safeParse({ decision: firstValue(form.decision), ...(note ? { note } : {}) });
  if (!body.success) return render({ values: form, error: `Please answer: ${fieldProblems(body.error.issues).map((p) => (p.field === 'decision' ? 'merge or keep' : p.field)).join(', ')}.` }, 400);
  try {
    const result = await decideDuplicate(deps, row.id, body.data, actor.name, `console-${key}`);
    const action = `duplicate-${result.decision}`;
    await recordSubmission(deps.pool, { key, tokenId: actor.tokenId, requestId: row.id, action, outcome: 'applied' });
    return done(action);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 400 || error.status === 409 || error.status === 503)) return render({ values: form, error: error.message }, error.status);
    throw error;
  }
}
