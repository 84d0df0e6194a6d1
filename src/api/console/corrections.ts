import type { Context } from 'hono';
import { html } from 'hono/html';
import type { AppDeps } from '../deps.ts';
import { readCorrections } from '../requests/corrections.handlers.ts';
import { layout } from './layout.ts';
import { requestInPath, type ConsoleEnv } from './session.ts';
import { humanize, utcStamp } from './words.ts';

// A rectification's corrections, before and after: personal data, so the page is its own (an audited read, as the
// API's GET .../corrections), reached from the request by a link that says so.

const value = (v: string | null) => (v === null ? html`<span class="muted">empty</span>` : v);

export async function correctionsView(c: Context<ConsoleEnv>, deps: AppDeps) {
  const actor = c.get('actor');
  const row = await requestInPath(c, deps);
  const { items, outcome } = await readCorrections(deps, actor.name, row.id);
  const body = html`<p class="crumbs"><a href="/console/requests/${row.id}">Request <span class="mono">${row.id.slice(0, 8)}</span></a></p>
<h1>Corrections</h1>
<p>${outcome ? `Outcome: ${humanize(outcome.outcome)}.` : 'Not applied yet.'} <span class="muted">This reading is recorded in the audit trail under your name.</span></p>
<div class="table-wrap" tabindex="0" role="region" aria-label="Corrections table"><table><thead><tr><th scope="col">#</th><th scope="col">Model</th><th scope="col">Field</th><th scope="col">Record</th><th scope="col">Asked for</th><th scope="col">Before</th><th scope="col">After</th><th scope="col">Applied</th></tr></thead>
<tbody>${items.map((i) => html`<tr><td data-label="#">${i.position}</td><td data-label="Model">${i.model}</td><td data-label="Field" class="mono">${i.field}</td><td data-label="Record">${i.row_key ?? 'the subject'}</td><td data-label="Asked for">${value(i.new_value)}</td><td data-label="Before">${value(i.before_value)}</td><td data-label="After">${value(i.after_value)}</td><td data-label="Applied">${i.applied_at ? utcStamp(i.applied_at) : ''}</td></tr>`)}</tbody></table></div>`;
  return c.html(layout({ title: 'Corrections', actor, csrfToken: c.get('csrfToken'), unread: c.get('unread'), section: 'requests', body }));
}
