import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { sql } from 'slonik';
import { z } from 'zod';
import { solveChallenge } from '../../src/api/privacy-center/challenge.ts';
import { mintStatusLink } from '../../src/db/privacy-center.ts';
import { setPrivacyCenterExtras } from '../../src/db/privacy-center-settings.ts';
import { ensureOrganization } from '../../src/db/tokens.ts';
import { TEST_DOCUMENTS_DIR, testApp, tokenHeaders } from '../support/app.ts';
import { assertAccessible, newContext, serveApp, signIn } from '../support/console.ts';
import { eventually } from '../support/requests.ts';
import { browser } from '../support/stack.ts';
import { useDevServerWorker, type DevServerSuite } from '../support/workflow-harness.ts';
import { detailsForm, PDF, requestsFor } from './support.ts';

// The extras of the Privacy Center against the real stack (worker on the dev server): a Californian's browser
// with Global Privacy Control on, an authorized agent's request, and an identity document from upload to deletion.

const TASK_QUEUE = 'privacy-extras';
const SHOTS = new URL('../../test-output/privacy/', import.meta.url);
mkdirSync(SHOTS, { recursive: true });
// The smallest PNG: its signature, then IHDR, IDAT and IEND of a 1x1 image.
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f6cd8a0000000049454e44ae426082', 'hex');

const today = () => new Date().toISOString().slice(0, 10);

describe('Privacy Center extras end to end', () => {
  const suite: DevServerSuite = useDevServerWorker(TASK_QUEUE);
  let chromium: Browser;
  let server: Awaited<ReturnType<typeof serveApp>>;
  let app: ReturnType<typeof testApp>;
  const org = `extras-${crypto.randomUUID().slice(0, 8)}`;
  const pool = () => suite.pg.pool;
  before(async () => {
    chromium = await browser();
    app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: TASK_QUEUE, privacyCenter: { challenge: { bits: 8 } } });
    server = await serveApp(app);
    await ensureOrganization(suite.pg.pool, org, 'Acme Extras');
    await setPrivacyCenterExtras(suite.pg.pool, org, { identityDocumentTypes: ['erasure'] });
  });
  after(() => server.close());

  const statusOf = (id: string) => pool().oneFirst(sql.type(z.object({ status: z.string() }))`select status from dsrflow.requests where id = ${id}`);
  const events = (id: string) => pool().anyFirst(sql.type(z.object({ action: z.string() }))`select action from dsrflow.audit_events where request_id = ${id} order by id`);

  test('a Californian with GPC on is offered the opt-out, and it is recorded and suppressed the same day', async () => {
    const context = await newContext(chromium);
    await context.setExtraHTTPHeaders({ 'sec-gpc': '1' });
    const page = await context.newPage();
    await page.goto(`${server.url}/privacy/${org}?lang=en&country=US&region=US-CA&type=access`);
    await page.getByRole('heading', { name: 'Your browser asks us not to sell or share your data' }).waitFor();
    await assertAccessible(page, 'the GPC notice on the form');
    await page.getByRole('link', { name: 'Opt out of sale and sharing' }).click();
    assert.match(await page.locator('.notice.gpc').innerText(), /this is already your opt-out/);
    const email = `gpc-ca-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await page.getByLabel('What is your email address?').fill(email);
    await page.getByText('The form is ready to send.').waitFor();
    await page.screenshot({ path: new URL('gpc-opt-out.png', SHOTS).pathname, fullPage: true });
    await page.getByRole('button', { name: 'Send my request' }).click();
    await page.getByRole('heading', { name: 'Request sent' }).waitFor();
    const [request] = await requestsFor(pool(), email);
    assert.equal(request?.type, 'noSale');
    assert.equal(request.regulation, 'CCPA');
    const suppression = await eventually(
      () => pool().maybeOne(sql.type(z.object({ scope: z.string(), basis: z.string(), day: z.string() }))`
        select scope, basis, to_char(effective_at at time zone 'UTC', 'YYYY-MM-DD') as day from delta_storage.suppressions where request_id = ${request.id}`).then((r) => r ?? undefined),
      30_000,
      'the suppression row',
    );
    assert.deepEqual(suppression, { scope: 'sale_sharing', basis: 'opt_out_of_sale', day: today() });
    await eventually(async () => ((await statusOf(request.id)) === 'completed' ? true : undefined), 20_000, 'completed');
    const trail = await events(request.id);
    assert.ok(trail.includes('gpc.received'), 'the trail says the browser signal was honoured');
    assert.ok(!trail.includes('request.awaiting_verification'), 'never asked to verify');
    await context.close();
  });

  test('an authorized agent’s request carries the permission file and waits for staff: no link, no policy', async () => {
    const form = await detailsForm(app, org, { lang: 'en', country: 'US', region: 'US-CA', type: 'erasure' });
    const email = `consumer-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const body = new FormData();
    for (const [k, v] of Object.entries({ ...form.fields, solution: solveChallenge(form.challenge), email, agentName: 'Agent Smith', agentEmail: 'smith@agents.example' })) body.set(k, v);
    body.set('permission', new File([PDF], 'permission.pdf', { type: 'application/pdf' }));
    assert.equal((await app.request(`/privacy/${org}`, { method: 'POST', body })).status, 200);
    const [request] = await requestsFor(pool(), email);
    assert.ok(request);
    await eventually(async () => ((await statusOf(request.id)) === 'awaiting_verification' ? true : undefined), 20_000, 'awaiting verification');
    const links = await pool().oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from dsrflow.verification_tokens where request_id = ${request.id}`);
    assert.equal(links, 0, 'no confirmation link: staff check the permission');

    const { token } = await staffToken();
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    await page.goto(`${server.url}/console/requests/${request.id}`);
    await page.getByText('Filed by an authorized agent: Agent Smith, smith@agents.example.').waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Open the document' }).click();
    assert.deepEqual(readFileSync(await (await download).path()), PDF, 'staff get the permission as uploaded');
    await assertAccessible(page, 'the console request with an agent');
    await context.close();
    assert.equal(await statusOf(request.id), 'awaiting_verification', 'still waiting for staff');
  });

  test('an identity document: uploaded from the status page, opened by staff (audited), gone with its key once verified', async () => {
    const form = await detailsForm(app, org, { lang: 'en', country: 'US', region: 'US-CA', type: 'erasure' });
    const email = `idcheck-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const posted = await app.request(`/privacy/${org}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...form.fields, solution: solveChallenge(form.challenge), email }).toString() });
    assert.equal(posted.status, 200);
    const [request] = await requestsFor(pool(), email);
    assert.ok(request);
    await eventually(async () => ((await statusOf(request.id)) === 'awaiting_verification' ? true : undefined), 20_000, 'awaiting verification');
    const statusPath = `/privacy/status/${await mintStatusLink(pool(), request.id)}`;

    const context = await newContext(chromium);
    const page = await context.newPage();
    await page.goto(`${server.url}${statusPath}?lang=en`);
    await page.getByRole('heading', { name: 'Send us an identity document' }).waitFor();
    assert.match(await page.locator('main').innerText(), /no confirmation link is sent/);
    assert.equal(await page.getByRole('button', { name: 'Send the confirmation link again' }).count(), 0, 'no link to re-send');
    await assertAccessible(page, 'the status page asking for an identity document');
    await page.getByLabel('Identity document').setInputFiles({ name: 'passport.png', mimeType: 'image/png', buffer: Buffer.from('GIF89a not a png at all') });
    await page.getByRole('button', { name: 'Upload the document' }).click();
    await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
    assert.match(await page.locator('main').innerText(), /must be a PDF, PNG or JPEG document/);
    await assertAccessible(page, 'the refused upload');
    await page.getByLabel('Identity document').setInputFiles({ name: 'passport.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('button', { name: 'Upload the document' }).click();
    await page.getByText('We have received your document.').waitFor();
    await page.screenshot({ path: new URL('identity-uploaded.png', SHOTS).pathname, fullPage: true });

    const document = await pool().one(sql.type(z.object({ id: z.uuid(), storage_key: z.string() }))`
      select id, storage_key from dsrflow.request_documents where request_id = ${request.id} and kind = 'identity'`);
    const file = join(TEST_DOCUMENTS_DIR, 'exports', document.storage_key);
    assert.ok(existsSync(file));
    const { token, name } = await staffToken();
    const staffPage = await context.newPage();
    await signIn(staffPage, server.url, token);
    await staffPage.goto(`${server.url}/console/requests/${request.id}`);
    const download = staffPage.waitForEvent('download');
    await staffPage.getByRole('link', { name: 'Open the document' }).click();
    assert.deepEqual(readFileSync(await (await download).path()), PNG);
    const viewed = await pool().oneFirst(sql.type(z.object({ actor: z.string() }))`
      select actor from dsrflow.audit_events where request_id = ${request.id} and action = 'document.viewed'`);
    assert.equal(viewed, name, 'the staff member’s read is in the trail');

    const staff = await tokenHeaders(pool(), 'dpo');
    const decided = await fetch(`${server.url}/v1/requests/${request.id}/verification`, { method: 'POST', headers: staff, body: JSON.stringify({ outcome: 'verified', method: 'document_check' }) });
    assert.equal(decided.status, 200);
    const gone = await eventually(
      () => pool().maybeOne(sql.type(z.object({ deleted_at: z.string().nullable(), storage_key: z.string().nullable(), key_gone: z.boolean() }))`
        select deleted_at, storage_key, wrapped_key is null as key_gone from dsrflow.request_documents where id = ${document.id} and storage_key is null`).then((r) => r ?? undefined),
      20_000,
      'the document deleted',
    );
    assert.ok(gone.deleted_at && gone.key_gone, 'the data key is destroyed');
    assert.equal(existsSync(file), false, 'the file is gone');
    const trail = await events(request.id);
    for (const action of ['document.uploaded', 'document.viewed', 'request.verified', 'document.key_destroyed', 'document.deleted']) assert.ok(trail.includes(action), action);
    assert.ok(trail.indexOf('document.key_destroyed') < trail.indexOf('document.deleted'), 'the key first, then the file');
    await staffPage.goto(`${server.url}/console/requests/${request.id}`);
    await staffPage.getByText(/deleted .* once the identity was decided/).waitFor();
    await context.close();
  });

  test('staff ask for an identity document on a request awaiting its emailed link: the link stops deciding, the subject is emailed in French, the status page asks', async () => {
    const form = await detailsForm(app, org, { lang: 'fr', country: 'US', region: 'US-CA', type: 'access' });
    const email = `asked-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await app.request(`/privacy/${org}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...form.fields, solution: solveChallenge(form.challenge), email }).toString() });
    const [request] = await requestsFor(pool(), email);
    assert.ok(request);
    await eventually(async () => ((await pool().exists(sql.type(z.object({ n: z.number() }))`select 1 as n from dsrflow.verification_tokens where request_id = ${request.id}`)) ? true : undefined), 20_000, 'the link issued');
    const { token, name } = await staffToken();
    const context = await newContext(chromium);
    const page = await context.newPage();
    await signIn(page, server.url, token);
    await page.goto(`${server.url}/console/requests/${request.id}`);
    await page.getByRole('button', { name: 'Ask the subject for an identity document' }).click();
    await page.getByText('An identity document was asked for').waitFor();
    const linkLive = await pool().oneFirst(sql.type(z.object({ live: z.boolean() }))`select expires_at > now() as live from dsrflow.verification_tokens where request_id = ${request.id}`);
    assert.equal(linkLive, false, 'the emailed link can no longer verify');
    const asked = await pool().oneFirst(sql.type(z.object({ actor: z.string() }))`select actor from dsrflow.audit_events where request_id = ${request.id} and action = 'identity_document.requested'`);
    assert.equal(asked, name);
    // The subject hears of it in the language of their request, with their private status link.
    const notice = await suite.mail.waitFor((m) => m.to.includes(email) && m.subject.includes(request.id) && /pièce d’identité/.test(m.subject), 20_000);
    assert.match(notice.text, /copie d’une pièce d’identité \(PDF, PNG ou JPEG, 5 Mo au plus\)/);
    const statusPath = /\/privacy\/status\/[A-Za-z0-9_-]+/.exec(notice.text)?.[0];
    assert.ok(statusPath, 'the status link is in the email');
    await page.goto(`${server.url}${statusPath}?lang=en`);
    await page.getByRole('heading', { name: 'Send us an identity document' }).waitFor();
    // Asked again (a double click, a retry): recorded once, emailed once.
    const csrf = await (async () => {
      await page.goto(`${server.url}/console/requests/${request.id}`);
      return page.locator('input[name=_csrf]').first().inputValue();
    })();
    const again = await page.request.post(`${server.url}/console/requests/${request.id}/identity-document`, { form: { _csrf: csrf }, maxRedirects: 0 });
    assert.equal(again.status(), 303);
    const noticesSent = () => pool().oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from dsrflow.notifications where request_id = ${request.id} and kind = 'identity_document' and sent_at is not null`);
    await eventually(async () => ((await noticesSent()) === 1 ? true : undefined), 10_000, 'the notice marked sent');
    assert.equal(suite.mail.messages().filter((m) => m.to.includes(email) && /pièce d’identité/.test(m.subject)).length, 1, 'one email');
    assert.deepEqual((await events(request.id)).filter((a) => a === 'identity_document.requested'), ['identity_document.requested']);
    await context.close();
  });

  const staffToken = async () => {
    const headers = await tokenHeaders(pool(), 'dpo');
    const token = headers.authorization.slice('Bearer '.length);
    const name = await pool().oneFirst(sql.type(z.object({ name: z.string() }))`select name from dsrflow.api_tokens order by created_at desc limit 1`);
    return { token, name };
  };
});
