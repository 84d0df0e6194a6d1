// Which holiday calendar a request counts with: the organization's establishment (set with `npm run token --
// establish`), a per-request `calendarId` the regulation allows, else the regulation's own; stored with the request.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { DatabasePool } from 'slonik';
import { sql } from 'slonik';
import type { App } from '../../src/api/app.ts';
import { json } from '../support/app.ts';
import { devServer, postgres } from '../support/stack.ts';
import { namedToken, staffApp, uniqueOrg } from './staff-support.ts';

const run = promisify(execFile);

describe('holiday calendars per organization and per request', () => {
  let pool: DatabasePool;
  let app: App;
  let owner: Record<string, string>;
  let url: string;

  before(async () => {
    const pg = await postgres();
    pool = pg.pool;
    url = pg.url;
    app = staffApp({ pool, client: (await devServer()).client });
    owner = (await namedToken(pool, 'owner')).headers;
  });

  const create = (body: Record<string, unknown>) =>
    app.request('/v1/requests', { method: 'POST', headers: owner, body: JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email: 'calendar@example.com' }, ...body }) });
  const establish = (org: string, calendar: string) => run(process.execPath, ['src/db/token-cli.ts', 'establish', '--org', org, '--calendar', calendar], { env: { ...process.env, DATABASE_URL: url } });

  test('a controller established in France: a GDPR request received 1 Dec 2026 is due at the end of Mon 4 Jan 2027, Paris time', async () => {
    const org = uniqueOrg('paris');
    const out = await establish(org, 'FR');
    assert.match(out.stdout, /established in FR/);
    const res = await create({ organizationId: org, receivedAt: '2026-12-01T06:00:00Z' });
    assert.equal(res.status, 201);
    const body = await json(res);
    assert.equal(body.calendarId, 'FR');
    assert.equal(body.dueAt, '2027-01-04T22:59:59.999Z');
    // (Received 06:00 UTC, 07:00 in Paris: now is 1 Dec 2026, and a receipt in the future is refused.)
    // The list itself is stored with the request: the dates never move with a library upgrade.
    const stored = await pool.oneFirst(sql.unsafe`select holiday_calendar from dsrflow.requests where id = ${body.id}`);
    assert.ok((stored as { holidays: string[] }).holidays.includes('2027-01-01'));
    // A CCPA request of the same organization counts with California's calendar: France is not one CCPA allows.
    const ccpa = await json(await create({ organizationId: org, regulation: 'CCPA', receivedAt: '2026-11-30T18:00:00Z' }));
    assert.equal(ccpa.calendarId, 'US-CA');
  });

  test('the request may name another calendar the regulation allows; one it does not is a 400 naming calendarId', async () => {
    const org = uniqueOrg('warsaw');
    await establish(org, 'FR');
    // Poland: 24 Dec 2026 (a holiday since 2025), Christmas and the weekend -> Mon 28 Dec; in France, Thu 24 Dec.
    const polish = await json(await create({ organizationId: org, calendarId: 'PL', receivedAt: '2026-11-24T10:00:00Z' }));
    assert.equal(polish.dueAt, '2026-12-28T22:59:59.999Z');
    const french = await json(await create({ organizationId: org, receivedAt: '2026-11-24T10:00:00Z' }));
    assert.equal(french.dueAt, '2026-12-24T22:59:59.999Z');
    for (const calendarId of ['US-CA', 'XX']) {
      const refused = await create({ organizationId: org, calendarId, receivedAt: '2026-11-24T10:00:00Z' });
      assert.equal(refused.status, 400, calendarId);
      assert.deepEqual((await json(refused)).error.details.map((d: { field: string }) => d.field), ['calendarId'], calendarId);
    }
  });

  test('no establishment: GDPR counts weekends only (the safe default), UK GDPR with England and Wales', async () => {
    const org = uniqueOrg('nowhere');
    assert.match((await establish(org, 'none')).stdout, /no establishment/);
    const gdpr = await json(await create({ organizationId: org, receivedAt: '2026-12-01T06:00:00Z' }));
    assert.equal(gdpr.calendarId, 'WEEKENDS');
    assert.equal(gdpr.dueAt, '2027-01-01T22:59:59.999Z');
    const uk = await json(await create({ organizationId: org, regulation: 'UK_GDPR', receivedAt: '2026-12-01T06:00:00Z' }));
    assert.equal(uk.calendarId, 'GB-EAW');
    assert.equal(uk.dueAt, '2027-01-04T23:59:59.999Z');
    await assert.rejects(establish(org, 'XX'), /--calendar must be one of/);
  });
});
