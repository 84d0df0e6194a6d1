import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { html, raw } from 'hono/html';
import { listOrganizations } from '../../db/console-reads.ts';
import { DEFAULT_EXPORT_FORMATS, EXPORT_FORMATS } from '../../domain/data-model.ts';
import { REGULATION_CODES, REGULATIONS } from '../../domain/regulations.ts';
import { REQUEST_TYPES } from '../../domain/request.ts';
import { assertMayAct, organizationScope } from '../access.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError, fieldProblems, type FieldProblem } from '../errors.ts';
import { openRequest } from '../requests/open-request.ts';
import { CreateRequestSchema } from '../requests/requests.routes.ts';
import { formGuards, layout } from './layout.ts';
import { actingForm, type ConsoleEnv } from './session.ts';
import { humanize, REGULATION_WORDS, TYPE_WORDS } from './words.ts';

// Staff-assisted intake (a phone call, a letter, a visit): the API's openRequest with channel and receivedAt, so
// the legal clock starts when the request arrived, not when it was typed in.

const STAFF_CHANNELS = ['phone', 'mail', 'in_person', 'email'] as const;
// Rectification needs its corrections, which this form does not take yet: opened through the API.
const INTAKE_TYPES = REQUEST_TYPES.filter((t) => t !== 'rectify');

type Values = Record<string, string | string[]>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;

/** A wall-clock time (YYYY-MM-DDTHH:MM) in `timeZone` as an instant: the zone's offset then, DST included. */
export function instantIn(local: string, timeZone: string): Date {
  const asUtc = Date.parse(`${local}:00Z`);
  const shown = (t: number) => {
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(t));
    const p = (type: string) => parts.find((x) => x.type === type)?.value ?? '00';
    return Date.parse(`${p('year')}-${p('month')}-${p('day')}T${p('hour')}:${p('minute')}:00Z`);
  };
  const first = asUtc - (shown(asUtc) - asUtc);
  return new Date(asUtc - (shown(first) - first));
}

const ZONES = REGULATION_CODES.map((r) => `${REGULATION_WORDS(r)}: ${REGULATIONS[r].timeZone.split('/').at(-1)!.replace('_', ' ')}`).join(', ');

function bodyOf(f: Values, organizationId: string | undefined) {
  const regulation = one(f.regulation);
  const received = one(f.receivedAt);
  const zone = regulation && regulation in REGULATIONS ? REGULATIONS[regulation as keyof typeof REGULATIONS].timeZone : 'UTC';
  const receivedAt = received && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(received) ? instantIn(received, zone).toISOString() : received;
  return CreateRequestSchema.safeParse({
    type: one(f.type),
    regulation,
    channel: one(f.channel),
    ...(receivedAt ? { receivedAt } : {}),
    ...(organizationId ? { organizationId } : {}),
    ...(Array.isArray(f.formats) || typeof f.formats === 'string' ? { formats: [f.formats].flat() } : {}),
    subject: Object.fromEntries(Object.entries({ email: one(f.email), fullName: one(f.fullName), customerId: one(f.customerId), phone: one(f.phone) }).filter(([, v]) => v !== undefined)),
  });
}

// Field paths of the API's schema -> this form's inputs.
const INPUT_OF: Record<string, string> = { 'subject.email': 'email', 'subject.fullName': 'fullName', 'subject.customerId': 'customerId', 'subject.phone': 'phone' };
const inputOf = (field: string) => INPUT_OF[field] ?? field.split('.')[0]!;
const LABELS: Record<string, string> = { formats: 'File formats', type: 'Type', regulation: 'Law', channel: 'Channel', receivedAt: 'When it arrived', organizationId: 'Organization', email: 'Email address', fullName: 'Full name', customerId: 'Customer id', phone: 'Phone' };

export async function newRequestPage(c: Context<ConsoleEnv>, deps: AppDeps, values: Values = {}, problems: FieldProblem[] = [], status: 200 | 400 = 200) {
  const actor = c.get('actor');
  assertMayAct(actor);
  const organizations = organizationScope(actor) === undefined ? await listOrganizations(deps.pool) : [];
  const v = (name: string) => one(values[name]) ?? '';
  const errorFor = (name: string) => problems.find((p) => inputOf(p.field) === name)?.message;
  const field = (name: string, label: string, input: ReturnType<typeof html>, hint?: string) => {
    const error = errorFor(name);
    return html`<div class="field${error ? ' field-error' : ''}"><label for="n-${name}">${label}</label>${hint ? html`<p class="hint" id="n-${name}-hint">${hint}</p>` : ''}${error ? html`<p class="field-message" id="n-${name}-error">${error}</p>` : ''}${input}</div>`;
  };
  const described = (name: string, hint: boolean) => [hint ? `n-${name}-hint` : '', errorFor(name) ? `n-${name}-error` : ''].filter(Boolean).join(' ');
  const select = (name: string, choices: readonly string[], word: (x: string) => string, chosen: string) =>
    html`<select id="n-${name}" name="${name}" required${described(name, false) ? html` aria-describedby="${described(name, false)}"` : ''}><option value="">Choose…</option>${choices.map((x) => html`<option value="${x}"${x === chosen ? ' selected' : ''}>${word(x)}</option>`)}</select>`;
  // `extra` is attribute markup written here, never input: the one place this page uses raw().
  const text = (name: string, type: string, extra: string, hint = false) =>
    html`<input id="n-${name}" name="${name}" type="${type}" value="${v(name)}"${described(name, hint) ? html` aria-describedby="${described(name, hint)}"` : ''} ${raw(extra)}>`;
  const body = html`<p class="crumbs"><a href="/console">Rights requests</a></p>
<h1>Record a request received by phone, post or in person</h1>
${problems.length ? html`<div class="error-summary" role="alert"><h2>There is a problem</h2><ul>${problems.map((p) => html`<li><a href="#n-${inputOf(p.field)}">${LABELS[inputOf(p.field)] ?? humanize(inputOf(p.field))}: ${p.message}</a></li>`)}</ul></div>` : ''}
<form method="post" action="/console/requests/new" class="stack narrow-form">${formGuards(c.get('csrfToken'), one(values.idempotencyKey) ?? randomUUID())}
${field('type', 'What does the person ask for?', select('type', INTAKE_TYPES, (t) => TYPE_WORDS[t as keyof typeof TYPE_WORDS], v('type')), 'Rectification, with its corrections, is recorded through the API for now.')}
${field('regulation', 'Which law applies?', select('regulation', REGULATION_CODES, REGULATION_WORDS, v('regulation')))}
${field('channel', 'How did it reach you?', select('channel', STAFF_CHANNELS, humanize, v('channel')))}
${field('receivedAt', 'When did it arrive?', text('receivedAt', 'datetime-local', 'required', true), `Local time where the law counts it (${ZONES}). The legal clock starts then.`)}
${organizations.length > 1 ? field('organizationId', 'For which organization?', select('organizationId', organizations.map((o) => o.id), (id) => organizations.find((o) => o.id === id)?.name ?? id, v('organizationId') || deps.settings.defaultOrganization)) : ''}
<fieldset class="checks${errorFor('formats') ? ' field-error' : ''}" id="n-formats"><legend>Which file formats should the export have? <span class="hint">(access and portability only; none chosen: ${(deps.settings.exportFormats ?? DEFAULT_EXPORT_FORMATS).map((x) => x.toUpperCase()).join(' and ')})</span></legend>
${errorFor('formats') ? html`<p class="field-message">${errorFor('formats')}</p>` : ''}
${EXPORT_FORMATS.map((x) => html`<div><input type="checkbox" id="n-format-${x}" name="formats" value="${x}"${[values.formats ?? []].flat().includes(x) ? ' checked' : ''}><label for="n-format-${x}">${x.toUpperCase()}</label></div>`)}</fieldset>
<h2>The person</h2>
${field('email', 'Email address', text('email', 'email', 'required maxlength="320" autocomplete="off"'))}
${field('fullName', 'Full name (optional)', text('fullName', 'text', 'maxlength="300" autocomplete="off"'))}
${field('customerId', 'Customer id (optional)', text('customerId', 'text', 'maxlength="200" autocomplete="off"'))}
${field('phone', 'Phone (optional)', text('phone', 'tel', 'maxlength="50" autocomplete="off"'))}
<button type="submit">Record the request</button>
</form>`;
  return c.html(layout({ title: 'Record a request', actor, csrfToken: c.get('csrfToken'), unread: c.get('unread'), section: 'requests', body }), status);
}

export async function postNewRequest(c: Context<ConsoleEnv>, deps: AppDeps) {
  // Without a time typed, the request counts from when the form arrived, not from when the database answered.
  const { arrivedAt, form, actor, key } = await actingForm(c, deps);
  const organizationId = one(form.organizationId) ?? actor.organizationId ?? undefined;
  const body = bodyOf(form, organizationId);
  if (!body.success) return newRequestPage(c, deps, form, fieldProblems(body.error.issues), 400);
  if (body.data.type === 'rectify') return newRequestPage(c, deps, form, [{ field: 'type', message: 'record rectification through the API' }], 400);
  try {
    // The form's key makes a second click or a re-post answer with the first request, not open another.
    const { row } = await openRequest(deps, body.data, { actor, arrivedAt, idempotencyKey: `console-${key}` });
    return c.redirect(`/console/requests/${row.id}?done=created`, 303);
  } catch (error) {
    if (error instanceof ApiError && error.status === 400 && Array.isArray(error.details)) return newRequestPage(c, deps, form, error.details as FieldProblem[], 400);
    throw error;
  }
}

