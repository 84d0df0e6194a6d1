import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { DatabasePool } from 'slonik';
import type { App } from '../../src/api/app.ts';
import { insertRequest, markWorkflowStarted } from '../../src/db/requests.ts';
import { ensureOrganization } from '../../src/db/tokens.ts';
import { computeDeadlines } from '../support/deadlines.ts';
import { normalizeIdentifier, toDid } from '../../src/domain/subjects.ts';
import { identifierHashes, subjectIdFor } from '../../src/platform/subject-keys.ts';
import { json, TEST_SUBJECT_KEYS } from '../support/app.ts';
import { devServer, postgres } from '../support/stack.ts';
import { linkEarlierRequests } from '../../src/api/subjects/backfill.ts';
import { findRequest } from '../../src/db/requests.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { demoDataModel } from '../support/app.ts';
import { namedToken, recordRequest, staffApp, uniqueOrg } from './staff-support.ts';

/** A request linked to its subject as intake links it (without asking the warehouse), its workflow marked started. */
async function linkedRequest(pool: DatabasePool, organizationId: string, email: string) {
  await ensureOrganization(pool, organizationId);
  const id = randomUUID();
  const receivedAt = new Date();
  const d = computeDeadlines({ regulation: 'GDPR', type: 'access', receivedAt });
  const { row } = await insertRequest(pool, {
    id,
    organizationId,
    type: 'access',
    regulation: 'GDPR',
    channel: 'api',
    receivedAt: receivedAt.toISOString(),
    dueAt: d.dueAt.toISOString(),
    acknowledgeBy: null,
    workflowId: `dsr-${id}`,
    idempotencyKey: null,
    fingerprint: 'test',
    createdBy: 'test',
    subject: { email },
    subjectLink: {
      newSubjectId: subjectIdFor(TEST_SUBJECT_KEYS, organizationId, normalizeIdentifier('email', email)!),
      hashes: { email: identifierHashes(TEST_SUBJECT_KEYS, 'email', email) },
      warehouseAmbiguous: false,
    },
  });
  await markWorkflowStarted(pool, id);
  return toDid(row.subject_id!);
}

describe('roles x subject routes', () => {
  let pool: DatabasePool;
  let app: App;
  let did: string;
  let email: string;
  const headers: Record<string, Record<string, string>> = {};
  const org = uniqueOrg('subj');

  before(async () => {
    pool = (await postgres()).pool;
    app = staffApp({ pool, client: (await devServer()).client });
    email = `roles-${randomUUID().slice(0, 8)}@example.com`;
    did = await linkedRequest(pool, org, email);
    for (const role of ['owner', 'admin', 'dpo', 'auditor'] as const) headers[role] = (await namedToken(pool, role)).headers;
    headers.controller = (await namedToken(pool, 'controller', org)).headers;
    headers['controller-other'] = (await namedToken(pool, 'controller', uniqueOrg('other'))).headers;
    headers.anonymous = { 'content-type': 'application/json' };
  });

  test('GET /v1/subjects/{did}: every staff role reads, a controller only its organization’s subjects', async () => {
    const got: Record<string, number> = {};
    for (const [caller, h] of Object.entries(headers)) {
      const res = await app.request(`/v1/subjects/${did}`, { headers: h });
      got[caller] = res.status;
      if (res.status === 403) assert.equal((await json(res)).error.code, 'FORBIDDEN_ORGANIZATION');
    }
    assert.deepEqual(got, { owner: 200, admin: 200, dpo: 200, auditor: 200, controller: 200, 'controller-other': 403, anonymous: 401 });
  });

  test('GET /v1/subjects?email=: a controller of another organization finds nothing; not an id of ours is 400; unknown is 404', async () => {
    const find = async (caller: string) => (await json(await app.request(`/v1/subjects?email=${encodeURIComponent(email)}`, { headers: headers[caller]! }))).items.map((s: { id: string }) => s.id);
    assert.deepEqual(await find('auditor'), [did]);
    assert.deepEqual(await find('controller'), [did]);
    assert.deepEqual(await find('controller-other'), []);
    assert.equal((await app.request('/v1/subjects/did:example:123', { headers: headers.owner })).status, 400);
    assert.equal((await app.request(`/v1/subjects/did:dsrflow:${'0'.repeat(32)}`, { headers: headers.owner })).status, 404);
    assert.equal((await app.request(`/v1/subjects?email=${encodeURIComponent(email)}&phone=123`, { headers: headers.owner })).status, 400, 'one identifier at a time');
    assert.equal((await app.request('/v1/subjects', { headers: headers.owner })).status, 400);
  });

  test('POST /v1/requests/{id}/duplicate: an auditor may not decide; bad input is a 400; an unflagged request is a 409', async () => {
    const page = await json(await app.request(`/v1/requests?subject=${did}`, { headers: headers.owner }));
    const res = await app.request(`/v1/requests/${page.items[0].id}/duplicate`, { method: 'POST', headers: headers.auditor, body: JSON.stringify({ decision: 'keep' }) });
    assert.equal(res.status, 403);
    assert.equal((await json(res)).error.code, 'FORBIDDEN_READ_ONLY');
    const nul = await app.request(`/v1/requests/${page.items[0].id}/duplicate`, { method: 'POST', headers: headers.owner, body: JSON.stringify({ decision: 'keep', note: 'a\u0000b' }) });
    assert.equal(nul.status, 400, 'a NUL in the note is refused before anything is written');
    const notFlagged = await app.request(`/v1/requests/${page.items[0].id}/duplicate`, { method: 'POST', headers: headers.owner, body: JSON.stringify({ decision: 'keep' }) });
    assert.equal((await json(notFlagged)).error.code, 'DUPLICATE.NOT_FLAGGED');
  });
});

describe('requests recorded before subjects existed', () => {
  test('are linked at API start like intake links them, without duplicate flags after the fact', async () => {
    const pool = (await postgres()).pool;
    const org = uniqueOrg('earlier');
    // Recorded without a subject, as before migration 015: the same person twice, the same type, both open.
    const first = await recordRequest(pool, { organizationId: org });
    const second = await recordRequest(pool, { organizationId: org });
    assert.equal((await findRequest(pool, first))!.subject_id, null);
    const linked = await linkEarlierRequests({ pool, warehouseLookups: pool, settings: { defaultOrganization: 'default', subjectKeys: TEST_SUBJECT_KEYS }, dataModel: demoDataModel, logger: createLogger('silent') });
    assert.ok(linked >= 2);
    const [a, b] = [(await findRequest(pool, first))!, (await findRequest(pool, second))!];
    assert.ok(a.subject_id);
    assert.equal(b.subject_id, a.subject_id);
    assert.equal(b.duplicate_of, null);
    assert.equal(await linkEarlierRequests({ pool, warehouseLookups: pool, settings: { defaultOrganization: 'default', subjectKeys: TEST_SUBJECT_KEYS }, dataModel: demoDataModel, logger: createLogger('silent') }), 0, 'nothing left');
  });
});
