// Input that once reached PostgreSQL or the domain and came back as a 500: each is now a 400 naming the field,
// with nothing recorded, or (a date-time with an offset PostgreSQL refuses) the same instant normalised to UTC.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { DatabasePool } from 'slonik';
import type { App } from '../../src/api/app.ts';
import { signWebhook } from '../../src/api/webhooks/signature.ts';
import { regulationRule } from '../../src/domain/regulations.ts';
import { json } from '../support/app.ts';
import { devServer, postgres } from '../support/stack.ts';
import { counts, namedToken, recordRequest, staffApp, uniqueOrg, WEBHOOK_SECRET } from './staff-support.ts';

const fields = async (res: Response) => (await json(res)).error.details.map((d: { field: string }) => d.field);

describe('every date-time, text and id is checked at the edge', () => {
  let pool: DatabasePool;
  let app: App;
  let owner: Record<string, string>;

  before(async () => {
    pool = (await postgres()).pool;
    app = staffApp({ pool, client: (await devServer()).client });
    owner = (await namedToken(pool, 'owner')).headers;
  });

  const create = (body: Record<string, unknown>) =>
    app.request('/v1/requests', { method: 'POST', headers: owner, body: JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email: 'edge@example.com' }, ...body }) });

  test('an offset no clock uses (-19:05, +23:59; PostgreSQL refuses them) is a 400 naming the field on every filter, before any byte of the CSV', async () => {
    const cases = [
      ['/v1/requests?receivedFrom=2026-11-20T16:07:46.3-19:05', 'receivedFrom'],
      ['/v1/stats?receivedTo=2026-11-20T16:07:46.3-19:05', 'receivedTo'],
      ['/v1/audit?from=2026-11-20T16:07:46.3-19:05', 'from'],
      ['/v1/audit?format=csv&to=2026-11-20T16:07:46.3%2B23:59', 'to'],
    ] as const;
    for (const [path, field] of cases) {
      const res = await app.request(path, { headers: owner });
      assert.equal(res.status, 400, path);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/, path);
      const body = await json(res);
      assert.equal(body.error.code, 'VALIDATION_FAILED', path);
      assert.equal(body.error.details[0].field, field, path);
      assert.match(body.error.details[0].message, /offset between -12:00 and \+14:00/, path);
    }
    const refused = await create({ receivedAt: '2026-11-20T16:07:46.3-19:05' });
    assert.equal(refused.status, 400);
    assert.equal((await json(refused)).error.details[0].field, 'receivedAt');
  });

  test('an offset in use (+14:00, -12:00) is the same instant in UTC, inclusive to the millisecond', async () => {
    const organization = uniqueOrg('edge');
    // 2026-11-21T11:12:46.3+14:00 is 2026-11-20T21:12:46.300Z.
    await recordRequest(pool, { organizationId: organization, receivedAt: new Date('2026-11-20T21:12:46.300Z') });
    const query = (from: string) => `organization=${organization}&receivedFrom=${encodeURIComponent(from)}`;
    const at = await app.request(`/v1/requests?${query('2026-11-21T11:12:46.3+14:00')}`, { headers: owner });
    assert.equal(at.status, 200);
    assert.equal((await json(at)).items.length, 1, 'inclusive: received exactly then');
    const after = await app.request(`/v1/requests?${query('2026-11-20T09:12:46.301-12:00')}`, { headers: owner });
    assert.equal((await json(after)).items.length, 0, 'a millisecond later, written with -12:00: nothing');
    const stats = await app.request(`/v1/stats?${query('2026-11-21T11:12:46.3+14:00')}`, { headers: owner });
    assert.equal(stats.status, 200);
    assert.equal((await json(stats)).total, 1);
  });

  test('a date-time outside the years 0001-9999 is a 400 naming the field, JSON and CSV alike (before any byte of the CSV)', async () => {
    const cases = [
      ['/v1/requests?receivedFrom=0000-06-01T00:00:00Z', 'receivedFrom'],
      ['/v1/requests?dueBefore=0001-01-01T00:00:00%2B01:00', 'dueBefore'],
      ['/v1/stats?receivedTo=0000-12-31T23:00:00Z', 'receivedTo'],
      ['/v1/audit?from=0000-01-01T00:00:00Z', 'from'],
      ['/v1/audit?format=csv&to=0000-01-01T00:00:00Z', 'to'],
    ] as const;
    for (const [path, field] of cases) {
      const res = await app.request(path, { headers: owner });
      assert.equal(res.status, 400, path);
      assert.equal(res.headers.get('content-type'), 'application/json', path);
      assert.deepEqual(await fields(res), [field], path);
    }
  });

  test('a cursor carrying an impossible date is refused as a cursor, not sent to the database', async () => {
    const cursor = Buffer.from(JSON.stringify(['0000-01-01T00:00:00Z', crypto.randomUUID()])).toString('base64url');
    const res = await app.request(`/v1/requests?cursor=${cursor}`, { headers: owner });
    assert.equal(res.status, 400);
    assert.equal((await json(res)).error.code, 'INVALID_CURSOR');
  });

  test('NUL in any text (subject, note, reason, audit filter) is a 400 naming the field, and nothing is recorded', async () => {
    const before = await counts(pool);
    const named = await create({ subject: { email: 'edge@example.com', fullName: 'Ana\u0000García' } });
    assert.equal(named.status, 400);
    assert.deepEqual(await fields(named), ['subject.fullName']);
    const correction = await create({ type: 'rectify', corrections: [{ model: 'users', field: 'last_name', newValue: 'Garc\u0000ía' }] });
    assert.equal(correction.status, 400);
    assert.deepEqual(await fields(correction), ['corrections.0.newValue']);
    assert.deepEqual(await counts(pool), before, 'nothing recorded');

    const id = await recordRequest(pool, { organizationId: 'default' });
    const note = await app.request(`/v1/requests/${id}/cancellation`, { method: 'POST', headers: owner, body: JSON.stringify({ reason: 'withdrawn_by_subject', note: 'by\u0000phone' }) });
    assert.equal(note.status, 400);
    assert.deepEqual(await fields(note), ['note']);
    const lift = await app.request(`/v1/requests/${id}/suppressions/${crypto.randomUUID()}/lift`, { method: 'POST', headers: owner, body: JSON.stringify({ reason: 'checked\u0000' }) });
    assert.equal(lift.status, 400);
    assert.deepEqual(await fields(lift), ['reason']);
    for (const filter of ['actor', 'action']) {
      const res = await app.request(`/v1/audit?${filter}=a%00b`, { headers: owner });
      assert.equal(res.status, 400, filter);
      assert.deepEqual(await fields(res), [filter]);
    }
  });

  test('an unknown organizationId is a 400 naming it (staff API and webhooks), and nothing is recorded', async () => {
    const before = await counts(pool);
    const res = await create({ organizationId: uniqueOrg('nowhere') });
    assert.equal(res.status, 400);
    const body = await json(res);
    assert.deepEqual(body.error.details.map((d: { field: string }) => d.field), ['organizationId']);
    assert.doesNotMatch(JSON.stringify(body), /foreign key|constraint|violat/i, 'no database text');

    const delivery = JSON.stringify({ externalId: `HD-${crypto.randomUUID()}`, type: 'erasure', regulation: 'CCPA', subject: { email: 'hook@example.com' }, organizationId: uniqueOrg('nowhere') });
    const hook = await app.request('/v1/webhooks/requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'dsrflow-source': 'helpdesk', 'dsrflow-signature': signWebhook(WEBHOOK_SECRET, delivery, Math.floor(Date.now() / 1000)) },
      body: delivery,
    });
    assert.equal(hook.status, 400);
    assert.deepEqual(await fields(hook), ['organizationId']);
    assert.deepEqual(await counts(pool), before, 'nothing recorded');
  });

  test('a receivedAt the legal clock cannot count from is a 400 naming receivedAt; any real year can be counted', async () => {
    const before = await counts(pool);
    const res = await create({ receivedAt: '0000-03-02T10:00:00Z' });
    assert.equal(res.status, 400, 'no year 0');
    assert.deepEqual((await json(res)).error.details.map((d: { field: string }) => d.field), ['receivedAt']);
    assert.deepEqual(await counts(pool), before, 'nothing recorded');
    // Calendars come from rules, not yearly tables: a request received in 2019 is counted (it was refused before).
    for (const regulation of ['CCPA', 'UK_GDPR'] as const) {
      const old = await create({ type: 'erasure', regulation, receivedAt: '2019-03-01T10:00:00Z' });
      assert.equal(old.status, 201, regulation);
    }
  });

  test('a method a path does not serve is 405 with Allow, before any credential check', async () => {
    // (TRACE, which fetch cannot send, is sent by the contract test over a real socket.)
    const patch = await app.request('/v1/stats', { method: 'PATCH' });
    assert.equal(patch.status, 405);
    assert.equal(patch.headers.get('allow'), 'GET');
    assert.equal((await json(patch)).error.code, 'METHOD_NOT_ALLOWED');
    const webhook = await app.request('/v1/webhooks/requests', { method: 'GET' });
    assert.equal(webhook.status, 405, 'not 401 from the signature check');
    assert.equal(webhook.headers.get('allow'), 'POST');
    const request = await app.request(`/v1/requests/${crypto.randomUUID()}`, { method: 'DELETE', headers: owner });
    assert.equal(request.status, 405);
    assert.equal(request.headers.get('allow'), 'GET');
    assert.equal((await app.request('/v1/requests', { method: 'PUT', headers: owner })).headers.get('allow'), 'GET, POST');
    assert.equal((await app.request('/healthz', { method: 'HEAD' })).status < 405, true, 'HEAD is GET without a body');
    assert.equal((await app.request('/v1/nothing-here', { headers: owner })).status, 404, 'an unknown path is still 404');
  });
});
