import { html, raw } from 'hono/html';
import { REGULATIONS, verificationPolicy } from '../../domain/regulations.ts';
import { CA_PROVINCES, parseResidence, REGIONS, regulationFor, RESIDENCE_COUNTRIES, rightsFor, US_STATES, type Residence } from '../../domain/residence.ts';
import type { RequestType } from '../../domain/request.ts';
import type { RequestRow } from '../../db/requests.ts';
import type { PrivacyIdentifier } from '../../db/privacy-center.ts';
import { countryName, formatDate, messagesFor, type Locale } from '../../locales/index.ts';
import { errorSummary, type Html } from './layout.ts';

// The form's pages, one question per page (GOV.UK pattern): where you live, which right, then your details.
// Every step is a plain GET or POST form: no script is needed to reach the next one.

export type Values = Readonly<Record<string, string>>;
export type Problem = { field: string; message: string };

export interface Center {
  id: string;
  name: string;
  identifiers: readonly PrivacyIdentifier[];
}

/** How many correction rows the details form offers (each one a field of the subject's own record). */
export const CORRECTION_ROWS = 3;

const fieldError = (problems: readonly Problem[], name: string) => problems.find((p) => p.field === name)?.message;

function field(problems: readonly Problem[], name: string, label: string, input: (describedBy: string) => Html, hint?: string): Html {
  const error = fieldError(problems, name);
  const describedBy = [hint ? `f-${name}-hint` : '', error ? `f-${name}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field${error ? ' field-error' : ''}"><label for="f-${name}">${label}</label>${hint ? html`<p class="hint" id="f-${name}-hint">${hint}</p>` : ''}${error ? html`<p class="field-message" id="f-${name}-error">${error}</p>` : ''}${input(describedBy)}</div>`;
}

const describe = (ids: string) => (ids ? html` aria-describedby="${ids}"` : '');

/** The region value of the form: 'US-CA', 'CA-QC'. */
export const regionValue = (r: Residence) => (r.region ? `${r.country}-${r.region}` : '');

/** A residence from the form's `country` and `region` ('US-CA') values. */
export function residenceFrom(values: Values): Residence | { problem: 'country' | 'region' } {
  const country = values.country;
  const region = values.region?.startsWith(`${country}-`) ? values.region.slice(country!.length + 1) : undefined;
  return parseResidence(country, region);
}

export function placeName(locale: Locale, r: Residence): string {
  const regions = REGIONS[r.country];
  return r.region && regions ? `${regions[r.region]}, ${countryName(locale, r.country)}` : countryName(locale, r.country);
}

const sortedCountries = new Map<Locale, readonly string[]>();
/** The countries in the reader's alphabetical order of their names (sorted once per language). */
function countriesIn(locale: Locale): readonly string[] {
  let sorted = sortedCountries.get(locale);
  if (!sorted) {
    const collator = new Intl.Collator(locale);
    sortedCountries.set(locale, (sorted = [...RESIDENCE_COUNTRIES].sort((a, b) => collator.compare(countryName(locale, a), countryName(locale, b)))));
  }
  return sorted;
}

/** Step 1: where do you live? A GET form, so each answer is a link the person can come back to. */
export function residenceStep(center: Center, locale: Locale, values: Values, problems: readonly Problem[]): Html {
  const t = messagesFor(locale);
  const countries = countriesIn(locale);
  const group = (label: string, country: string, regions: Readonly<Record<string, string>>) =>
    html`<optgroup label="${label}">${Object.entries(regions).map(([code, name]) => html`<option value="${country}-${code}"${values.region === `${country}-${code}` ? ' selected' : ''}>${name}</option>`)}</optgroup>`;
  return html`${errorSummary(locale, problems)}<h1>${t.form.title(center.name)}</h1>
<p class="lead">${t.form.intro(center.name)}</p>
<form method="get" action="/privacy/${center.id}" class="card" novalidate>
<input type="hidden" name="lang" value="${locale}">
<h2>${t.form.residenceHeading}</h2><p class="hint">${t.form.residenceHint}</p>
${field(problems, 'country', t.form.country, (d) => html`<select id="f-country" name="country" autocomplete="country"${describe(d)}><option value="">${t.form.choose}</option>${countries.map((c) => html`<option value="${c}"${values.country === c ? ' selected' : ''}>${countryName(locale, c)}</option>`)}</select>`)}
${field(problems, 'region', t.form.region, (d) => html`<select id="f-region" name="region"${describe(d)}><option value="">${t.form.choose}</option>${group(t.form.usStates, 'US', US_STATES)}${group(t.form.caProvinces, 'CA', CA_PROVINCES)}</select>`, t.form.regionHint)}
<button type="submit">${t.form.showRights}</button>
</form>`;
}

const residenceLine = (center: Center, locale: Locale, r: Residence) => {
  const t = messagesFor(locale);
  return html`<p>${t.form.livesIn(placeName(locale, r))} <a href="/privacy/${center.id}?lang=${locale}&amp;country=${r.country}${r.region ? raw(`&amp;region=${r.country}-${r.region}`) : ''}">${t.form.changeResidence}</a></p>`;
};

/** Step 2: which right? Only the rights the law of the residence grants (from the regulations table). */
export function rightStep(center: Center, locale: Locale, r: Residence, problems: readonly Problem[]): Html {
  const t = messagesFor(locale);
  const regulation = regulationFor(r);
  if (!regulation) return html`<h1>${t.form.title(center.name)}</h1>${residenceLine(center, locale, r)}<div class="card"><p>${t.form.noLaw(center.name)}</p></div>`;
  const error = fieldError(problems, 'type');
  return html`${errorSummary(locale, problems)}<h1>${t.form.title(center.name)}</h1>
${residenceLine(center, locale, r)}
<form method="get" action="/privacy/${center.id}" class="card" novalidate>
<input type="hidden" name="lang" value="${locale}"><input type="hidden" name="country" value="${r.country}">${r.region ? html`<input type="hidden" name="region" value="${regionValue(r)}">` : ''}
<fieldset id="f-type" class="${error ? 'field-error' : ''}"${error ? html` aria-describedby="f-type-error"` : ''}>
<legend><span class="visually-hidden">${t.form.whichRight} </span>${t.form.lawApplies(REGULATIONS[regulation].name)}</legend>
${error ? html`<p class="field-message" id="f-type-error">${error}</p>` : ''}
${rightsFor(r).map((type) => html`<div class="choice"><input type="radio" name="type" id="f-type-${type}" value="${type}" aria-describedby="f-type-${type}-hint"><label for="f-type-${type}">${t.rights[type].name}</label><p class="hint" id="f-type-${type}-hint">${t.rights[type].explain}</p></div>`)}
</fieldset>
<button type="submit">${t.form.showRights}</button>
</form>`;
}

export interface DetailsView {
  center: Center;
  locale: Locale;
  residence: Residence;
  type: RequestType;
  values: Values;
  problems: readonly Problem[];
  challenge: string;
  /** The fields of the subject's own record that may be corrected (rectification only). */
  correctionFields: readonly string[];
  /** Extension slots (slots.ts): rendered in their places, empty until filled. */
  slots: { gpc: Html | ''; agent: Html | ''; enctype: string };
}

const humanize = (column: string) => column.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());

/** Step 3: the details, posted. The challenge and the honeypot ride along (challenge.ts, docs). */
export function detailsStep(v: DetailsView): Html {
  const t = messagesFor(v.locale);
  const { center, residence: r, values, problems } = v;
  const text = (name: string, type: string, label: string, attrs: string, hint?: string) =>
    field(problems, name, label, (d) => html`<input id="f-${name}" name="${name}" type="${type}" value="${values[name] ?? ''}"${describe(d)} ${raw(attrs)}>`, hint);
  const optional: Record<PrivacyIdentifier, () => Html> = {
    customerId: () => text('customerId', 'text', t.form.customerId, 'maxlength="200" autocomplete="off" spellcheck="false"', t.form.customerIdHint),
    fullName: () => text('fullName', 'text', t.form.fullName, 'maxlength="300" autocomplete="name"'),
    phone: () => text('phone', 'tel', t.form.phone, 'maxlength="50" autocomplete="tel"'),
  };
  const corrections = v.type === 'rectify'
    ? html`<fieldset><legend>${t.form.correctionHeading}</legend><p class="hint">${t.form.correctionHint}</p>
${Array.from({ length: CORRECTION_ROWS }, (_, i) => i + 1).map((n) => html`<div class="correction">
${field(problems, `correction-field-${n}`, t.form.correctionField(n), (d) => html`<select id="f-correction-field-${n}" name="correction-field-${n}"${describe(d)}><option value="">${t.form.choose}</option>${v.correctionFields.map((f) => html`<option value="${f}"${values[`correction-field-${n}`] === f ? ' selected' : ''}>${humanize(f)}</option>`)}</select>`)}
${text(`correction-value-${n}`, 'text', t.form.correctionValue(n), 'maxlength="1000" autocomplete="off"')}
</div>`)}</fieldset>`
    : '';
  return html`${errorSummary(v.locale, problems)}${v.slots.gpc}<h1>${t.rights[v.type].name}</h1>
${residenceLine(center, v.locale, r)}
<p>${t.rights[v.type].explain}</p>
<form method="post" action="/privacy/${center.id}" class="card" data-challenge novalidate enctype="${v.slots.enctype}">
<input type="hidden" name="lang" value="${v.locale}"><input type="hidden" name="country" value="${r.country}">${r.region ? html`<input type="hidden" name="region" value="${regionValue(r)}">` : ''}<input type="hidden" name="type" value="${v.type}">
<input type="hidden" name="challenge" value="${v.challenge}"><input type="hidden" name="solution" value="">
<div class="trap"><label for="f-website">${t.form.honeypot}</label><input id="f-website" name="website" type="text" tabindex="-1" autocomplete="off"></div>
<h2>${t.form.aboutYou}</h2>
${text('email', 'email', t.form.email, 'maxlength="320" autocomplete="email" spellcheck="false" required', t.form.emailHint)}
${center.identifiers.map((id) => optional[id]())}
${corrections}
${v.slots.agent}
<p class="hint" id="challenge-status" role="status" data-working="${t.form.challengeWorking}" data-ready="${t.form.challengeReady}"></p>
<noscript><p class="hint">${t.form.noScript}</p></noscript>
<button type="submit">${t.form.submit}</button>
<p class="hint">${t.form.privacyNote(center.name)}</p>
</form>
<script src="/privacy/assets/challenge.js" defer></script>`;
}

/** The confirmation: the reference, the due date on the law's clock, and what happens next. */
export function confirmation(center: Center, locale: Locale, row: RequestRow, verificationDays: number): Html {
  const t = messagesFor(locale);
  const rule = REGULATIONS[row.regulation as keyof typeof REGULATIONS];
  const verifies = verificationPolicy(rule.code, row.type) === 'required';
  return html`<div class="panel" role="status"><h1>${t.confirmation.title}</h1><p>${t.confirmation.reference}</p><p class="reference">${row.id}</p></div>
<div class="card">
<p class="lead">${t.confirmation.type(t.typeInText[row.type])}</p>
<p>${t.confirmation.due(formatDate(locale, row.extended_due_at ?? row.due_at, rule.timeZone))}</p>
<h2>${t.confirmation.nextHeading}</h2>
<ol class="steps"><li>${verifies ? t.confirmation.nextVerify(verificationDays) : t.confirmation.nextNoVerify}</li><li>${t.confirmation.nextWork}</li><li>${t.confirmation.nextStatus}</li></ol>
</div>`;
}
