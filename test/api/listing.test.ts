import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { DatabasePool } from 'slonik';
import type { App } from '../../src/api/app.ts';
import { recordTransition } from '../../src/db/audit.ts';
import { json } from '../support/app.ts';
import { devServer, postgres } from '../support/stack.ts';
import { counts, namedToken, recordRequest, staffApp, uniqueOrg } from './staff-support.ts';

const DAY = 86_400_000;

describe('GET /v1/requests and GET /v1/stats', () => {
  let pool: DatabasePool;
  let app: App;
  let owner: Record<string, string>;
  let org: string;
  const ids: Record<string, string> = {};
  const now = Date.now();

  before(async () => {
    pool = (await postgres()).pool;
    app = staffApp({ pool, client: (await devServer()).client });
    owner = (await namedToken(pool, 'owner')).headers;
    org = uniqueOrg('list');
    const same = new Date(now - 3 * DAY);
    ids.old = await recordRequest(pool, { organizationId: org, receivedAt: new Date(now - 120 * DAY) }); // GDPR, long overdue
    ids.a = await recordRequest(pool, { organizationId: org, receivedAt: same, type: 'erasure' });
    ids.b = await recordRequest(pool, { organizationId: org, receivedAt: same, type: 'erasure', regulation: 'CCPA' });
    ids.c = await recordRequest(pool, { organizationId: org, receivedAt: new Date(now - 2 * DAY), regulation: 'CCPA' });
    ids.done = await recordRequest(pool, { organizationId: org, receivedAt: new Date(now - 10 * DAY) });
    await recordTransition(pool, { requestId: ids.done, eventKey: `test/${ids.done}/completed`, from: 'submitted', to: 'completed', actor: 'test', reason: null });
  });

  const list = async (query: string) => {
    const res = await app.request(`/v1/requests?organization=${org}&${query}`, { headers: owner });
    assert.equal(res.status, 200, query);
    return json(res);
  };

  test('cursor pages in a stable order: newest received first, id breaking ties', async () => {
    const seen: { id: string; receivedAt: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string; receivedAt: string }[]; nextCursor: string | null } = await list(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.ok(page.items.length <= 2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    assert.equal(seen.length, 5);
    assert.equal(new Set(seen.map((r) => r.id)).size, 5);
    const order = [...seen].sort((x, y) => (x.receivedAt === y.receivedAt ? (x.id < y.id ? 1 : -1) : x.receivedAt < y.receivedAt ? 1 : -1));
    assert.deepEqual(seen, order);
    assert.deepEqual(Object.keys(seen[0]!).sort(), ['acknowledgeBy', 'calendarId', 'channel', 'completedAt', 'dueAt', 'duplicateOf', 'id', 'organizationId', 'overLimit', 'overdue', 'receivedAt', 'regulation', 'status', 'subjectId', 'type', 'workflowId'], 'whitelisted fields only: the subject id, never the email');
  });

  test('filters: status, type, regulation, overdue, due before, received between', async () => {
    const idsOf = async (q: string) => new Set((await list(q)).items.map((r: { id: string }) => r.id));
    assert.deepEqual(await idsOf('status=completed'), new Set([ids.done]));
    assert.deepEqual(await idsOf('type=erasure'), new Set([ids.a, ids.b]));
    assert.deepEqual(await idsOf('regulation=CCPA'), new Set([ids.b, ids.c]));
    assert.deepEqual(await idsOf('overdue=true'), new Set([ids.old]));
    assert.equal((await idsOf('overdue=false')).size, 4);
    assert.deepEqual(await idsOf(`dueBefore=${new Date(now - 30 * DAY).toISOString()}`), new Set([ids.old]));
    assert.deepEqual(await idsOf(`receivedFrom=${new Date(now - 4 * DAY).toISOString()}&receivedTo=${new Date(now - 2.5 * DAY).toISOString()}`), new Set([ids.a, ids.b]));
    assert.deepEqual(await idsOf('type=erasure&regulation=CCPA'), new Set([ids.b]));
  });

  test('stats: counts by status and type, overdue, median days to complete, per regulation', async () => {
    const res = await app.request(`/v1/stats?organization=${org}`, { headers: owner });
    assert.equal(res.status, 200);
    const stats = await json(res);
    assert.equal(stats.total, 5);
    assert.equal(stats.byStatus.submitted, 4);
    assert.equal(stats.byStatus.completed, 1);
    assert.equal(stats.byType.erasure, 2);
    assert.equal(stats.byType.access, 3);
    assert.equal(stats.overdue, 1);
    assert.ok(Math.abs(stats.medianDaysToComplete - 10) < 0.2, String(stats.medianDaysToComplete));
    const byCode = Object.fromEntries(stats.byRegulation.map((r: { regulation: string }) => [r.regulation, r]));
    assert.deepEqual(Object.keys(byCode).sort(), ['CCPA', 'GDPR']);
    assert.equal(byCode.CCPA.total, 2);
    assert.equal(byCode.CCPA.medianDaysToComplete, null);
    assert.equal(byCode.GDPR.overdue, 1);
  });

  describe('bad filters: 400 naming the field, nothing changed', () => {
    const cases: [string, string, string][] = [
      ['an unknown status', 'status=lost', 'status'],
      ['SQL in an enum filter', `status=${encodeURIComponent("submitted' OR '1'='1")}`, 'status'],
      ['SQL in the organization', `organization=${encodeURIComponent("acme'; drop table dsrflow.requests; --")}`, 'organization'],
      ['overdue that is not a boolean', 'overdue=yes', 'overdue'],
      ['a date that is not one', 'dueBefore=tomorrow', 'dueBefore'],
      ['a limit of zero', 'limit=0', 'limit'],
      ['a limit that is not a number', 'limit=ten', 'limit'],
      ['an unknown filter', 'sort=email', ''],
    ];
    for (const [name, query, field] of cases) {
      test(name, async () => {
        const before = await counts(pool);
        const res = await app.request(`/v1/requests?${query}`, { headers: owner });
        assert.equal(res.status, 400);
        const body = await json(res);
        assert.equal(body.error.code, 'VALIDATION_FAILED');
        if (field) assert.ok(body.error.details.some((d: { field: string }) => d.field === field), JSON.stringify(body.error.details));
        assert.deepEqual(await counts(pool), before);
      });
    }
    test('a forged cursor', async () => {
      for (const cursor of ['garbage', Buffer.from('["x","y"]').toString('base64url')]) {
        const res = await app.request(`/v1/requests?cursor=${cursor}`, { headers: owner });
        assert.equal(res.status, 400);
        assert.equal((await json(res)).error.code, 'INVALID_CURSOR');
      }
    });
    test('stats with an unknown parameter', async () => {
      assert.equal((await app.request('/v1/stats?status=open', { headers: owner })).status, 400);
    });
  });
});
