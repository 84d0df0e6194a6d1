import type { Context } from 'hono';
import { html } from 'hono/html';
import { listOrganizations } from '../../db/console-reads.ts';
import { MAX_EMBED_ORIGINS } from '../../domain/privacy-center-settings.ts';
import { REQUEST_TYPES, type RequestType } from '../../domain/request.ts';
import { mayChangeSettings, organizationScope } from '../access.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError, type FieldProblem } from '../errors.ts';
import { changeSettings, readSettings } from '../organizations/privacy-center-settings.index.ts';
import { formGuards, layout } from './layout.ts';
import { checkedForm, firstValue, type ConsoleEnv } from './session.ts';
import { TYPE_WORDS } from './words.ts';

// The organization's settings page (docs/console.md "Settings"): the Privacy Center's embedding origins and the
// request types that need an identity document, read by every role, changed by owner, admin and dpo through the
// API's own `changeSettings` (the same checks, refusals and audit event).

const ORGANIZATION = /^[a-z0-9][a-z0-9-]{0,62}$/;
// An opt-out of sale is never verified, so it is not offered (the check refuses it too).
const DOCUMENT_TYPES = REQUEST_TYPES.filter((t) => t !== 'noSale');

interface Entered {
  embedOrigins: string;
  identityDocumentTypes: string[];
}

const originLines = (text: string) => text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
const inputOf = (field: string) => (field.startsWith('embedOrigins') ? 'embedOrigins' : 'identityDocumentTypes');
const LABELS = { embedOrigins: 'Sites that may embed', identityDocumentTypes: 'Identity documents' } as const;

/** Which organization the page shows: the one asked for, else the deployment's default, else the first. */
async function chooseOrganization(c: Context<ConsoleEnv>, deps: AppDeps, asked: string | undefined) {
  const actor = c.get('actor');
  const scope = organizationScope(actor);
  const organizations = scope === undefined ? await listOrganizations(deps.pool) : [];
  const ids = organizations.map((o) => o.id);
  const chosen = asked ?? scope ?? (ids.includes(deps.settings.defaultOrganization) ? deps.settings.defaultOrganization : ids[0]);
  if (chosen === undefined) throw new ApiError(404, 'ORGANIZATION_NOT_FOUND', 'There is no organization yet.');
  if (!ORGANIZATION.test(chosen)) throw new ApiError(404, 'ORGANIZATION_NOT_FOUND', 'There is no organization with that id.');
  return { organizations, settings: await readSettings(deps, actor, chosen) };
}

export async function settingsPage(c: Context<ConsoleEnv>, deps: AppDeps, entered?: Entered, problems: FieldProblem[] = [], status: 200 | 400 = 200) {
  const actor = c.get('actor');
  const asked = entered ? c.req.param('organizationId') : c.req.query('organization') || undefined;
  const { organizations, settings } = await chooseOrganization(c, deps, asked);
  const org = settings.organization;
  const values: Entered = entered ?? { embedOrigins: settings.embedOrigins.join('\n'), identityDocumentTypes: settings.identityDocumentTypes };
  const errorsFor = (name: string) => problems.filter((p) => inputOf(p.field) === name).map((p) => p.message);
  const messages = (name: string) => errorsFor(name).length ? html`<ul class="field-message plain-list" id="s-${name}-error">${errorsFor(name).map((m) => html`<li>${m}</li>`)}</ul>` : '';
  const base = (deps.settings.publicUrl ?? new URL(c.req.url).origin).replace(/\/+$/, '');
  const saved = c.req.query('saved');
  const notice = status === 200 && saved === 'changed' ? { kind: 'ok' as const, text: `Saved the Privacy Center settings of ${org.name}.` }
    : status === 200 && saved === 'unchanged' ? { kind: 'ok' as const, text: `Nothing changed: the Privacy Center settings of ${org.name} were already these.` }
    : problems.length ? { kind: 'error' as const, text: 'The settings were not saved: see the problems below.', href: '#problems' } : undefined;
  const typeList = (types: readonly RequestType[]) => (types.length ? html`<ul class="plain">${types.map((t) => html`<li>${TYPE_WORDS[t]}</li>`)}</ul>` : html`<p>None: no request needs an identity document.</p>`);

  const editable = mayChangeSettings(actor);
  const body = html`<h1>Settings</h1>
${organizations.length > 1
    ? html`<form method="get" action="/console/settings" class="filters" aria-label="Choose the organization"><div class="field"><label for="s-organization">Which organization?</label>
<select id="s-organization" name="organization">${organizations.map((o) => html`<option value="${o.id}"${o.id === org.id ? ' selected' : ''}>${o.name}${o.name === o.id ? '' : ` (${o.id})`}</option>`)}</select></div>
<button type="submit" class="secondary">Show</button></form>`
    : ''}
<h2>Privacy Center of ${org.name}</h2>
${problems.length ? html`<div class="error-summary" id="problems" role="alert"><h2>There is a problem</h2><ul>${problems.map((p) => html`<li><a href="#s-${inputOf(p.field)}">${LABELS[inputOf(p.field)]}: ${p.message}</a></li>`)}</ul></div>` : ''}
${editable
    ? html`<form method="post" action="/console/settings/${org.id}" class="stack narrow-form">${formGuards(c.get('csrfToken'))}
<div class="field${errorsFor('embedOrigins').length ? ' field-error' : ''}"><label for="s-embedOrigins">Which sites may embed the Privacy Center?</label>
<p class="hint" id="s-embedOrigins-hint">One site per line, exactly as its address starts: https://www.example.com. No path and no slash at the end; https:// only (http://localhost and http://127.0.0.1 for testing); at most ${MAX_EMBED_ORIGINS}. Leave empty so that no site may.</p>
${messages('embedOrigins')}
<textarea id="s-embedOrigins" name="embedOrigins" rows="5" spellcheck="false" autocomplete="off" aria-describedby="s-embedOrigins-hint${errorsFor('embedOrigins').length ? ' s-embedOrigins-error' : ''}">${values.embedOrigins}</textarea></div>
<fieldset class="checks${errorsFor('identityDocumentTypes').length ? ' field-error' : ''}" id="s-identityDocumentTypes"><legend>For which requests must the person upload an identity document? <span class="hint">(staff then decide the identity; never for Do not sell, which the law does not let us verify)</span></legend>
${messages('identityDocumentTypes')}
${DOCUMENT_TYPES.map((t) => html`<div><input type="checkbox" id="s-type-${t}" name="identityDocumentTypes" value="${t}"${values.identityDocumentTypes.includes(t) ? ' checked' : ''}><label for="s-type-${t}">${TYPE_WORDS[t]}</label></div>`)}</fieldset>
<button type="submit">Save the settings</button>
</form>`
    : html`<p class="muted">Your role may read these settings, not change them.</p>
<section class="narrow-form"><h3>Sites that may embed the Privacy Center</h3>
${settings.embedOrigins.length ? html`<ul class="plain mono">${settings.embedOrigins.map((o) => html`<li>${o}</li>`)}</ul>` : html`<p>None: no site may embed it.</p>`}
<h3>Requests that need an identity document</h3>${typeList(settings.identityDocumentTypes)}</section>`}
<h2 class="spaced">Embed it on a site</h2>
<p>Paste this where the Privacy Center should appear on one of the sites above (set <code>lang</code> to en, de, fr or es):</p>
<pre class="snippet"><code>&lt;script src="${base}/privacy/widget.js" defer&gt;&lt;/script&gt;
&lt;dsrflow-privacy-center organization="${org.id}" lang="en"&gt;&lt;/dsrflow-privacy-center&gt;</code></pre>
<p>On a site not listed, the widget shows only a link that opens the form in a new tab. The form's own address: <a href="/privacy/${org.id}">${base}/privacy/${org.id}</a>.</p>
${actor.role === 'controller' ? '' : html`<p><a href="/console/audit?action=settings.">Changes to settings in the audit trail</a></p>`}`;
  return c.html(layout({ title: 'Settings', actor, csrfToken: c.get('csrfToken'), unread: c.get('unread'), section: 'settings', notice, body }), status);
}

/** Save: checked (origin, CSRF), then the API's `changeSettings`; a refusal comes back beside its field with what was typed. */
export async function postSettings(c: Context<ConsoleEnv>, deps: AppDeps) {
  const form = await checkedForm(c, deps);
  const organizationId = c.req.param('organizationId') ?? '';
  if (!ORGANIZATION.test(organizationId)) throw new ApiError(404, 'ORGANIZATION_NOT_FOUND', 'There is no organization with that id.');
  const entered: Entered = { embedOrigins: firstValue(form.embedOrigins) ?? '', identityDocumentTypes: [form.identityDocumentTypes ?? []].flat() };
  try {
    const stored = await changeSettings(deps, c.get('actor'), organizationId, { embedOrigins: originLines(entered.embedOrigins), identityDocumentTypes: entered.identityDocumentTypes });
    return c.redirect(`/console/settings?organization=${organizationId}&saved=${stored.changed ? 'changed' : 'unchanged'}`, 303);
  } catch (error) {
    if (error instanceof ApiError && error.status === 400 && Array.isArray(error.details)) return settingsPage(c, deps, entered, error.details as FieldProblem[], 400);
    throw error;
  }
}
