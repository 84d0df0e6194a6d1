import type { Context } from 'hono';
import { html } from 'hono/html';
import { overviewFigures } from '../../db/console-reads.ts';
import { REQUEST_STATUSES, isTerminal, type RequestStatus } from '../../domain/request.ts';
import { organizationScope } from '../access.ts';
import type { AppDeps } from '../deps.ts';
import { layout, type Html } from './layout.ts';
import type { ConsoleEnv } from './session.ts';
import { REGULATION_WORDS, STATUS_WORDS } from './words.ts';

// The DPO overview: the figures a privacy lead reports, with charts drawn here as SVG (no script, no library).
// Every bar carries its number as text, and each chart's figures are also in its title and description.

const TONE_FILL: Record<string, string> = { new: '#3f6fc7', wait: '#b7791f', work: '#2a8c78', done: '#2e7d32', stop: '#a2261e' };

/** Horizontal bars with their labels and values as text; `max` scales them. */
function bars(id: string, title: string, rows: Array<{ label: string; value: number; text: string; fill: string }>, max: number): Html {
  const rowHeight = 30;
  const height = rows.length * rowHeight + 8;
  const scale = (v: number) => (max <= 0 ? 0 : Math.max(v > 0 ? 2 : 0, Math.round((v / max) * 190)));
  return html`<svg class="chart" viewBox="0 0 480 ${height}" role="img" aria-labelledby="${id}-t ${id}-d">
<title id="${id}-t">${title}</title><desc id="${id}-d">${rows.map((r) => `${r.label}: ${r.text}`).join('; ')}</desc>
${rows.map((r, i) => html`<g transform="translate(0 ${i * rowHeight + 4})"><text x="140" y="18" text-anchor="end" class="chart-label">${r.label}</text>
<rect x="150" y="4" width="${scale(r.value)}" height="20" rx="3" fill="${r.fill}"></rect><text x="${156 + scale(r.value)}" y="19" class="chart-value">${r.text}</text></g>`)}
</svg>`;
}

const tile = (label: string, value: string, note: string, tone = '') => html`<div class="tile ${tone}"><p class="tile-value">${value}</p><p class="tile-label">${label}</p><p class="hint">${note}</p></div>`;

export async function overviewView(c: Context<ConsoleEnv>, deps: AppDeps) {
  const actor = c.get('actor');
  const now = deps.now();
  const { regulations, statuses } = await overviewFigures(deps.pool, { organizationId: organizationScope(actor), now: now.toISOString() });
  const sum = (k: 'open' | 'overdue' | 'due_this_week' | 'completed' | 'on_time') => regulations.reduce((n, r) => n + r[k], 0);
  const openStatuses = REQUEST_STATUSES.filter((s) => !isTerminal(s));
  const byStatus = openStatuses.map((s) => ({ status: s, n: statuses.find((x) => x.status === s)?.n ?? 0 }));
  const rate = (onTime: number, done: number) => (done === 0 ? '-' : `${Math.round((onTime / done) * 100)}%`);
  const answered = regulations.filter((r) => r.completed > 0);
  const body = html`<h1>Overview</h1>
<p class="hint">${actor.organizationId && actor.role === 'controller' ? `Organization ${actor.organizationId}. ` : ''}Open requests as of now; answered ones over the last 12 months.</p>
<div class="tiles">
${tile('open requests', String(sum('open')), 'not yet answered')}
${tile('overdue', String(sum('overdue')), 'open and past their due date', sum('overdue') > 0 ? 'tile-late' : '')}
${tile('due within 7 days', String(sum('due_this_week')), 'open, not yet overdue')}
${tile('answered on time', rate(sum('on_time'), sum('completed')), `${sum('on_time')} of ${sum('completed')} in 12 months`)}
</div>
<div class="charts">
<section aria-labelledby="h-open"><h2 id="h-open">Open requests by status</h2>
${byStatus.every((x) => x.n === 0) ? html`<p class="muted">No open requests.</p>` : bars('open-status', 'Open requests by status', byStatus.map((s) => ({ label: STATUS_WORDS[s.status as RequestStatus].word, value: s.n, text: String(s.n), fill: TONE_FILL[STATUS_WORDS[s.status as RequestStatus].tone]! })), Math.max(...byStatus.map((s) => s.n)))}
</section>
<section aria-labelledby="h-ontime"><h2 id="h-ontime">Answered on time, by regulation</h2>
${answered.length === 0
  ? html`<p class="muted">No request answered in the last 12 months.</p>`
  : bars('on-time', 'Share answered by the due date, by regulation, last 12 months', answered.map((r) => ({ label: REGULATION_WORDS(r.regulation), value: r.on_time / r.completed, text: `${rate(r.on_time, r.completed)} (${r.on_time} of ${r.completed})`, fill: r.on_time === r.completed ? TONE_FILL.done! : TONE_FILL.wait! })), 1)}
</section>
<section aria-labelledby="h-median"><h2 id="h-median">Median days to answer, by regulation</h2>
${answered.length === 0
  ? html`<p class="muted">No request answered in the last 12 months.</p>`
  : bars('median', 'Median days from receipt to answer, by regulation, last 12 months', answered.map((r) => ({ label: REGULATION_WORDS(r.regulation), value: r.median_days ?? 0, text: `${(r.median_days ?? 0).toFixed(1)} days`, fill: TONE_FILL.work! })), Math.max(...answered.map((r) => r.median_days ?? 0)))}
</section>
</div>
<section aria-labelledby="h-table"><h2 id="h-table">By regulation</h2>
<div class="table-wrap" tabindex="0" role="region" aria-label="Figures by regulation"><table><thead><tr><th scope="col">Regulation</th><th scope="col">Open</th><th scope="col">Overdue</th><th scope="col">Due within 7 days</th><th scope="col">Answered (12 months)</th><th scope="col">On time</th><th scope="col">Median days</th></tr></thead>
<tbody>${regulations.map((r) => html`<tr><td data-label="Regulation">${REGULATION_WORDS(r.regulation)}</td><td data-label="Open">${r.open}</td><td data-label="Overdue"${r.overdue > 0 ? html` class="late"` : ''}>${r.overdue}</td><td data-label="Due within 7 days">${r.due_this_week}</td><td data-label="Answered">${r.completed}</td><td data-label="On time">${rate(r.on_time, r.completed)}</td><td data-label="Median days">${r.median_days === null ? '-' : r.median_days.toFixed(1)}</td></tr>`)}</tbody></table></div>
</section>`;
  return c.html(layout({ title: 'Overview', actor, csrfToken: c.get('csrfToken'), unread: c.get('unread'), section: 'overview', body }));
}
