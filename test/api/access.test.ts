import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import type { DatabasePool } from 'slonik';
import type { App } from '../../src/api/app.ts';
import { ROLES } from '../../src/db/tokens.ts';
import { json } from '../support/app.ts';
import { devServer, postgres } from '../support/stack.ts';
import { counts, namedToken, recordRequest, staffApp, uniqueOrg } from './staff-support.ts';

// Who is asking: every role, a controller of the request's organization and one of another, and nobody.
const CALLERS = ['owner', 'admin', 'dpo', 'controller', 'controller-other', 'auditor', 'anonymous'] as const;
type Caller = (typeof CALLERS)[number];

const newRequest = JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email: 'matrix@example.com' } });

interface RouteCase {
  route: string;
  method: 'GET' | 'POST' | 'PUT';
  path: (id: string, org: string) => string;
  body?: string;
  /** Expected status per caller; an allowed action on a request whose workflow is gone is 409 REQUEST.CLOSED. */
  expect: Record<Caller, number>;
}

const read = { owner: 200, admin: 200, dpo: 200, controller: 200, 'controller-other': 200, auditor: 200, anonymous: 401 };
const readRequest = { ...read, 'controller-other': 403 };
const trailWide = { ...read, controller: 403, 'controller-other': 403 };
const act = { owner: 409, admin: 409, dpo: 409, controller: 409, 'controller-other': 403, auditor: 403, anonymous: 401 };

const ROUTES: RouteCase[] = [
  {
    route: 'POST /v1/requests',
    method: 'POST',
    path: () => '/v1/requests',
    body: newRequest,
    expect: { owner: 201, admin: 201, dpo: 201, controller: 201, 'controller-other': 201, auditor: 403, anonymous: 401 },
  },
  { route: 'GET /v1/requests', method: 'GET', path: () => '/v1/requests', expect: read },
  { route: 'GET /v1/stats', method: 'GET', path: () => '/v1/stats', expect: read },
  { route: 'GET /v1/requests/{id}', method: 'GET', path: (id) => `/v1/requests/${id}`, expect: readRequest },
  { route: 'GET /v1/requests/{id}/audit', method: 'GET', path: (id) => `/v1/requests/${id}/audit`, expect: readRequest },
  { route: 'GET /v1/audit', method: 'GET', path: () => '/v1/audit', expect: trailWide },
  { route: 'GET /v1/audit/verify', method: 'GET', path: () => '/v1/audit/verify', expect: trailWide },
  { route: 'POST /v1/requests/{id}/verification', method: 'POST', path: (id) => `/v1/requests/${id}/verification`, body: JSON.stringify({ outcome: 'verified', method: 'document_check' }), expect: act },
  { route: 'POST /v1/requests/{id}/assessment', method: 'POST', path: (id) => `/v1/requests/${id}/assessment`, body: JSON.stringify({ decision: 'approve' }), expect: act },
  { route: 'POST /v1/requests/{id}/extension', method: 'POST', path: (id) => `/v1/requests/${id}/extension`, body: JSON.stringify({ reason: 'complexity' }), expect: act },
  { route: 'POST /v1/requests/{id}/cancellation', method: 'POST', path: (id) => `/v1/requests/${id}/cancellation`, body: JSON.stringify({ reason: 'duplicate' }), expect: act },
  { route: 'POST /v1/requests/{id}/completion', method: 'POST', path: (id) => `/v1/requests/${id}/completion`, body: JSON.stringify({}), expect: act },
  { route: 'GET /v1/subjects?email=', method: 'GET', path: () => '/v1/subjects?email=matrix%40example.com', expect: read },
  // Allowed callers reach the handler, which refuses: the request is not flagged as a duplicate.
  { route: 'POST /v1/requests/{id}/duplicate', method: 'POST', path: (id) => `/v1/requests/${id}/duplicate`, body: JSON.stringify({ decision: 'merge' }), expect: act },
  // Allowed callers get past the rules to the handler, which finds no such suppression or hold on this request.
  {
    route: 'POST /v1/requests/{id}/suppressions/{suppressionId}/lift',
    method: 'POST',
    path: (id) => `/v1/requests/${id}/suppressions/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/lift`,
    body: JSON.stringify({ reason: 'accuracy check done' }),
    expect: { ...act, owner: 404, admin: 404, dpo: 404, controller: 404 },
  },
  {
    route: 'POST /v1/requests/{id}/legal-holds/{basis}/lift',
    method: 'POST',
    path: (id) => `/v1/requests/${id}/legal-holds/legal_claims/lift`,
    body: JSON.stringify({ reason: 'claim settled' }),
    expect: { ...act, owner: 404, admin: 404, dpo: 404, controller: 404 },
  },
  // Allowed callers reach the handler: a GDPR request grants no appeal (409), and none was filed (404).
  { route: 'POST /v1/requests/{id}/appeal', method: 'POST', path: (id) => `/v1/requests/${id}/appeal`, body: JSON.stringify({}), expect: act },
  { route: 'GET /v1/requests/{id}/appeal', method: 'GET', path: (id) => `/v1/requests/${id}/appeal`, expect: { ...readRequest, owner: 404, admin: 404, dpo: 404, controller: 404, auditor: 404 } },
  {
    route: 'POST /v1/requests/{id}/appeal/decision',
    method: 'POST',
    path: (id) => `/v1/requests/${id}/appeal/decision`,
    body: JSON.stringify({ decision: 'denied', reasons: 'no' }),
    expect: { ...act, owner: 404, admin: 404, dpo: 404, controller: 404 },
  },
  // An organization's settings: read by every role (a controller its own), changed by owner, admin and dpo only.
  { route: 'GET /v1/organizations/{organizationId}/privacy-center-settings', method: 'GET', path: (_, org) => `/v1/organizations/${org}/privacy-center-settings`, expect: readRequest },
  {
    route: 'PUT /v1/organizations/{organizationId}/privacy-center-settings',
    method: 'PUT',
    path: (_, org) => `/v1/organizations/${org}/privacy-center-settings`,
    body: JSON.stringify({ embedOrigins: [], identityDocumentTypes: [] }),
    expect: { owner: 200, admin: 200, dpo: 200, controller: 403, 'controller-other': 403, auditor: 403, anonymous: 401 },
  },
  // Unauthenticated: the signature is the credential, whoever's bearer token comes along.
  { route: 'POST /v1/webhooks/requests', method: 'POST', path: () => '/v1/webhooks/requests', body: newRequest, expect: { owner: 401, admin: 401, dpo: 401, controller: 401, 'controller-other': 401, auditor: 401, anonymous: 401 } },
];

describe('roles x routes', () => {
  let pool: DatabasePool;
  let client: Client;
  let app: App;
  let org: string;
  let requestId: string;
  const headers = {} as Record<Caller, Record<string, string>>;

  before(async () => {
    pool = (await postgres()).pool;
    client = (await devServer()).client;
    app = staffApp({ pool, client });
    org = uniqueOrg('acme');
    const other = uniqueOrg('beta');
    requestId = await recordRequest(pool, { organizationId: org });
    for (const role of ROLES) if (role !== 'controller') headers[role] = (await namedToken(pool, role)).headers;
    headers.controller = (await namedToken(pool, 'controller', org)).headers;
    headers['controller-other'] = (await namedToken(pool, 'controller', other)).headers;
    headers.anonymous = { 'content-type': 'application/json' };
  });

  for (const r of ROUTES) {
    test(r.route, async () => {
      const got: Record<string, number> = {};
      for (const caller of CALLERS) {
        const res = await app.request(r.path(requestId, org), { method: r.method, headers: headers[caller], ...(r.body ? { body: r.body } : {}) });
        got[caller] = res.status;
        const body = await json(res);
        if (res.status === 403) assert.match(body.error.code, /^FORBIDDEN_/, `${caller}: a 403 says which rule refused`);
        if (res.status === 403) assert.ok(body.error.message.length > 20, 'with a readable reason');
      }
      assert.deepEqual(got, r.expect);
    });
  }

  test('a 403 changes nothing', async () => {
    const before = await counts(pool);
    const res = await app.request('/v1/requests', { method: 'POST', headers: headers.auditor, body: newRequest });
    assert.equal(res.status, 403);
    assert.equal((await json(res)).error.code, 'FORBIDDEN_READ_ONLY');
    assert.deepEqual(await counts(pool), before);
  });
});

describe('a controller sees and acts on its own organization only', () => {
  let pool: DatabasePool;
  let app: App;
  let mine: string;
  let theirs: string;
  let mineId: string;
  let theirsId: string;
  let controller: Record<string, string>;
  let owner: Record<string, string>;

  before(async () => {
    pool = (await postgres()).pool;
    app = staffApp({ pool, client: (await devServer()).client });
    mine = uniqueOrg('mine');
    theirs = uniqueOrg('theirs');
    mineId = await recordRequest(pool, { organizationId: mine });
    theirsId = await recordRequest(pool, { organizationId: theirs });
    controller = (await namedToken(pool, 'controller', mine)).headers;
    owner = (await namedToken(pool, 'owner')).headers;
  });

  test('by id: another organization’s request is 403, for reading, its audit and every action', async () => {
    assert.equal((await app.request(`/v1/requests/${mineId}`, { headers: controller })).status, 200);
    for (const path of [`/v1/requests/${theirsId}`, `/v1/requests/${theirsId}/audit`]) {
      const res = await app.request(path, { headers: controller });
      assert.equal(res.status, 403, path);
      assert.equal((await json(res)).error.code, 'FORBIDDEN_ORGANIZATION');
    }
    const before = await counts(pool);
    const res = await app.request(`/v1/requests/${theirsId}/cancellation`, { method: 'POST', headers: controller, body: JSON.stringify({ reason: 'duplicate' }) });
    assert.equal(res.status, 403);
    assert.deepEqual(await counts(pool), before);
  });

  test('by list: only its organization, and naming another one is 403', async () => {
    const page = await json(await app.request('/v1/requests?limit=200', { headers: controller }));
    assert.ok(page.items.length >= 1);
    assert.ok(page.items.every((r: { organizationId: string }) => r.organizationId === mine));
    assert.ok(page.items.some((r: { id: string }) => r.id === mineId));
    assert.equal((await app.request(`/v1/requests?organization=${theirs}`, { headers: controller })).status, 403);
    const ownerView = await json(await app.request(`/v1/requests?organization=${theirs}`, { headers: owner }));
    assert.deepEqual(ownerView.items.map((r: { id: string }) => r.id), [theirsId]);
    const stats = await json(await app.request('/v1/stats', { headers: controller }));
    assert.equal(stats.total, page.items.length, 'stats count its organization only');
  });

  test('creating a request for another organization is 403 and records nothing', async () => {
    const before = await counts(pool);
    const res = await app.request('/v1/requests', {
      method: 'POST',
      headers: controller,
      body: JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email: 'x@example.com' }, organizationId: theirs }),
    });
    assert.equal(res.status, 403);
    assert.equal((await json(res)).error.code, 'FORBIDDEN_ORGANIZATION');
    assert.deepEqual(await counts(pool), before);
  });
});
