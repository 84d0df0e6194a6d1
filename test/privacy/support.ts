import { mkdirSync } from 'node:fs';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { solveChallenge } from '../../src/api/privacy-center/challenge.ts';
import type { App } from '../../src/api/app.ts';

// Helpers of the Privacy Center tests: read the form's hidden fields, post it as a browser would, count rows.

/** Screenshots of the Privacy Center's browser tests (ignored by git; the main ones are copied to docs/privacy-center/). */
export const PRIVACY_SHOTS = new URL('../../test-output/privacy/', import.meta.url);
mkdirSync(PRIVACY_SHOTS, { recursive: true });

export const hidden = (page: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? '';

/** The details step of `org` for a residence and type, and its fields as the browser would post them. */
export async function detailsForm(app: App, org: string, query: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await app.request(`/privacy/${org}?${new URLSearchParams(query)}`, { headers });
  const page = await res.text();
  const challenge = hidden(page, 'challenge');
  return { res, page, challenge, fields: { lang: hidden(page, 'lang'), country: hidden(page, 'country'), region: hidden(page, 'region'), type: hidden(page, 'type'), challenge, website: '' } };
}

export const post = (app: App, org: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  app.request(`/privacy/${org}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });

/** A filled and solved form: what challenge.js and a person produce. */
export async function solvedForm(app: App, org: string, query: Record<string, string>, subject: Record<string, string>) {
  const form = await detailsForm(app, org, query);
  return { ...form.fields, solution: solveChallenge(form.challenge), ...subject };
}

/** Requests (any) recorded for this email address: a refusal must leave none. */
export const requestsFor = (pool: DatabasePool, email: string) =>
  pool.any(sql.type(z.object({ id: z.uuid(), channel: z.string(), regulation: z.string(), type: z.string(), locale: z.string().nullable(), residence: z.string().nullable(), created_by: z.string() }))`
    select r.id, r.channel, r.regulation, r.type, r.locale, s.residence, r.created_by from dsrflow.requests r join dsrflow.request_subjects s on s.request_id = r.id where s.email = ${email}`);
