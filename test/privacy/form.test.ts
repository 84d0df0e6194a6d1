import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { solveChallenge } from '../../src/api/privacy-center/challenge.ts';
import type { App } from '../../src/api/app.ts';
import { testApp } from '../support/app.ts';
import { devServer, postgres } from '../support/stack.ts';
import { detailsForm, hidden, post, requestsFor, solvedForm } from './support.ts';

// The form's rules without a browser: rights from the residence, and every refusal records nothing. Workflows start
// on a task queue no worker serves: only the recording is under test here.

const rightsOffered = (page: string) => [...page.matchAll(/name="type" id="f-type-(\w+)"/g)].map((m) => m[1]);

describe('Privacy Center form', () => {
  let app: App;
  let pool: Awaited<ReturnType<typeof postgres>>['pool'];
  const email = () => `pc-${crypto.randomUUID().slice(0, 8)}@example.com`;
  before(async () => {
    const [pg, env] = await Promise.all([postgres(), devServer()]);
    pool = pg.pool;
    app = testApp({ pool, client: env.client, taskQueue: 'privacy-form-unserved', privacyCenter: { challenge: { bits: 8 } } });
  });

  test('the residence decides the law and the rights: Iowa has no correction, Germany restriction and objection, California the opt-out', async () => {
    const rights = async (query: string) => rightsOffered(await (await app.request(`/privacy/default?lang=en&${query}`)).text());
    assert.deepEqual(await rights('country=DE'), ['access', 'export', 'rectify', 'erasure', 'restrict', 'object']);
    assert.deepEqual(await rights('country=US&region=US-IA'), ['access', 'export', 'erasure', 'noSale']);
    assert.ok((await rights('country=US&region=US-UT')).includes('rectify'), "Utah's right to correct, in force since 1 July 2026");
    assert.ok((await rights('country=US&region=US-CA')).includes('noSale'));
    assert.ok(!(await rights('country=GB')).includes('noSale'), 'no opt-out of sale where no law grants it');
    const wyoming = await (await app.request('/privacy/default?lang=en&country=US&region=US-WY')).text();
    assert.match(wyoming, /know of no privacy law where you live/);
    const refused = await app.request('/privacy/default?lang=en&country=US&region=US-IA&type=rectify');
    assert.equal(refused.status, 400, 'a right the law does not grant is not offered by URL either');
    assert.match(await refused.text(), /not offered where you live/);
    assert.equal((await app.request('/privacy/default?lang=en&country=DE&region=')).status, 200, 'the empty region of the first step is no answer');
    for (const query of ['type=AAA', 'country=XX', 'country=DE&region=US-ZZ', 'lang=xx']) assert.equal((await app.request(`/privacy/default?${query}`)).status, 400, query);
  });

  test('the language comes from Accept-Language, and the page can change it', async () => {
    const german = await app.request('/privacy/default', { headers: { 'accept-language': 'de-AT,de;q=0.9,en;q=0.5' } });
    const page = await german.text();
    assert.match(page, /<html lang="de">/);
    assert.match(page, /Wo wohnen Sie\?/);
    assert.match(page, /href="\/privacy\/default\?lang=fr"/);
    assert.match(await (await app.request('/privacy/default?lang=es')).text(), /¿Dónde vive\?/);
    assert.equal((await app.request('/privacy/nobody-here')).status, 404);
  });

  test('a solved form opens a portal request with the language and residence stored; posted again it shows the same request', async () => {
    const address = email();
    const fields = await solvedForm(app, 'default', { lang: 'de', country: 'DE', type: 'access' }, { email: address, fullName: 'Jürgen Müller' });
    const res = await post(app, 'default', fields);
    const page = await res.text();
    assert.equal(res.status, 200, page.slice(0, 500));
    assert.match(page, /Antrag gesendet/);
    const rows = await requestsFor(pool, address);
    assert.equal(rows.length, 1);
    assert.deepEqual({ ...rows[0], id: undefined }, { id: undefined, channel: 'portal', regulation: 'GDPR', type: 'access', locale: 'de', residence: 'DE', created_by: 'subject' });
    assert.ok(page.includes(rows[0]!.id), 'the reference is on the confirmation');
    assert.equal((await post(app, 'default', fields)).status, 200);
    assert.equal((await requestsFor(pool, address)).length, 1, 'a re-post opens nothing new');
  });

  test('the honeypot, an unsolved fresh challenge and a forged one are refused, and nothing is recorded', async () => {
    const address = email();
    const form = await detailsForm(app, 'default', { lang: 'en', country: 'FR', type: 'erasure' });
    const bot = await post(app, 'default', { ...form.fields, solution: solveChallenge(form.challenge), email: address, website: 'http://spam.example' });
    assert.equal(bot.status, 400);
    assert.match(await bot.text(), /could not accept this form/);
    const hasty = await post(app, 'default', { ...form.fields, email: address });
    assert.equal(hasty.status, 400);
    const waitPage = await hasty.text();
    assert.match(waitPage, /wait a few seconds/);
    assert.equal(hidden(waitPage, 'challenge'), form.challenge, 'the same challenge, so the wait keeps counting');
    const forged = await post(app, 'default', { ...form.fields, challenge: form.challenge.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), solution: '1', email: address });
    assert.equal(forged.status, 400);
    assert.match(await forged.text(), /form has expired/);
    const unreadable = await app.request('/privacy/default', { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: `email=${address}` });
    assert.equal(unreadable.status, 400, 'a body no browser sends is refused, not a server error');
    assert.deepEqual(await requestsFor(pool, address), []);
  });

  test('a missing email is named at the field and in the summary; nothing is recorded', async () => {
    const fields = await solvedForm(app, 'default', { lang: 'en', country: 'ES', type: 'access' }, { email: 'not-an-email' });
    const res = await post(app, 'default', fields);
    assert.equal(res.status, 400);
    const page = await res.text();
    assert.match(page, /<a href="#f-email">Enter an email address like name@example.com<\/a>/);
    assert.match(page, /id="f-email-error"/);
    assert.match(page, /value="not-an-email"/, 'what was typed is kept');
  });

  test('an open request of the same type is a duplicate; the email limit and the address limit refuse; nothing is recorded', async () => {
    const address = email();
    const first = await post(app, 'default', await solvedForm(app, 'default', { lang: 'en', country: 'IE', type: 'erasure' }, { email: address }));
    assert.equal(first.status, 200);
    const duplicate = await post(app, 'default', await solvedForm(app, 'default', { lang: 'en', country: 'IE', type: 'erasure' }, { email: address.toUpperCase() }));
    assert.equal(duplicate.status, 409);
    assert.match(await duplicate.text(), /already an open request of this kind/);
    const client = (await devServer()).client;
    const perEmail = testApp({ pool, client, taskQueue: 'privacy-form-unserved', privacyCenter: { challenge: { bits: 8 }, emailLimit: { limit: 1, windowMs: 60_000 } } });
    const other = email();
    const answers = [];
    for (const type of ['access', 'restrict']) answers.push(await post(perEmail, 'default', await solvedForm(perEmail, 'default', { lang: 'en', country: 'IE', type }, { email: other })));
    assert.deepEqual(answers.map((r) => r.status), [200, 429]);
    assert.match(await answers[1]!.text(), /Too many requests were made for this email address/);
    assert.ok(Number(answers[1]!.headers.get('retry-after')) > 0);
    assert.equal((await requestsFor(pool, other)).length, 1, 'only the first one is recorded');
    const perAddress = testApp({ pool, client, taskQueue: 'privacy-form-unserved', privacyCenter: { challenge: { bits: 8 }, addressLimit: { limit: 2, windowMs: 60_000 } } });
    const addresses = [email(), email(), email()];
    const statuses = [];
    for (const address of addresses) statuses.push(await post(perAddress, 'default', await solvedForm(perAddress, 'default', { lang: 'en', country: 'IE', type: 'access' }, { email: address })));
    assert.deepEqual(statuses.map((r) => r.status), [200, 200, 429]);
    assert.match(await statuses[2]!.text(), /Too many requests have come from your network/);
    assert.deepEqual(await requestsFor(pool, addresses[2]!), [], 'the refused one is not recorded');
  });
});
