import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { App } from '../../src/api/app.ts';
import { ensureOrganization } from '../../src/db/tokens.ts';
import { json } from '../support/app.ts';
import { devServer, postgres } from '../support/stack.ts';
import { namedToken, staffApp, uniqueOrg } from './staff-support.ts';

// PUT/GET /v1/organizations/{organizationId}/privacy-center-settings: the checks, the roles, and the audit trail.

const path = (org: string) => `/v1/organizations/${org}/privacy-center-settings`;
const body = (embedOrigins: unknown, identityDocumentTypes: unknown = []) => JSON.stringify({ embedOrigins, identityDocumentTypes });

describe('privacy center settings through the API', () => {
  let pool: DatabasePool;
  let app: App;
  let org: string;
  let other: string;
  let admin: Awaited<ReturnType<typeof namedToken>>;

  before(async () => {
    pool = (await postgres()).pool;
    app = staffApp({ pool, client: (await devServer()).client });
    org = uniqueOrg('settings');
    other = uniqueOrg('settings-other');
    await ensureOrganization(pool, org);
    await ensureOrganization(pool, other);
    admin = await namedToken(pool, 'admin');
  });

  const put = (org: string, headers: Record<string, string>, payload: string) => app.request(path(org), { method: 'PUT', headers, body: payload });

  test('an admin replaces the settings: repeats dropped, types in order, the change audited with before and after', async () => {
    const empty = await app.request(path(org), { headers: admin.headers });
    assert.equal(empty.status, 200);
    assert.deepEqual(await json(empty), { organizationId: org, organizationName: org, embedOrigins: [], identityDocumentTypes: [] });

    const res = await put(org, admin.headers, body(['https://www.acme.com', 'http://localhost:8080', 'https://www.acme.com'], ['rectify', 'erasure']));
    assert.equal(res.status, 200);
    const stored = { organizationId: org, organizationName: org, embedOrigins: ['https://www.acme.com', 'http://localhost:8080'], identityDocumentTypes: ['rectify', 'erasure'] };
    assert.deepEqual(await json(res), stored);
    assert.deepEqual(await json(await app.request(path(org), { headers: admin.headers })), stored);
    // Saving the same again changes nothing and records nothing.
    assert.equal((await put(org, admin.headers, body(['https://www.acme.com', 'http://localhost:8080'], ['erasure', 'rectify']))).status, 200);
    assert.equal((await put(org, admin.headers, body(['https://shop.acme.com'], []))).status, 200);

    const events = await pool.any(sql.type(z.object({ request_id: z.string().nullable(), actor: z.string(), details: z.any() }))`
      select request_id, actor, details from dsrflow.audit_events
      where organization_id = ${org} and action = 'settings.privacy_center_changed' order by id`);
    assert.deepEqual(events, [
      { request_id: null, actor: admin.name, details: { before: { embedOrigins: [], identityDocumentTypes: [] }, after: { embedOrigins: ['https://www.acme.com', 'http://localhost:8080'], identityDocumentTypes: ['rectify', 'erasure'] } } },
      { request_id: null, actor: admin.name, details: { before: { embedOrigins: ['https://www.acme.com', 'http://localhost:8080'], identityDocumentTypes: ['rectify', 'erasure'] }, after: { embedOrigins: ['https://shop.acme.com'], identityDocumentTypes: [] } } },
    ]);
    const verify = await json(await app.request('/v1/audit/verify', { headers: admin.headers }));
    assert.equal(verify.valid, true, 'the hash chain still links up');
  });

  test('refusals name the field and change nothing', async () => {
    const refusals: Array<[string, RegExp, string]> = [
      [body(['https://www.acme.com/']), /no path, query or trailing slash/, 'embedOrigins.0'],
      [body(['https://ok.example', 'https://www.acme.com/privacy']), /no path/, 'embedOrigins.1'],
      [body(['http://www.acme.com']), /must start with https:\/\//, 'embedOrigins.0'],
      [body(['https://WWW.acme.com']), /lower case/, 'embedOrigins.0'],
      [body(['https://*.acme.com']), /wildcards/, 'embedOrigins.0'],
      [body(['https://www.acme.com:443']), /default port 443/, 'embedOrigins.0'],
      [body(['www.acme.com']), /not an origin/, 'embedOrigins.0'],
      [body(Array.from({ length: 21 }, (_, i) => `https://site${i}.example`)), /at most 20 origins \(21 given\)/, 'embedOrigins'],
      [body([], ['erasure', 'shredding']), /expected one of/, 'identityDocumentTypes.1'],
      [body([], ['noSale']), /opt-out of sale/, 'identityDocumentTypes'],
      [JSON.stringify({ embedOrigins: [] }), /./, 'identityDocumentTypes'],
    ];
    for (const [payload, message, field] of refusals) {
      const res = await put(other, admin.headers, payload);
      assert.equal(res.status, 400, payload);
      const error = (await json(res)).error;
      assert.equal(error.code, 'VALIDATION_FAILED');
      assert.ok(error.details.some((d: { field: string; message: string }) => d.field === field && message.test(d.message)), `${payload}: ${JSON.stringify(error.details)}`);
    }
    // 21 entries with a repeat are 20 origins: accepted.
    const twenty = Array.from({ length: 20 }, (_, i) => `https://site${i}.example`);
    assert.equal((await put(other, admin.headers, body([...twenty, twenty[0]]))).status, 200);
    assert.equal((await put(other, admin.headers, body([]))).status, 200);
  });

  test('unknown organization 404; controller reads its own only; controller and auditor may not change', async () => {
    const unknown = uniqueOrg('nobody');
    assert.equal((await app.request(path(unknown), { headers: admin.headers })).status, 404);
    assert.equal((await put(unknown, admin.headers, body([]))).status, 404);
    assert.equal((await app.request('/v1/organizations/Not_An_Id/privacy-center-settings', { headers: admin.headers })).status, 400);

    const controller = await namedToken(pool, 'controller', org);
    const auditor = await namedToken(pool, 'auditor');
    const dpo = await namedToken(pool, 'dpo');
    assert.equal((await app.request(path(org), { headers: controller.headers })).status, 200);
    const elsewhere = await app.request(path(other), { headers: controller.headers });
    assert.equal(elsewhere.status, 403);
    assert.equal((await json(elsewhere)).error.code, 'FORBIDDEN_ORGANIZATION');
    const ownPut = await put(org, controller.headers, body(['https://evil.example']));
    assert.equal(ownPut.status, 403);
    assert.equal((await json(ownPut)).error.code, 'FORBIDDEN_ROLE');
    assert.equal((await app.request(path(org), { headers: auditor.headers })).status, 200);
    const auditorPut = await put(org, auditor.headers, body(['https://evil.example']));
    assert.equal(auditorPut.status, 403);
    assert.equal((await json(auditorPut)).error.code, 'FORBIDDEN_READ_ONLY');
    assert.deepEqual((await json(await app.request(path(org), { headers: dpo.headers }))).embedOrigins, ['https://shop.acme.com'], 'nothing changed by the refusals');
    assert.equal((await put(org, dpo.headers, body(['https://shop.acme.com'], ['access']))).status, 200);
  });
});
