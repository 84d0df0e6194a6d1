import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { App } from '../../src/api/app.ts';
import { signWebhook } from '../../src/api/webhooks/signature.ts';
import { ensureOrganization } from '../../src/db/tokens.ts';
import { json } from '../support/app.ts';
import { devServer, postgres } from '../support/stack.ts';
import { staffApp, uniqueOrg, WEBHOOK_SECRET } from './staff-support.ts';

// POST /v1/webhooks/gpc: an organization's site forwards a signed-in person's Global Privacy Control signal.

const now = () => Math.floor(Date.now() / 1000);

describe('POST /v1/webhooks/gpc', () => {
  let pool: DatabasePool;
  let app: App;
  let org: string;

  before(async () => {
    pool = (await postgres()).pool;
    app = staffApp({ pool, client: (await devServer()).client });
    org = uniqueOrg('gpc');
    await ensureOrganization(pool, org);
  });

  const signal = (email: string, regulation = 'CCPA') => JSON.stringify({ organizationId: org, regulation, subject: { email } });
  const send = (body: string, headers: Record<string, string>) =>
    app.request('/v1/webhooks/gpc', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const signed = (body: string, secret = WEBHOOK_SECRET, t = now()) => ({ 'dsrflow-source': 'helpdesk', 'dsrflow-signature': signWebhook(secret, body, t) });
  const recorded = () => pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from dsrflow.requests where organization_id = ${org}`);

  test('a Californian signed in on the site: an opt-out of sale/sharing, unverified by design, audited as GPC; a second signal adds nothing', async () => {
    const email = `gpc-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const body = signal(email);
    const res = await send(body, signed(body));
    assert.equal(res.status, 201);
    const created = await json(res);
    assert.equal(created.outcome, 'recorded');
    assert.equal(created.request.type, 'noSale');
    assert.equal(created.request.regulation, 'CCPA');
    assert.equal(created.request.channel, 'webhook');
    const gpcEvent = await pool.one(sql.type(z.object({ actor: z.string(), details: z.record(z.string(), z.unknown()) }))`
      select actor, details from dsrflow.audit_events where request_id = ${created.request.id} and action = 'gpc.received'`);
    assert.deepEqual(gpcEvent, { actor: 'webhook:helpdesk', details: { via: 'site', regulation: 'CCPA' } });

    // The browser sends the signal on every page: the opt-out in force answers, nothing new is recorded.
    const again = signal(email.toUpperCase());
    const second = await send(again, signed(again));
    assert.equal(second.status, 200);
    const answer = await json(second);
    assert.equal(answer.outcome, 'already_opted_out');
    assert.equal(answer.request.id, created.request.id);
    assert.equal(await recorded(), 1);
  });

  test('under a law that does not make the signal an opt-out (GDPR), nothing is recorded', async () => {
    const before = await recorded();
    const body = signal('eu-person@example.com', 'GDPR');
    const res = await send(body, signed(body));
    assert.equal(res.status, 200);
    assert.deepEqual(await json(res), { outcome: 'not_applicable' });
    assert.equal(await recorded(), before);
  });

  test('a forged signature is 401 and records nothing; a replayed delivery is 401 even inside the tolerance', async () => {
    const before = await recorded();
    const body = signal('forged@example.com');
    const forged = await send(body, signed(body, 'not-the-secret-0123456789abcdef'));
    assert.equal(forged.status, 401);
    assert.equal((await json(forged)).error.code, 'WEBHOOK_SIGNATURE_INVALID');
    const tampered = await send(signal('someone-else@example.com'), signed(body));
    assert.equal(tampered.status, 401, 'a signature over another body');
    assert.equal(await recorded(), before);

    const delivery = signal(`replay-${crypto.randomUUID().slice(0, 8)}@example.com`);
    const headers = signed(delivery);
    assert.equal((await send(delivery, headers)).status, 201);
    const replay = await send(delivery, headers);
    assert.equal(replay.status, 401);
    assert.equal((await json(replay)).error.code, 'WEBHOOK_REPLAYED');
    const stale = await send(delivery, signed(delivery, WEBHOOK_SECRET, now() - 3600));
    assert.equal((await json(stale)).error.code, 'WEBHOOK_TIMESTAMP_STALE');
    assert.equal(await recorded(), before + 1);
  });

  test('an unknown organization or a malformed body is a 400 naming the field', async () => {
    const unknown = JSON.stringify({ organizationId: 'no-such-org-gpc', regulation: 'CCPA', subject: { email: 'x@example.com' } });
    const res = await send(unknown, signed(unknown));
    assert.equal(res.status, 400);
    assert.match(JSON.stringify(await json(res)), /organizationId/);
    const bad = JSON.stringify({ organizationId: org, regulation: 'CCPA', subject: { email: 'not-an-email' } });
    const res2 = await send(bad, signed(bad));
    assert.equal(res2.status, 400);
    assert.match(JSON.stringify(await json(res2)), /subject\.email/);
  });
});
