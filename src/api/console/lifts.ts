import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { findSubmission, recordSubmission } from '../../db/console-sessions.ts';
import { listSuppressionLifts } from '../../db/console-reads.ts';
import type { ErasureSummary } from '../../db/erasure.ts';
import { findRequest, type RequestRow } from '../../db/requests.ts';
import { LEGAL_EXCEPTIONS } from '../../domain/actions.ts';
import { isTerminal } from '../../domain/request.ts';
import { isSuppressionType } from '../../domain/suppression.ts';
import { listSuppressions } from '../../warehouse/suppressions.ts';
import { assertMayAct, assertOrganization, mayAct } from '../access.ts';
import type { Actor } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { liftHold } from '../legal-holds/legal-holds.index.ts';
import { HoldLiftBody } from '../legal-holds/legal-holds.routes.ts';
import { liftSuppression } from '../suppressions/suppressions.index.ts';
import { LiftBody } from '../suppressions/suppressions.routes.ts';
import { formGuards, type Html } from './layout.ts';
import { checkedForm, formIdempotencyKey, type ConsoleEnv } from './session.ts';
import { humanize, utcStamp } from './words.ts';

// Suppressions and legal holds on the request page, with their lifts: the API's own functions (liftSuppression,
// liftHold), each form with its Idempotency-Key so a second submission replays the first outcome.

export interface LiftState {
  target: string;
  reason: string;
  error: string;
}

const liftForm = (action: string, target: string, csrf: string, label: string, state: LiftState | undefined): Html => {
  const s = state?.target === target ? state : undefined;
  const id = `lift-${target}`;
  return html`<details class="lift"${s ? ' open' : ''}><summary>Lift…</summary>
${s ? html`<p class="refusal" role="alert" id="${id}-error"><strong>Not done:</strong> ${s.error}</p>` : ''}
<form method="post" action="${action}" class="stack">${formGuards(csrf, randomUUID())}
<div class="field"><label for="${id}">${label}</label><textarea id="${id}" name="reason" rows="2" required minlength="3" maxlength="2000">${s?.reason ?? ''}</textarea></div>
<button type="submit">Lift</button></form></details>`;
};

/** The suppressions of a restriction, objection or opt-out, each with its lift (or who is lifting it). */
export async function suppressionSection(deps: AppDeps, actor: Actor, row: RequestRow, csrf: string, state?: LiftState): Promise<Html | ''> {
  if (!isSuppressionType(row.type)) return '';
  const [rows, lifts] = await Promise.all([listSuppressions(deps.pool, row.id, deps.settings.warehouseSchema), listSuppressionLifts(deps.pool, row.id)]);
  return html`<section aria-labelledby="h-suppressions"><h2 id="h-suppressions">Suppressions</h2>
${rows.length === 0
  ? html`<p class="muted">None written yet.</p>`
  : html`<ul class="plain">${rows.map((x) => {
      const asked = lifts.find((l) => l.suppression_id === x.suppression_id);
      return html`<li><strong>${humanize(x.scope)}</strong> (${humanize(x.basis)}) since ${utcStamp(x.effective_at)}.
${x.lifted_at
  ? html` <span class="badge tone-done">Lifted</span> ${utcStamp(x.lifted_at)} by ${x.lifted_by}: ${x.lift_reason}`
  : asked
    ? html` <span class="badge tone-wait">Lifting</span> asked by ${asked.lifted_by}, ${utcStamp(asked.requested_at)}`
    : mayAct(actor)
      ? liftForm(`/console/requests/${row.id}/suppressions/${x.suppression_id}/lift`, x.suppression_id, csrf, 'Why does this suppression end?', state)
      : html` <span class="badge tone-work">In force</span>`}</li>`;
    })}</ul>`}
</section>`;
}

/** The legal holds an erasure's assessment placed, each with its lift once the request has ended. */
export function holdsSection(actor: Actor, row: RequestRow, erasure: ErasureSummary | null, csrf: string, state?: LiftState): Html | '' {
  if (!erasure || (erasure.legalHolds.length === 0 && erasure.liftedHolds.length === 0)) return '';
  const liftable = mayAct(actor) && isTerminal(row.status);
  return html`<section aria-labelledby="h-holds"><h2 id="h-holds">Legal holds</h2><ul class="plain">
${erasure.legalHolds.map((basis) => html`<li><strong>${humanize(basis)}</strong> <span class="badge tone-work">Keeping data</span>
${liftable ? liftForm(`/console/requests/${row.id}/legal-holds/${basis}/lift`, basis, csrf, 'Why does this hold end?', state) : ''}</li>`)}
${erasure.liftedHolds.map((h) => html`<li><strong>${humanize(h.basis)}</strong> <span class="badge tone-done">Lifted</span> ${utcStamp(h.liftedAt)} by ${h.liftedBy}${h.reason ? `: ${h.reason}` : ''}</li>`)}
</ul>${!isTerminal(row.status) && erasure.legalHolds.length ? html`<p class="hint">A hold can be lifted once the request has ended.</p>` : ''}</section>`;
}


/** POST /console/requests/:id/{suppressions/:target,legal-holds/:target}/lift */
export async function postLift(c: Context<ConsoleEnv>, deps: AppDeps, kind: 'suppression' | 'hold', render: (state: LiftState, status: 400 | 404 | 409 | 503) => Promise<Response>) {
  const form = await checkedForm(c, deps);
  const actor = c.get('actor');
  assertMayAct(actor);
  const id = z.uuid().safeParse(c.req.param('id'));
  const target = (kind === 'suppression' ? z.uuid() : z.enum(LEGAL_EXCEPTIONS)).safeParse(c.req.param('target'));
  if (!id.success || !target.success) throw new ApiError(404, 'ROUTE_NOT_FOUND', 'There is no such request, suppression or hold.');
  const row = await findRequest(deps.pool, id.data);
  if (!row) throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with id ${id.data}`);
  assertOrganization(actor, row.organization_id);
  const key = formIdempotencyKey(form);
  const done = () => c.redirect(`/console/requests/${row.id}?done=lift`, 303);
  const prior = await findSubmission(deps.pool, actor.tokenId, key);
  if (prior && prior.request_id === row.id) return done();
  const reasonText = typeof form.reason === 'string' ? form.reason : '';
  const body = (kind === 'suppression' ? LiftBody : HoldLiftBody).safeParse({ reason: reasonText });
  if (!body.success) return render({ target: target.data, reason: reasonText, error: 'Say why, in 3 to 2000 characters.' }, 400);
  try {
    if (kind === 'suppression') await liftSuppression(deps, actor.name, row.id, target.data, body.data.reason);
    else await liftHold(deps, actor.name, row.id, target.data as (typeof LEGAL_EXCEPTIONS)[number], body.data.reason);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 409 || error.status === 503)) return render({ target: target.data, reason: reasonText, error: error.message }, error.status);
    throw error;
  }
  await recordSubmission(deps.pool, { key, tokenId: actor.tokenId, requestId: row.id, action: `lift-${kind}`, outcome: 'applied' });
  return done();
}
