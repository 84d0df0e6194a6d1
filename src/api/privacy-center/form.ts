import type { Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { sql } from 'slonik';
import { findPrivacyCenter, openRequestTypes } from '../../db/privacy-center.ts';
import { findRequest, requestRow } from '../../db/requests.ts';
import { isResidenceCountry, REGIONS, regulationFor, residenceCode, rightsFor, type Residence } from '../../domain/residence.ts';
import { REQUEST_TYPES, type RequestType } from '../../domain/request.ts';
import { normalizeIdentifier } from '../../domain/subjects.ts';
import { isLocale, messagesFor, pickLocale, type Locale } from '../../locales/index.ts';
import { identifierHashes } from '../../platform/subject-keys.ts';
import { clientAddress, fixedWindows } from '../rate-limit.ts';
import type { ArrivalEnv } from '../arrival.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError, type FieldProblem } from '../errors.ts';
import { emailAddress, text } from '../fields.ts';
import { openRequest } from '../requests/open-request.ts';
import { profileCorrectionFields } from '../requests/corrections.ts';
import { challenges } from './challenge.ts';
import { confirmation, CORRECTION_ROWS, detailsStep, residenceFrom, residenceStep, rightStep, type Center, type Problem, type Values } from './form-views.ts';
import { publicLayout, type Html } from './layout.ts';
import * as slots from './slots.ts';


/** The first query value that is not one the form could have sent. */
function stepProblem(q: Values): 'lang' | 'country' | 'region' | 'type' | null {
  if (q.lang !== undefined && !isLocale(q.lang)) return 'lang';
  if (q.country !== undefined && !isResidenceCountry(q.country)) return 'country';
  const [regionCountry = '', regionCode = ''] = (q.region ?? '').split('-');
  if (q.region !== undefined && !Object.hasOwn(REGIONS[regionCountry as 'US'] ?? {}, regionCode)) return 'region';
  if (q.type !== undefined && !isRequestType(q.type)) return 'type';
  return null;
}

const isRequestType = (v: string | undefined): v is RequestType => (REQUEST_TYPES as readonly string[]).includes(v ?? '');

/** The language: the page's own choice (`lang`), else the browser's Accept-Language. */
export const localeOf = (c: Context, chosen?: string): Locale => (isLocale(chosen) ? chosen : pickLocale(c.req.header('accept-language')));

const PostedSchema = z.object({
  email: emailAddress(),
  customerId: text({ max: 200 }).optional(),
  fullName: text({ max: 300 }).optional(),
  phone: text({ min: 3, max: 50 }).optional(),
});

export function privacyForm(deps: AppDeps) {
  const settings = deps.settings.privacyCenter ?? {};
  const clock = () => deps.now().getTime();
  const perAddress = fixedWindows(settings.addressLimit ?? { limit: 10, windowMs: 600_000 }, clock);
  const perEmail = fixedWindows(settings.emailLimit ?? { limit: 3, windowMs: 3_600_000 }, clock);
  const maxOpen = settings.maxOpenPerEmail ?? 3;
  const challenge = challenges(deps.settings.subjectKeys.current, settings.challenge);

  const page = (c: Context, center: Center | null, locale: Locale, title: string, body: Html, status: 200 | 400 | 404 | 409 | 429 | 503 = 200, query: Values = {}) => {
    c.header('Cache-Control', 'no-store');
    const languageHref = center ? (l: Locale) => `/privacy/${center.id}?${new URLSearchParams({ ...query, lang: l }).toString()}` : undefined;
    return c.html(publicLayout({ locale, title, organization: center?.name, languageHref, body }), status);
  };
  const notFound = (c: Context, locale: Locale) => {
    const t = messagesFor(locale);
    return page(c, null, locale, t.errors.notFoundTitle, html`<h1>${t.errors.notFoundTitle}</h1><p>${t.errors.notFound}</p>`, 404);
  };

  async function details(c: Context, center: Center, locale: Locale, residence: Residence, type: RequestType, values: Values, problems: readonly Problem[], status: 200 | 400 | 409 | 429 | 503 = 200, keepChallenge?: string) {
    const slotContext = { c, deps, locale, organizationId: center.id, residence, type, values };
    const body = detailsStep({
      center,
      locale,
      residence,
      type,
      values,
      problems,
      // After "please wait", the same challenge: its age keeps counting towards the no-script wait.
      challenge: keepChallenge ?? challenge.issue(center.id, deps.now()),
      correctionFields: type === 'rectify' ? (await profileCorrectionFields(deps)).fields : [],
      slots: { gpc: slots.gpcNotice(slotContext), agent: slots.agentSection(slotContext), enctype: slots.formEnctype(slotContext) },
    });
    const t = messagesFor(locale);
    return page(c, center, locale, t.rights[type].name, body, status, { country: residence.country, ...(residence.region ? { region: `${residence.country}-${residence.region}` } : {}), type });
  }

  /** GET /privacy/{organization}: the step the query has reached (where you live, which right, your details). */
  async function show(c: Context) {
    // An empty answer ("Choose…" left as it was, the region of a country without one) is no answer.
    const q = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''));
    const locale = localeOf(c, q.lang);
    const center = await findPrivacyCenter(deps.pool, c.req.param('organization') ?? '');
    if (!center) return notFound(c, locale);
    const t = messagesFor(locale);
    // A value outside what the form offers (a hand-made link) is named, not silently dropped.
    const bad = stepProblem(q);
    if (bad) return page(c, center, locale, t.form.title(center.name), residenceStep(center, locale, {}, bad === 'lang' ? [] : [{ field: bad === 'type' ? 'country' : bad, message: bad === 'type' ? t.errors.type : t.errors[bad] }]), 400);
    const residence = residenceFrom(q);
    if ('problem' in residence) {
      const asked = q.country !== undefined;
      const problems = asked ? [{ field: residence.problem, message: residence.problem === 'country' ? t.errors.country : t.errors.region }] : [];
      return page(c, center, locale, t.form.title(center.name), residenceStep(center, locale, q, problems), asked ? 400 : 200);
    }
    const query = { country: residence.country, ...(residence.region ? { region: `${residence.country}-${residence.region}` } : {}) };
    if (!isRequestType(q.type) || !rightsFor(residence).includes(q.type)) {
      const problems = q.type !== undefined ? [{ field: 'type', message: isRequestType(q.type) ? t.errors.typeNotOffered : t.errors.type }] : [];
      return page(c, center, locale, t.form.title(center.name), rightStep(center, locale, residence, problems), problems.length ? 400 : 200, query);
    }
    return details(c, center, locale, residence, q.type, {}, []);
  }

  /** POST /privacy/{organization}: every check first, then the request is opened exactly as the API opens one. */
  async function submit(c: Context) {
    // A body no browser sends (a multipart type without its boundary) is a 400, not a parser's 500.
    const posted = await c.req.parseBody().catch(() => null);
    const form = Object.fromEntries(Object.entries(posted ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string').map(([k, v]) => [k, v.trim()]));
    const locale = localeOf(c, form.lang);
    const t = messagesFor(locale);
    const center = await findPrivacyCenter(deps.pool, c.req.param('organization') ?? '');
    if (!center) return notFound(c, locale);
    if (!posted) return page(c, center, locale, t.form.title(center.name), residenceStep(center, locale, {}, [{ field: 'country', message: t.errors.refused }]), 400);
    const residence = residenceFrom(form);
    if ('problem' in residence) return page(c, center, locale, t.form.title(center.name), residenceStep(center, locale, form, [{ field: residence.problem, message: t.errors[residence.problem] }]), 400);
    const type = form.type;
    if (!isRequestType(type) || !rightsFor(residence).includes(type)) {
      return page(c, center, locale, t.form.title(center.name), rightStep(center, locale, residence, [{ field: 'type', message: t.errors.typeNotOffered }]), 400);
    }
    const again = (problems: readonly Problem[], status: 400 | 409 | 429 | 503, keep?: string) => details(c, center, locale, residence, type, form, problems, status, keep);

    const addressWait = perAddress.hit(clientAddress(c, settings.addressLimit?.trustProxy));
    if (addressWait !== null) {
      c.header('Retry-After', String(addressWait));
      return again([{ field: 'email', message: t.errors.rateLimitedAddress(Math.ceil(addressWait / 60)) }], 429);
    }
    // A filled honeypot is a bot: the same words as any refusal, so it learns nothing about why.
    if (form.website) return again([{ field: 'email', message: t.errors.refused }], 400);
    const verdict = challenge.verify(form.challenge, form.solution, center.id, deps.now());
    if (!verdict.ok) return again([{ field: 'email', message: verdict.reason === 'wait' ? t.errors.challengeWait : t.errors.challenge }], 400, verdict.reason === 'wait' ? form.challenge : undefined);

    const parsed = PostedSchema.safeParse(Object.fromEntries(Object.entries({ email: form.email ?? '', customerId: form.customerId, fullName: form.fullName, phone: form.phone }).filter(([, v]) => v !== undefined && v !== '')));
    const problems: Problem[] = parsed.success ? [] : parsed.error.issues.map((i) => ({ field: String(i.path[0]), message: t.errors[String(i.path[0]) as 'email' | 'customerId' | 'fullName' | 'phone'] ?? t.errors.refused }));
    const profile = type === 'rectify' ? await profileCorrectionFields(deps) : undefined;
    const corrections = profile ? correctionsOf(form, profile.model, problems, t.errors.correction) : undefined;
    const slotContext = { c, deps, locale, organizationId: center.id, residence, type, values: form };
    problems.push(...(await slots.checkExtraFields(slotContext)));
    if (!parsed.success || problems.length > 0) return again(problems, 400);

    const idempotencyKey = `privacy-${verdict.nonce}`;
    // The same form posted again (a second click, a refresh) shows the request it already opened.
    const earlier = await deps.pool.maybeOne(sql.type(requestRow)`select * from dsrflow.requests where organization_id = ${center.id} and idempotency_key = ${idempotencyKey}`);
    if (earlier) return page(c, center, locale, t.confirmation.title, confirmation(center, locale, earlier, deps.workflows.verificationWindowDays));

    const emailWait = perEmail.hit(normalizeIdentifier('email', parsed.data.email) ?? '');
    if (emailWait !== null) {
      c.header('Retry-After', String(emailWait));
      return again([{ field: 'email', message: t.errors.rateLimitedEmail(Math.ceil(emailWait / 60)) }], 429);
    }
    const open = await openRequestTypes(deps.pool, center.id, identifierHashes(deps.settings.subjectKeys, 'email', parsed.data.email));
    if (open.includes(type)) return again([{ field: 'email', message: t.errors.duplicate }], 409);
    if (open.length >= maxOpen) return again([{ field: 'email', message: t.errors.tooManyOpen(maxOpen) }], 409);

    const regulation = regulationFor(residence)!;
    const body = { type, regulation, channel: 'portal' as const, organizationId: center.id, subject: parsed.data, ...(corrections ? { corrections: corrections.items } : {}) };
    let row;
    try {
      ({ row } = await openRequest(deps, body, {
        actor: { tokenId: 'privacy-center', name: 'subject', role: 'admin', organizationId: center.id },
        arrivedAt: (c as Context<ArrivalEnv>).get('arrivedAt') ?? deps.now(),
        idempotencyKey,
        locale,
        residence: residenceCode(residence),
      }));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // Recorded, but Temporal did not answer: the request is kept and starts from the sweep; the person is done.
      const recorded = error.status === 503 && (error.details as { requestId?: string } | undefined)?.requestId;
      if (recorded) {
        const kept = await findRequest(deps.pool, recorded);
        if (kept) return page(c, center, locale, t.confirmation.title, confirmation(center, locale, kept, deps.workflows.verificationWindowDays));
      }
      if (error.status === 400 && Array.isArray(error.details)) return again(portalProblems(error.details as FieldProblem[], corrections?.rows ?? [], t), 400);
      if (error.status === 503) return again([{ field: 'email', message: t.errors.unavailable }], 503);
      throw error;
    }
    await slots.afterRecorded({ ...slotContext, requestId: row.id });
    return page(c, center, locale, t.confirmation.title, confirmation(center, locale, row, deps.workflows.verificationWindowDays));
  }

  return { show, submit };
}

/** The correction rows filled in, in the API's shape; a half-filled row is a problem at its field. */
function correctionsOf(form: Values, model: string, problems: Problem[], message: string) {
  const rows = Array.from({ length: CORRECTION_ROWS }, (_, i) => ({ n: i + 1, field: form[`correction-field-${i + 1}`] ?? '', value: form[`correction-value-${i + 1}`] ?? '' }));
  const filled = rows.filter((r) => r.field || r.value);
  for (const r of filled) if (!r.field || !r.value) problems.push({ field: `correction-${r.field ? 'value' : 'field'}-${r.n}`, message });
  if (filled.length === 0) problems.push({ field: 'correction-field-1', message });
  const complete = filled.filter((r) => r.field && r.value);
  return { items: complete.map((r) => ({ model, field: r.field, newValue: r.value })), rows: complete.map((r) => r.n) };
}

/** The API's field problems (corrections[0].newValue) at the form's fields, in the person's words. */
function portalProblems(problems: readonly FieldProblem[], rows: readonly number[], t: ReturnType<typeof messagesFor>): Problem[] {
  return problems.map((p) => {
    const correction = /^corrections\[(\d+)\]/.exec(p.field);
    if (correction) return { field: `correction-value-${rows[Number(correction[1])] ?? 1}`, message: t.errors.correctionValue };
    const name = p.field.replace(/^subject\./, '');
    return { field: name === 'email' || name === 'customerId' || name === 'fullName' || name === 'phone' ? name : 'email', message: name in t.errors ? String(t.errors[name as 'email']) : t.errors.refused };
  });
}
