import type { Context } from 'hono';
import { html } from 'hono/html';
import { listRequestEvents, type AuditEventRow } from '../../db/audit.ts';
import { listExports, listNotes } from '../../db/console-reads.ts';
import { listDestinationDeliveries } from '../../db/destinations.ts';
import { erasureSummary } from '../../db/erasure.ts';
import { appealNoteIds, appealSection, type AppealFormState } from './appeal.ts';
import { findSubject } from '../../db/requests.ts';
import { isTerminal } from '../../domain/request.ts';
import { toDid } from '../../domain/subjects.ts';
import { workflowUiUrl } from '../../workflow-client/starts.ts';
import type { AppDeps } from '../deps.ts';
import { ACTIONS, actionForm, availableActions, doneNotice, type FormState } from './actions.ts';
import { layout } from './layout.ts';
import { duplicateSection, type DuplicateState } from './duplicates.ts';
import { holdsSection, suppressionSection, type LiftState } from './lifts.ts';
import { documentsSection } from './documents.ts';
import { requestInPath, type ConsoleEnv } from './session.ts';
import { dueFacts, fileSize, humanize, lawDate, REGULATION_WORDS, STATUS_WORDS, statusBadge, typeLabel, utcStamp } from './words.ts';

/** An audit event in plain words (the codes stay in the audit table below). */
function sentence(e: AuditEventRow): string {
  const d = e.details as Record<string, unknown>;
  const exceptions = Array.isArray(d.legalExceptions) && d.legalExceptions.length ? ` Data kept for: ${d.legalExceptions.map(String).map(humanize).join(', ')}.` : '';
  switch (e.action) {
    case 'request.received':
      return `Request received${typeof d.channel === 'string' ? ` ${CHANNEL_WORDS[d.channel] ?? `by ${d.channel}`}` : ''}.`;
    case 'request.verified':
      return `Identity verified${typeof e.reason === 'string' && /\((\w+)\)/.test(e.reason) ? ` by ${humanize(/\((\w+)\)/.exec(e.reason)![1]!).toLowerCase()}` : ''}.`;
    case 'notice.sent':
      return typeof d.kind === 'string' ? `${d.kind.startsWith('staff_') ? 'Staff told' : 'Subject told'}: ${humanize(d.kind.replace(/^staff_/, '')).toLowerCase()}.` : 'Notice sent.';
    case 'export.created':
      return `Export file ready${typeof d.format === 'string' ? ` (${d.format.toUpperCase()})` : ''}.`;
    case 'export.link_sent':
      return 'Download link sent to the subject.';
    case 'request.acknowledged':
      return 'Receipt acknowledged to the subject.';
    case 'assessment.approved':
      return `Approved.${exceptions}`;
    case 'deadline.extended':
      return `Deadline extended${e.reason ? ` (${humanize(e.reason)})` : ''}.`;
    case 'deadline.clock_stopped':
      return `Clock stopped: ${e.reason ?? 'waiting time does not count'}.`;
    case 'deadline.overdue':
      return 'The due date passed without a response.';
    case 'action.refused':
      return `A decision was refused: ${e.reason ?? 'not valid then'}.`;
  }
  if (e.action.startsWith('request.') && e.to_status && e.to_status in STATUS_WORDS) {
    const word = STATUS_WORDS[e.to_status as keyof typeof STATUS_WORDS].word;
    return `${word}${e.reason ? `: ${e.reason}` : ''}.${e.to_status === 'rejected' ? exceptions : ''}`;
  }
  return `${humanize(e.action.replace('.', ' '))}${e.reason ? `: ${e.reason}` : ''}.`;
}

const CHANNEL_WORDS: Record<string, string> = { api: 'through the API', portal: 'through the privacy portal', email: 'by email', webhook: 'from a connected system', phone: 'by phone', mail: 'by post', in_person: 'in person' };

/** "more than 2 in 12 calendar months (then: fee; source)" from the flag issue 13's intake stores. */
function overLimitWords(o: Record<string, unknown>): string {
  const rule = o.rule as { max?: number; window?: { amount?: number; unit?: string }; then?: string; source?: string } | undefined;
  if (!rule?.max || !rule.window) return 'yes';
  const earlier = Array.isArray(o.earlierRequests) ? o.earlierRequests.length : 0;
  return `more than ${rule.max} in ${rule.window.amount} ${({ calendarMonths: 'months', calendarDays: 'days', businessDays: 'business days' } as Record<string, string>)[rule.window.unit ?? ''] ?? rule.window.unit} (${earlier} earlier; the law then allows: ${rule.then ?? '-'}; ${rule.source ?? ''})`;
}

const who = (actor: string) => (actor === 'system' ? 'dsrflow' : actor);

export async function detailView(c: Context<ConsoleEnv>, deps: AppDeps, failed: { form?: FormState; lift?: LiftState; duplicate?: DuplicateState; appeal?: AppealFormState } = {}, status: 200 | 400 | 403 | 404 | 409 | 503 = 200) {
  const formState = failed.form;
  const actor = c.get('actor');
  const row = await requestInPath(c, deps);
  const [subject, events, exports, allNotes, erasure, deliveries, appealNotes] = await Promise.all([
    findSubject(deps.pool, row.id),
    listRequestEvents(deps.pool, row.id),
    listExports(deps.pool, row.id),
    listNotes(deps.pool, row.id),
    row.type === 'erasure' ? erasureSummary(deps.pool, row.id) : Promise.resolve(null),
    listDestinationDeliveries(deps.pool, row.id),
    appealNoteIds(deps, row.id),
  ]);
  const notes = allNotes.filter((n) => !appealNotes.has(n.id));
  const now = deps.now();
  const open = !isTerminal(row.status);
  const due = dueFacts(row.extended_due_at ?? row.due_at, row.regulation, now, open, row.holiday_calendar);
  const actions = availableActions(deps, actor, row);
  const offered = ACTIONS.filter((a) => actions[a]);
  const workflowUrl = workflowUiUrl(deps.temporal.uiUrl, deps.temporal.namespace, row.workflow_id);
  const identity = events.find((e) => e.to_status === 'verified' || e.to_status === 'unverified' || (e.to_status === 'rejected' && e.reason?.startsWith('identity verification failed')));
  const assessment = events.find((e) => e.action === 'assessment.approved' || (e.to_status === 'rejected' && e !== identity));
  const csrf = c.get('csrfToken');
  const flagged = (row as { subject_id?: string | null }).subject_id;
  const [suppressions, duplicate] = await Promise.all([
    suppressionSection(deps, actor, row, csrf, failed.lift),
    duplicateSection(deps, actor, row, csrf, actions.cancel !== undefined, failed.duplicate),
  ]);
  const holds = holdsSection(actor, row, erasure, csrf, failed.lift);
  const documents = await documentsSection(deps, actor, row, csrf);
  const appeal = await appealSection(deps, actor, row, csrf, failed.appeal);

  const body = html`<p class="crumbs"><a href="/console">Rights requests</a></p>
<h1>${typeLabel(row.type, ' request')} <span class="mono">${row.id.slice(0, 8)}</span> ${statusBadge(row.status)}</h1>
<div class="detail">
<div class="facts">
<section aria-labelledby="h-deadline"><h2 id="h-deadline">Deadline</h2><dl>
  <dt>Received</dt><dd>${lawDate(row.received_at, row.regulation, now, row.holiday_calendar)} <span class="muted">(${utcStamp(row.received_at)}, ${CHANNEL_WORDS[row.channel] ?? row.channel})</span></dd>
  <dt>Due</dt><dd class="${due.overdue ? 'late' : ''}">${due.text}${due.overdue ? html` <span class="flag">Overdue</span>` : ''}</dd>
  ${row.extended_due_at ? html`<dt>Original due date</dt><dd>${lawDate(row.due_at, row.regulation, now, row.holiday_calendar)} (extended ${row.extensions_used} time${row.extensions_used === 1 ? '' : 's'})</dd>` : ''}
  ${row.paused_days > 0 ? html`<dt>Clock stopped</dt><dd>${row.paused_days} day${row.paused_days === 1 ? '' : 's'} waiting for identity do not count</dd>` : ''}
  <dt>Acknowledged</dt><dd>${row.acknowledged_at ? utcStamp(row.acknowledged_at) : row.acknowledge_by ? `not yet (by ${lawDate(row.acknowledge_by, row.regulation, now, row.holiday_calendar)})` : 'not required'}</dd>
  ${row.completed_at ? html`<dt>Closed</dt><dd>${utcStamp(row.completed_at)}</dd>` : ''}
  <dt>Regulation</dt><dd>${REGULATION_WORDS(row.regulation)}</dd>
  <dt>Organization</dt><dd>${row.organization_id}</dd>
  <dt>Request id</dt><dd class="mono">${row.id}</dd>
  ${workflowUrl ? html`<dt>Workflow</dt><dd><a href="${workflowUrl}" rel="noopener">Open in the Temporal UI</a></dd>` : ''}
</dl></section>
<section aria-labelledby="h-subject"><h2 id="h-subject">Subject</h2><dl>
  ${flagged ? html`<dt>Subject id</dt><dd class="mono"><a href="/console?find=${toDid(flagged)}&sort=received">${toDid(flagged)}</a></dd>` : ''}
  ${row.duplicate_of ? html`<dt>Possible duplicate of</dt><dd><a class="mono" href="/console/requests/${row.duplicate_of}">${row.duplicate_of.slice(0, 8)}</a>${row.duplicate_decision ? ` (${row.duplicate_decision})` : ' (not decided yet)'}</dd>` : ''}
  ${row.over_limit ? html`<dt>Over a repeat limit</dt><dd>${overLimitWords(row.over_limit)}</dd>` : ''}
  <dt>Name</dt><dd>${subject?.full_name ?? html`<span class="muted">not given</span>`}</dd>
  <dt>Email</dt><dd>${subject?.email ?? ''}</dd>
  ${subject?.customer_id ? html`<dt>Customer id</dt><dd>${subject.customer_id}</dd>` : ''}
</dl></section>
<section aria-labelledby="h-identity"><h2 id="h-identity">Identity verification</h2>
  ${identity ? html`<p>${sentence(identity)} <span class="muted">By ${who(identity.actor)}, ${utcStamp(identity.occurred_at)}.</span></p>` : html`<p class="muted">${row.status === 'submitted' || row.status === 'awaiting_verification' ? 'Not decided yet.' : 'No identity decision recorded.'}</p>`}
</section>
${documents}
<section aria-labelledby="h-assessment"><h2 id="h-assessment">Assessment</h2>
  ${assessment ? html`<p>${sentence(assessment)} <span class="muted">By ${who(assessment.actor)}, ${utcStamp(assessment.occurred_at)}.</span></p>` : html`<p class="muted">Not assessed yet.</p>`}
  ${notes.length ? html`<h3>Staff notes</h3><ul class="notes">${notes.map((n) => html`<li><p>${n.body}</p><p class="muted">${n.author}, ${utcStamp(n.created_at)}</p></li>`)}</ul>` : ''}
</section>
${appeal}
${erasure ? erasureSection(erasure) : ''}
${holds}
${suppressions}
${row.type === 'rectify' ? html`<section aria-labelledby="h-corrections"><h2 id="h-corrections">Corrections</h2><p><a href="/console/requests/${row.id}/corrections">Show the corrections, with the values before and after</a> <span class="muted">(personal data: your reading is recorded in the audit trail)</span></p></section>` : ''}
${deliveries.length ? html`<section aria-labelledby="h-deliveries"><h2 id="h-deliveries">Connected systems told</h2><ul class="plain">${deliveries.map((d) => html`<li><strong>${d.destination}</strong>: ${d.event} <span class="badge ${d.status === 'delivered' ? 'tone-done' : d.status === 'abandoned' ? 'tone-stop' : 'tone-wait'}">${humanize(d.status)}</span> ${d.delivered_at ? utcStamp(d.delivered_at) : html`<span class="muted">${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.last_status_code ? `, last answer ${d.last_status_code}` : ''}</span>`}</li>`)}</ul></section>` : ''}
${row.type === 'access' || row.type === 'export' || exports.length ? html`<section aria-labelledby="h-exports"><h2 id="h-exports">Export files</h2>
  ${exports.length === 0 ? html`<p class="muted">None.</p>` : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Export files table"><table><thead><tr><th scope="col">Format</th><th scope="col">Status</th><th scope="col">Size</th><th scope="col">SHA-256</th><th scope="col">Expires</th><th scope="col">Downloads</th></tr></thead><tbody>
  ${exports.map((x) => html`<tr><td data-label="Format">${x.format.toUpperCase()}</td><td data-label="Status">${humanize(x.status)}${x.skipped_reason ? html` <span class="muted">(${x.skipped_reason})</span>` : ''}</td><td data-label="Size">${fileSize(x.bytes)}</td><td data-label="SHA-256" class="mono hash">${x.sha256 ?? ''}</td><td data-label="Expires">${x.expires_at ? utcStamp(x.expires_at) : ''}</td><td data-label="Downloads">${x.downloads}${x.last_downloaded_at ? html` <span class="muted">(last ${utcStamp(x.last_downloaded_at)})</span>` : ''}</td></tr>`)}
  </tbody></table></div>`}
</section>` : ''}
</div>
<aside class="actions" aria-labelledby="h-actions"><h2 id="h-actions">Actions</h2>
${duplicate}
${offered.length ? offered.map((a) => actionForm(a, row.id, csrf, formState)) : html`<p class="muted">${actor.role === 'auditor' ? 'Your role is read only.' : open ? 'No action is possible at this step; the workflow is working on it.' : `This request is ${STATUS_WORDS[row.status].word.toLowerCase()}; nothing more can be done.`}</p>`}
${formState && !actions[formState.action] ? html`<p class="refusal" role="alert"><strong>Not done:</strong> ${formState.error}</p>` : ''}
</aside>
</div>
<section aria-labelledby="h-timeline"><h2 id="h-timeline">Timeline</h2>
<ol class="timeline">${events.map((e) => html`<li><time datetime="${e.occurred_at}">${utcStamp(e.occurred_at)}</time> ${sentence(e)} <span class="muted">${who(e.actor)}</span></li>`)}</ol>
</section>
<section aria-labelledby="h-audit"><details><summary><h2 id="h-audit">Audit events (${events.length})</h2></summary>
<div class="table-wrap" tabindex="0" role="region" aria-label="Audit events table"><table class="audit"><thead><tr><th scope="col">When (UTC)</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Status</th><th scope="col">Reason</th></tr></thead><tbody>
${events.map((e) => html`<tr><td data-label="When" class="nowrap">${utcStamp(e.occurred_at)}</td><td data-label="Actor">${e.actor}</td><td data-label="Action" class="mono">${e.action}</td><td data-label="Status">${e.from_status ?? ''}${e.to_status ? ` → ${e.to_status}` : ''}</td><td data-label="Reason">${e.reason ?? ''}</td></tr>`)}
</tbody></table></div></details></section>`;
  const refused = formState
    ? { text: formState.error, href: `#${formState.action}-error` }
    : failed.lift
      ? { text: failed.lift.error, href: `#lift-${failed.lift.target}-error` }
      : failed.duplicate
        ? { text: failed.duplicate.error, href: '#duplicate-error' }
        : failed.appeal
          ? { text: failed.appeal.error, href: '#appeal-error' }
          : null;
  const notice = refused ? { kind: 'error' as const, text: `Not done: ${refused.text}`, href: refused.href } : doneNotice(c.req.query('done'), c.req.query('queued') === '1');
  return c.html(layout({ title: `Request ${row.id.slice(0, 8)}`, actor, csrfToken: csrf, unread: c.get('unread'), section: 'requests', notice: typeof notice === 'string' ? { kind: 'ok', text: notice } : notice, body }), status);
}

function erasureSection(e: NonNullable<Awaited<ReturnType<typeof erasureSummary>>>) {
  const rows = Object.entries(e.wouldErase ?? e.erased);
  return html`<section aria-labelledby="h-erasure"><h2 id="h-erasure">Erasure ${e.stage === 'executed' ? 'result' : 'plan (nothing erased yet)'}</h2>
<p>${e.stage === 'executed' ? 'Rows erased per model:' : 'Rows that would be erased if approved now:'} ${rows.length ? rows.map(([m, n]) => `${m} ${n}`).join(', ') : 'none'}.</p>
${e.retained.length ? html`<p>Kept: ${e.retained.map((r) => `${r.model} (${r.rows}, ${r.bases.map(humanize).join(', ')}${r.eligibleAt ? `, until ${r.eligibleAt.slice(0, 10)}` : ''})`).join('; ')}.</p>` : ''}
</section>`;
}
