import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { App } from '../../src/api/app.ts';
import { recordEvent } from '../../src/db/audit.ts';
import { json } from '../support/app.ts';
import { devServer, postgres } from '../support/stack.ts';
import { counts, namedToken, recordRequest, staffApp, uniqueOrg } from './staff-support.ts';

const eventRow = z.object({ id: z.coerce.number(), reason: z.string().nullable() });

/** Edits an event as a superuser would: triggers off for this transaction only (session_replication_role). */
async function forge(pool: DatabasePool, id: number, reason: string | null) {
  await pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`set local session_replication_role = replica`);
    await tx.query(sql.unsafe`update dsrflow.audit_events set reason = ${reason} where id = ${id}`);
  });
}

describe('the audit trail', () => {
  let pool: DatabasePool;
  let app: App;
  let auditor: Record<string, string>;
  let dpo: { name: string; headers: Record<string, string> };

  before(async () => {
    pool = (await postgres()).pool;
    app = staffApp({ pool, client: (await devServer()).client });
    auditor = (await namedToken(pool, 'auditor')).headers;
    dpo = await namedToken(pool, 'dpo');
  });

  const verify = async () => json(await app.request('/v1/audit/verify', { headers: auditor }));

  test('every API action is an event whose actor is the token name', async () => {
    const res = await app.request('/v1/requests', { method: 'POST', headers: dpo.headers, body: JSON.stringify({ type: 'erasure', regulation: 'GDPR', subject: { email: 'audit@example.com' } }) });
    assert.equal(res.status, 201);
    const { id } = await json(res);
    const trail = await json(await app.request(`/v1/requests/${id}/audit`, { headers: auditor }));
    assert.equal(trail.items[0].action, 'request.received');
    assert.equal(trail.items[0].actor, dpo.name);
    assert.match(trail.items[0].hash, /^[0-9a-f]{64}$/);
    const byActor = await json(await app.request(`/v1/audit?actor=${encodeURIComponent(dpo.name)}`, { headers: auditor }));
    // Intake also links the request to its subject, as the same actor (docs/subjects.md).
    assert.deepEqual(byActor.items.map((e: { requestId: string; action: string }) => `${e.requestId} ${e.action}`).sort(), [`${id} request.received`, `${id} subject.linked`]);
  });

  test('the chain is valid, and events written concurrently chain in order', async () => {
    const org = uniqueOrg('chain');
    const ids = await Promise.all(Array.from({ length: 12 }, () => recordRequest(pool, { organizationId: org })));
    await Promise.all(
      ids.flatMap((requestId) => [1, 2].map((n) => recordEvent(pool, { requestId, eventKey: `test/${requestId}/${n}`, action: 'test.event', actor: 'system', reason: null }))),
    );
    // A retried activity: the same event key writes nothing and leaves the chain intact.
    const again = await recordEvent(pool, { requestId: ids[0]!, eventKey: `test/${ids[0]}/1`, action: 'test.event', actor: 'system', reason: null });
    assert.equal(again.recorded, false);
    const report = await verify();
    assert.equal(report.valid, true, JSON.stringify(report.firstBrokenLink));
    assert.equal(report.firstBrokenLink, null);
    assert.ok(report.events >= 36);
    assert.equal(report.head.chainSeq, report.events);
  });

  test('the database refuses UPDATE, DELETE and TRUNCATE, whatever the client', async () => {
    const id = await pool.oneFirst(sql.type(z.object({ id: z.coerce.number() }))`select max(id) as id from dsrflow.audit_events`);
    for (const statement of [
      sql.unsafe`update dsrflow.audit_events set reason = 'edited' where id = ${id}`,
      sql.unsafe`delete from dsrflow.audit_events where id = ${id}`,
      sql.unsafe`truncate dsrflow.audit_events cascade`,
    ]) {
      await assert.rejects(pool.query(statement), (error: Error) => /append-only/.test(`${error.message} ${(error.cause as Error | undefined)?.message ?? ''}`));
    }
    assert.equal((await verify()).valid, true);
  });

  test('a hash given on insert is ignored: the trigger computes it', async () => {
    const requestId = await recordRequest(pool, { organizationId: uniqueOrg('forged') });
    await pool.query(sql.unsafe`
      insert into dsrflow.audit_events (event_key, request_id, actor, action, prev_hash, hash, chain_seq)
      values (${`forged/${requestId}`}, ${requestId}, 'mallory', 'test.forged', ${'a'.repeat(64)}, ${'b'.repeat(64)}, 1)`);
    const report = await verify();
    assert.equal(report.valid, true);
    assert.notEqual(report.head.hash, 'b'.repeat(64));
  });

  test('an event altered directly in the database makes verify report that link', async () => {
    const requestId = await recordRequest(pool, { organizationId: uniqueOrg('tamper') });
    await recordEvent(pool, { requestId, eventKey: `tamper/${requestId}`, action: 'test.event', actor: 'system', reason: 'original' });
    await recordEvent(pool, { requestId, eventKey: `tamper/${requestId}/later`, action: 'test.event', actor: 'system', reason: null });
    const target = await pool.one(sql.type(eventRow)`select id, reason from dsrflow.audit_events where event_key = ${`tamper/${requestId}`}`);
    try {
      await forge(pool, target.id, 'rewritten');
      const report = await verify();
      assert.equal(report.valid, false);
      assert.equal(report.firstBrokenLink.eventId, target.id);
      assert.equal(report.firstBrokenLink.eventKey, `tamper/${requestId}`);
      assert.equal(report.firstBrokenLink.problem, 'hash_mismatch');
    } finally {
      await forge(pool, target.id, target.reason);
    }
    assert.equal((await verify()).valid, true, 'restoring the content restores the chain');
  });

  test('a deleted event shows as a gap at the next one', async () => {
    const requestId = await recordRequest(pool, { organizationId: uniqueOrg('gap') });
    await recordEvent(pool, { requestId, eventKey: `gap/${requestId}/1`, action: 'test.event', actor: 'system', reason: null });
    await recordEvent(pool, { requestId, eventKey: `gap/${requestId}/2`, action: 'test.event', actor: 'system', reason: null });
    // The whole row as JSON (microseconds included), to put it back exactly afterwards.
    const removed = await pool.one(sql.type(z.object({ id: z.coerce.number(), row: z.string() }))`
      select id, to_jsonb(e)::text as row from dsrflow.audit_events e where event_key = ${`gap/${requestId}/1`}`);
    await pool.transaction(async (tx) => {
      await tx.query(sql.unsafe`set local session_replication_role = replica`);
      await tx.query(sql.unsafe`delete from dsrflow.audit_events where id = ${removed.id}`);
    });
    try {
      const report = await verify();
      assert.equal(report.valid, false);
      assert.equal(report.firstBrokenLink.eventKey, `gap/${requestId}/2`);
      assert.equal(report.firstBrokenLink.problem, 'sequence_gap');
    } finally {
      // Put it back exactly (identity values included) so the shared chain is whole for the rest of the run.
      await pool.transaction(async (tx) => {
        await tx.query(sql.unsafe`set local session_replication_role = replica`);
        await tx.query(sql.unsafe`
          insert into dsrflow.audit_events overriding system value
          select * from jsonb_populate_record(null::dsrflow.audit_events, ${removed.row}::jsonb)`);
      });
    }
    assert.equal((await verify()).valid, true);
  });

  test('filters, cursor pages and the CSV export', async () => {
    const requestId = await recordRequest(pool, { organizationId: uniqueOrg('pages') });
    for (let n = 1; n <= 4; n++) await recordEvent(pool, { requestId, eventKey: `pages/${requestId}/${n}`, action: 'test.page', actor: 'system', reason: n === 1 ? '=HYPERLINK("x")' : null });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { seq: number; action: string }[]; nextCursor: string | null } = await json(
        await app.request(`/v1/audit?requestId=${requestId}&action=test.page&limit=3${cursor ? `&cursor=${cursor}` : ''}`, { headers: auditor }),
      );
      seen.push(...page.items.map((e) => e.seq));
      cursor = page.nextCursor;
    } while (cursor);
    assert.equal(seen.length, 4);
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'chain order');
    const family = await json(await app.request(`/v1/requests/${requestId}/audit?limit=100`, { headers: auditor }));
    assert.deepEqual(family.items.map((e: { action: string }) => e.action), ['request.received', 'test.page', 'test.page', 'test.page', 'test.page']);

    const csv = await app.request(`/v1/audit?requestId=${requestId}&format=csv`, { headers: auditor });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    assert.equal(lines[0], 'seq,occurredAt,requestId,organizationId,actor,action,fromStatus,toStatus,reason,details,eventKey,prevHash,hash');
    assert.equal(lines.length, 1 + 5);
    assert.ok(lines.some((l) => l.includes(`"'=HYPERLINK(""x"")"`)), 'formula-looking cells are defused');
  });

  describe('bad filters: 400 naming the field, nothing changed', () => {
    const cases: [string, string, string][] = [
      ['a date that is not one', 'from=yesterday', 'from'],
      ['a malformed request id', "requestId=1' OR '1'='1", 'requestId'],
      ['an unknown filter', 'user=1', ''],
      ['a page too large', 'limit=5000', 'limit'],
      ['a format we do not write', 'format=xlsx', 'format'],
    ];
    for (const [name, query, field] of cases) {
      test(name, async () => {
        const before = await counts(pool);
        const res = await app.request(`/v1/audit?${query}`, { headers: auditor });
        assert.equal(res.status, 400);
        const body = await json(res);
        assert.equal(body.error.code, 'VALIDATION_FAILED');
        if (field) assert.ok(body.error.details.some((d: { field: string }) => d.field === field), JSON.stringify(body.error.details));
        assert.deepEqual(await counts(pool), before);
      });
    }
    test('a forged cursor is a 400', async () => {
      const res = await app.request('/v1/audit?cursor=bm90LWEtY3Vyc29y', { headers: auditor });
      assert.equal(res.status, 400);
      assert.equal((await json(res)).error.code, 'INVALID_CURSOR');
    });
    test('SQL in a free-text filter is only text: an empty page', async () => {
      const res = await app.request(`/v1/audit?actor=${encodeURIComponent("x' OR 1=1; drop table dsrflow.audit_events; --")}`, { headers: auditor });
      assert.equal(res.status, 200);
      assert.deepEqual((await json(res)).items, []);
      assert.equal((await verify()).valid, true);
    });
  });
});
