import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { findSubmission, recordSubmission } from '../../db/console-sessions.ts';
import type { RequestRow } from '../../db/requests.ts';
import { findRequest } from '../../db/requests.ts';
import { checkedCalendar } from '../../domain/holidays.ts';
import { CANCELLATION_REASONS, checkAssessment, checkCancellation, checkCompletion, checkExtension, checkVerification, EXTENSION_REASONS, LEGAL_EXCEPTIONS, REJECTION_REASONS, VERIFICATION_METHODS, type ActionContext, type Verdict } from '../../domain/actions.ts';
import { isRegulationCode, isTypeAllowed, verificationPolicy, type RegulationCode } from '../../domain/regulations.ts';
import { assessUpdate, cancelUpdate, completeUpdate, extendUpdate, verifyUpdate } from '../../workflows/messages.ts';
import { assertMayAct, assertOrganization, mayAct } from '../access.ts';
import type { Actor } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError, fieldProblems } from '../errors.ts';
import { AssessmentBody, CancellationBody, CompletionBody, ExtensionBody, VerificationBody } from '../requests/actions.routes.ts';
import { sendDecision } from '../requests/actions.handlers.ts';
import { formGuards, type Html } from './layout.ts';
import { checkedForm, formIdempotencyKey, type ConsoleEnv } from './session.ts';
import { humanize } from './words.ts';

// The decisions staff take in the console: each offered only when the domain's rules allow it now, and sent through
// the API's own sendDecision (the same Update, validator and Idempotency-Key handling as POST /v1/requests/{id}/...).

export const ACTIONS = ['verify', 'assess', 'extend', 'cancel', 'complete'] as const;
export type ConsoleAction = (typeof ACTIONS)[number];

/** What a refused or invalid form shows again: the values typed and why it was refused. */
export interface FormState {
  action: ConsoleAction;
  values: Record<string, string | string[]>;
  error: string;
}

/** The actions valid now for this role and this request, judged by the same rules as the workflow's validators. */
export function availableActions(deps: AppDeps, actor: Actor, row: RequestRow): Partial<Record<ConsoleAction, Verdict>> {
  if (!mayAct(actor) || !row.workflow_started_at || !isRegulationCode(row.regulation) || !isTypeAllowed(row.regulation, row.type)) return {};
  const regulation: RegulationCode = row.regulation;
  const ctx: ActionContext = {
    status: row.status,
    regulation,
    type: row.type,
    receivedAt: new Date(row.received_at),
    dueAt: new Date(row.extended_due_at ?? row.due_at),
    extensionsUsed: row.extensions_used,
    pausedDays: row.paused_days,
    calendar: row.holiday_calendar ? checkedCalendar(row.holiday_calendar) : undefined,
    now: deps.now(),
    verificationRequired: verificationPolicy(regulation, row.type) === 'required',
    autoApprove: deps.workflows.autoApproveTypes.includes(row.type),
    queued: { verification: null, assessment: false },
    queueing: true,
  };
  const verdicts: Record<ConsoleAction, Verdict> = {
    verify: checkVerification(ctx),
    assess: checkAssessment(ctx, { decision: 'approve', actor: actor.name }),
    extend: checkExtension(ctx),
    cancel: checkCancellation(ctx),
    complete: checkCompletion(ctx),
  };
  return Object.fromEntries(Object.entries(verdicts).filter(([, v]) => v.ok));
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
const many = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const text = (v: string | string[] | undefined) => {
  const s = one(v)?.trim();
  return s ? s : undefined;
};

/** The form's fields as the API's body for the action, parsed by the API's own schema. */
function bodyOf(action: ConsoleAction, f: Record<string, string | string[]>) {
  switch (action) {
    case 'verify':
      return VerificationBody.safeParse({ outcome: one(f.outcome), method: one(f.method) });
    case 'assess': {
      const exceptions = many(f.legalExceptions);
      return AssessmentBody.safeParse({
        decision: one(f.decision),
        ...(one(f.decision) === 'reject' && text(f.rejectionReason) ? { rejectionReason: text(f.rejectionReason) } : {}),
        ...(exceptions.length ? { legalExceptions: exceptions } : {}),
        ...(text(f.note) ? { note: text(f.note) } : {}),
      });
    }
    case 'extend':
      return ExtensionBody.safeParse({ reason: one(f.reason), ...(text(f.note) ? { note: text(f.note) } : {}) });
    case 'cancel':
      return CancellationBody.safeParse({ reason: one(f.reason), ...(text(f.note) ? { note: text(f.note) } : {}) });
    case 'complete':
      return CompletionBody.safeParse({ ...(text(f.note) ? { note: text(f.note) } : {}) });
  }
}

type Body = { note?: string | undefined } & Record<string, unknown>;

function decide(deps: AppDeps, id: string, action: ConsoleAction, body: Body, actor: string, key: string) {
  const { note, ...rest } = body;
  const n = { author: actor, body: note };
  const withNote = (noteId?: string) => ({ ...rest, actor, ...(noteId ? { noteId } : {}) });
  switch (action) {
    case 'verify':
      return sendDecision(deps, id, verifyUpdate, () => ({ ...(rest as z.infer<typeof VerificationBody>), actor }), { author: actor }, key);
    case 'assess':
      return sendDecision(deps, id, assessUpdate, (noteId) => withNote(noteId) as never, n, key);
    case 'extend':
      return sendDecision(deps, id, extendUpdate, (noteId) => withNote(noteId) as never, n, key);
    case 'cancel':
      return sendDecision(deps, id, cancelUpdate, (noteId) => withNote(noteId) as never, n, key);
    case 'complete':
      return sendDecision(deps, id, completeUpdate, (noteId) => withNote(noteId) as never, n, key);
  }
}


/**
 * POST /console/requests/:id/:action. Success redirects (303) to the request with a notice, so a refresh re-reads
 * instead of re-posting; the form's Idempotency-Key makes a second submission replay the first outcome.
 */
export async function postAction(c: Context<ConsoleEnv>, deps: AppDeps, render: (state: FormState, status: 400 | 403 | 404 | 409 | 503) => Promise<Response>) {
  const form = await checkedForm(c, deps);
  const actor = c.get('actor');
  assertMayAct(actor);
  const id = z.uuid().safeParse(c.req.param('id'));
  const action = z.enum(ACTIONS).safeParse(c.req.param('action'));
  if (!id.success || !action.success) throw new ApiError(404, 'ROUTE_NOT_FOUND', 'There is no such request or action.');
  const row = await findRequest(deps.pool, id.data);
  if (!row) throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with id ${id.data}`);
  assertOrganization(actor, row.organization_id);
  const key = formIdempotencyKey(form);
  const done = (outcome: string) => c.redirect(`/console/requests/${row.id}?done=${action.data}${outcome === 'queued' ? '&queued=1' : ''}`, 303);
  const prior = await findSubmission(deps.pool, actor.tokenId, key);
  if (prior && prior.request_id === row.id) return done(prior.outcome);
  const body = bodyOf(action.data, form);
  if (!body.success) {
    const fields = fieldProblems(body.error.issues).map((p) => humanize(p.field));
    return render({ action: action.data, values: form, error: `Please answer: ${fields.join(', ')}.` }, 400);
  }
  try {
    const result = await decide(deps, row.id, action.data, body.data as Body, actor.name, key);
    const outcome = result.queued ? 'queued' : 'applied';
    await recordSubmission(deps.pool, { key, tokenId: actor.tokenId, requestId: row.id, action: action.data, outcome });
    return done(outcome);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 409 || error.status === 503 || error.status === 400)) {
      return render({ action: action.data, values: form, error: error.message }, error.status);
    }
    throw error;
  }
}

const NOTICES: Record<ConsoleAction, string> = {
  verify: 'Identity decision recorded.',
  assess: 'Assessment recorded.',
  extend: 'Deadline extended.',
  cancel: 'Request cancelled.',
  complete: 'Request marked complete.',
};
const OTHER_NOTICES: Record<string, string> = {
  created: 'Request recorded. Its workflow has started and the legal clock runs from when it arrived.',
  lift: 'Lift recorded. It is applied by its workflow, which also tells connected systems.',
  'duplicate-merged': 'Merged: this request is closed as a duplicate; the subject is told which open request answers it.',
  'duplicate-kept': 'Kept: both requests go on.',
  appeal: 'Appeal recorded. Its workflow tells the consumer and keeps the decision deadline.',
  'appeal-extended': 'Decision deadline extended. The consumer is told the new date and your reasons.',
};
export const doneNotice = (action: string | undefined, queued: boolean) =>
  action && action in NOTICES
    ? `${NOTICES[action as ConsoleAction]}${queued ? ' It is queued behind the step under way and will be applied without another click.' : ''}`
    : action
      ? OTHER_NOTICES[action]
      : undefined;

// ---- The forms ----

const checked = (s: FormState | undefined, name: string, value: string) => (s && many(s.values[name]).includes(value) ? ' checked' : '');
const selected = (s: FormState | undefined, name: string, value: string) => (s && one(s.values[name]) === value ? ' selected' : '');
const select = (id: string, name: string, label: string, values: readonly string[], s: FormState | undefined, required = true) =>
  html`<div class="field"><label for="${id}">${label}</label><select id="${id}" name="${name}"${required ? ' required' : ''}><option value="">Choose…</option>${values.map((v) => html`<option value="${v}"${selected(s, name, v)}>${humanize(v)}</option>`)}</select></div>`;
const noteField = (id: string, label: string, s: FormState | undefined) =>
  html`<div class="field"><label for="${id}">${label} <span class="hint">(optional)</span></label><textarea id="${id}" name="note" rows="3" maxlength="4000">${s ? (one(s.values.note) ?? '') : ''}</textarea></div>`;

/** One action's form; an inline refusal (the workflow's reason) sits at its top and is announced. */
export function actionForm(action: ConsoleAction, requestId: string, csrfToken: string, state: FormState | undefined): Html {
  const s = state?.action === action ? state : undefined;
  const idp = `${action}-`;
  const fields = (() => {
    switch (action) {
      case 'verify':
        return html`<fieldset class="radios"><legend>Is the subject who they say they are?</legend>
<div><input type="radio" id="${idp}ok" name="outcome" value="verified" required${checked(s, 'outcome', 'verified')}><label for="${idp}ok">Yes, verified</label></div>
<div><input type="radio" id="${idp}no" name="outcome" value="failed"${checked(s, 'outcome', 'failed')}><label for="${idp}no">No, verification failed (the request is rejected)</label></div></fieldset>
${select(`${idp}method`, 'method', 'How was it checked?', VERIFICATION_METHODS, s)}`;
      case 'assess':
        return html`<fieldset class="radios"><legend>Your decision</legend>
<div><input type="radio" id="${idp}approve" name="decision" value="approve" required${checked(s, 'decision', 'approve')}><label for="${idp}approve">Approve</label></div>
<div><input type="radio" id="${idp}reject" name="decision" value="reject"${checked(s, 'decision', 'reject')}><label for="${idp}reject">Reject</label></div></fieldset>
${select(`${idp}reason`, 'rejectionReason', 'If rejecting, why?', REJECTION_REASONS, s, false)}
<fieldset class="checks"><legend>Legal exceptions that keep data <span class="hint">(optional)</span></legend>
${LEGAL_EXCEPTIONS.map((e) => html`<div><input type="checkbox" id="${idp}${e}" name="legalExceptions" value="${e}"${checked(s, 'legalExceptions', e)}><label for="${idp}${e}">${humanize(e)}</label></div>`)}</fieldset>
${noteField(`${idp}note`, 'Note to keep with the decision (a rejection’s note is sent to the subject)', s)}`;
      case 'extend':
        return html`${select(`${idp}reason`, 'reason', 'Why is more time needed?', EXTENSION_REASONS, s)}${noteField(`${idp}note`, 'Note', s)}`;
      case 'cancel':
        return html`${select(`${idp}reason`, 'reason', 'Why cancel?', CANCELLATION_REASONS, s)}${noteField(`${idp}note`, 'Note', s)}`;
      case 'complete':
        return html`<p class="hint">For work done outside dsrflow. The subject is told the request is complete.</p>${noteField(`${idp}note`, 'Note to the subject', s)}`;
    }
  })();
  const titles: Record<ConsoleAction, string> = { verify: 'Verify identity', assess: 'Approve or reject', extend: 'Extend the deadline', cancel: 'Cancel the request', complete: 'Mark complete' };
  const buttons: Record<ConsoleAction, string> = { verify: 'Verify identity', assess: 'Approve or reject', extend: 'Extend', cancel: 'Cancel request', complete: 'Confirm completion' };
  const inner = html`${s ? html`<p class="refusal" role="alert" id="${idp}error"><strong>Not done:</strong> ${s.error}</p>` : ''}
<form method="post" action="/console/requests/${requestId}/${action}" class="stack">${formGuards(csrfToken, randomUUID())}
${fields}
<button type="submit"${action === 'cancel' ? ' class="warning"' : ''}>${buttons[action]}</button>
</form>`;
  // The decision the request waits for is open; the others fold away until wanted (or until one was refused).
  if (action === 'verify' || action === 'assess') return html`<section class="action" aria-labelledby="${idp}title"><h3 id="${idp}title">${titles[action]}</h3>${inner}</section>`;
  return html`<details class="action"${s ? ' open' : ''}><summary><h3>${titles[action]}</h3></summary>${inner}</details>`;
}
