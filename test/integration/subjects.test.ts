import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { App } from '../../src/api/app.ts';
import { createWarehouseLookupPool } from '../../src/db/pool.ts';
import { ensureOrganization } from '../../src/db/tokens.ts';
import { json, testApp, tokenHeaders } from '../support/app.ts';
import { historyText } from '../support/history.ts';
import { eventually } from '../support/requests.ts';
import { useDevServerWorker, type DevServerSuite } from '../support/workflow-harness.ts';

const TASK_QUEUE = 'subjects';
const tag = () => crypto.randomUUID().slice(0, 8);

describe('data subjects on the dev server: one subject per person, duplicates, repeat limits', () => {
  const suite: DevServerSuite = useDevServerWorker(TASK_QUEUE);
  let app: App;
  let headers: Record<string, string>;
  let org: string;

  let warehouseLookups: DatabasePool;

  before(async () => {
    // The API's own look-up pool: its statement timeout is the 2 s bound the locked-warehouse test checks.
    warehouseLookups = await createWarehouseLookupPool(suite.pg.url);
    app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: TASK_QUEUE, warehouseLookups });
    headers = await tokenHeaders(suite.pg.pool);
    org = `subjects-${tag()}`;
    await ensureOrganization(suite.pg.pool, org);
  });
  after(() => warehouseLookups.end());

  const create = async (body: Record<string, unknown>) => {
    const res = await app.request('/v1/requests', { method: 'POST', headers, body: JSON.stringify({ regulation: 'GDPR', organizationId: org, ...body }) });
    assert.equal(res.status, 201, JSON.stringify(await res.clone().json()));
    return json(res);
  };
  const detail = async (id: string) => json(await app.request(`/v1/requests/${id}`, { headers }));
  const statusIs = (id: string, status: string) => eventually(async () => ((await detail(id)).status === status ? true : undefined), 15_000, `${id} ${status}`);

  test('one email in any case or spacing, and the same customer by its customer id, are one subject; lists show its id, never the email', async () => {
    const email = `Subject-${tag()}@Example.com`;
    const customerId = `cus_subj_${tag()}`;
    await suite.pg.pool.query(sql.unsafe`
      insert into warehouse.users (customer_id, email, first_name, last_name, country, created_at)
      values (${customerId}, ${email.toLowerCase()}, 'Ines', 'Duarte', 'PT', now())`);
    const first = await create({ type: 'access', subject: { email } });
    const second = await create({ type: 'erasure', subject: { email: `  ${email.toUpperCase()}  `, phone: '+351 912 345 678' } });
    // Another address the warehouse does not know, with the customer id: the warehouse says it is the same customer.
    const third = await create({ type: 'rectify', subject: { email: `new-address-${tag()}@example.org`, customerId }, corrections: [{ model: 'users', field: 'last_name', newValue: 'Duarte Silva' }] });
    assert.match(first.subjectId, /^did:dsrflow:[0-9a-f]{32}$/);
    assert.equal(second.subjectId, first.subjectId);
    assert.equal(third.subjectId, first.subjectId);
    // A phone given before (the demo warehouse has no phone column): the same digits, written otherwise, join too.
    const fourth = await create({ type: 'export', subject: { email: `yet-another-${tag()}@example.org`, phone: '+351-912-345-678' } });
    assert.equal(fourth.subjectId, first.subjectId);
    const stranger = await create({ type: 'access', subject: { email: `someone-else-${tag()}@example.com` } });
    assert.notEqual(stranger.subjectId, first.subjectId);

    // Found by identifier through the keyed hash; the record lists what each request gave, and the read is audited.
    const found = await json(await app.request(`/v1/subjects?email=${encodeURIComponent(email.toUpperCase())}`, { headers }));
    assert.deepEqual(found.items.map((s: { id: string }) => s.id), [first.subjectId]);
    const byCustomer = await json(await app.request(`/v1/subjects?customerId=${customerId}`, { headers }));
    assert.deepEqual(byCustomer.items.map((s: { id: string }) => s.id), [first.subjectId]);
    const record = await json(await app.request(`/v1/subjects/${first.subjectId}`, { headers }));
    assert.equal(record.organizationId, org);
    assert.deepEqual(record.requests.map((r: { id: string }) => r.id).sort(), [first.id, second.id, third.id, fourth.id].sort());
    assert.ok(record.identifiers.emails.includes(email.toLowerCase()));
    assert.deepEqual(record.identifiers.customerIds, [customerId]);
    const audited = await suite.pg.pool.any(sql.type(z.object({ action: z.string(), details: z.record(z.string(), z.unknown()) }))`
      select action, details from dsrflow.audit_events where action in ('subject.viewed', 'subject.looked_up') and details::text like ${`%${first.subjectId}%`}`);
    assert.deepEqual(audited.map((a) => a.action).sort(), ['subject.looked_up', 'subject.looked_up', 'subject.viewed']);
    assert.ok(!JSON.stringify(audited).toLowerCase().includes(email.toLowerCase()), 'the lookup event names the kind, not the value');

    const list = await app.request(`/v1/requests?subject=${first.subjectId}`, { headers });
    const listText = await list.clone().text();
    assert.deepEqual((await json(list)).items.map((r: { subjectId: string }) => r.subjectId), Array(4).fill(first.subjectId));
    const everything = await (await app.request(`/v1/requests?organization=${org}&limit=200`, { headers })).text();
    for (const text of [listText, everything]) {
      assert.ok(!text.toLowerCase().includes(email.toLowerCase()), 'no email in request lists');
      assert.ok(!text.includes(customerId), 'no customer id in request lists');
    }

    // Nothing of the subject in Temporal: neither the email nor the subject id, in histories or search attributes.
    for (const r of [first, second, third]) {
      await eventually(async () => ((await detail(r.id)).status === 'awaiting_verification' ? true : undefined), 15_000, 'awaiting_verification');
      const handle = suite.env.client.workflow.getHandle(r.workflowId);
      const history = await historyText(await handle.fetchHistory());
      const attributes = JSON.stringify((await handle.describe()).searchAttributes);
      for (const text of [history.toLowerCase(), attributes.toLowerCase()]) {
        for (const secret of [email.toLowerCase(), customerId, first.subjectId.slice('did:dsrflow:'.length)]) assert.ok(!text.includes(secret), `Temporal holds ${secret}`);
      }
    }
  });

  test('a warehouse that does not answer within 2 s never holds intake: the request links by the identifiers given', async () => {
    const email = `locked-${tag()}@example.com`;
    const known = await create({ type: 'access', subject: { email } });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const lockTaken = new Promise<void>((r) => (locked = r));
    const holder = suite.pg.pool.transaction(async (tx) => {
      await tx.query(sql.unsafe`lock table warehouse.users in access exclusive mode`);
      locked();
      await held;
    });
    try {
      await lockTaken;
      const started = Date.now();
      const again = await create({ type: 'erasure', subject: { email: email.toUpperCase() } });
      const took = Date.now() - started;
      assert.ok(took >= 1900 && took < 6000, `answered after the bounded wait (${took} ms)`);
      assert.equal(again.subjectId, known.subjectId);
    } finally {
      release();
      await holder;
    }
  });

  test('when identifiers disagree the email decides, subjects are never merged, and the audit trail says so', async () => {
    const customer = async (label: string) => {
      const email = `${label}-${tag()}@example.com`;
      const customerId = `cus_${label}_${tag()}`;
      await suite.pg.pool.query(sql.unsafe`
        insert into warehouse.users (customer_id, email, first_name, last_name, country, created_at) values (${customerId}, ${email}, 'Ana', 'Lima', 'PT', now())`);
      return { email, customerId };
    };
    const one = await customer('one');
    const two = await customer('two');
    const first = await create({ type: 'access', subject: { email: one.email } });
    const second = await create({ type: 'access', subject: { email: two.email } });
    assert.notEqual(first.subjectId, second.subjectId);
    const conflicts = async (id: string) =>
      suite.pg.pool.any(sql.type(z.object({ details: z.record(z.string(), z.unknown()) }))`
        select details from dsrflow.audit_events where request_id = ${id} and action = 'subject.link_conflict'`);

    // The warehouse says the email is one customer and the customer id another: it is not trusted, the email links.
    const mixed = await create({ type: 'erasure', subject: { email: one.email, customerId: two.customerId } });
    assert.equal(mixed.subjectId, first.subjectId);
    assert.deepEqual((await conflicts(mixed.id)).map((c) => c.details.warehouseAmbiguous), [true]);

    // A known email of its own, and the customer id of a customer with a subject: the email's subject, never merged.
    const ownEmail = `own-${tag()}@example.net`;
    const own = await create({ type: 'access', subject: { email: ownEmail } });
    const both = await create({ type: 'erasure', subject: { email: ownEmail, customerId: one.customerId } });
    assert.equal(both.subjectId, own.subjectId);
    assert.deepEqual((await conflicts(both.id)).map((c) => c.details.otherSubjects), [[first.subjectId]]);
    const record = await json(await app.request(`/v1/subjects/${first.subjectId}`, { headers }));
    assert.ok(!record.requests.some((r: { id: string }) => r.id === both.id), 'the other subject keeps its own requests only');
  });

  test('a duplicate is flagged, verifies as usual, is merged by staff, and the subject gets one notice naming the open request', async () => {
    const email = `twice-${tag()}@example.com`;
    const open = await create({ type: 'access', subject: { email } });
    const again = await create({ type: 'access', subject: { email } });
    assert.equal(open.duplicateOf, null);
    assert.equal(again.duplicateOf, open.id);
    assert.equal(again.subjectId, open.subjectId);
    const flagged = await json(await app.request(`/v1/requests?organization=${org}&duplicate=true&limit=200`, { headers }));
    assert.ok(flagged.items.some((r: { id: string }) => r.id === again.id));
    assert.ok(!flagged.items.some((r: { id: string }) => r.id === open.id));

    // A duplicate never blocks verification.
    await statusIs(again.id, 'awaiting_verification');
    const post = (id: string, path: string, body: unknown) => app.request(`/v1/requests/${id}/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    assert.equal((await post(again.id, 'verification', { outcome: 'verified', method: 'document_check' })).status, 200);
    await statusIs(again.id, 'in_assessment');

    assert.equal((await post(open.id, 'duplicate', { decision: 'merge' })).status, 409, 'the open request is not a duplicate');
    const merged = await post(again.id, 'duplicate', { decision: 'merge' });
    assert.equal(merged.status, 200);
    assert.deepEqual({ ...(await json(merged)), state: undefined }, { id: again.id, duplicateOf: open.id, decision: 'merged', state: undefined });
    await statusIs(again.id, 'cancelled');
    const retried = await post(again.id, 'duplicate', { decision: 'merge' });
    assert.equal(retried.status, 200, 'the same decision again is answered as taken');
    assert.equal(retried.headers.get('idempotent-replayed'), 'true');
    const second = await post(again.id, 'duplicate', { decision: 'keep' });
    assert.equal(second.status, 409);
    assert.equal((await json(second)).error.code, 'DUPLICATE.ALREADY_DECIDED');
    const closed = await detail(again.id);
    assert.equal(closed.duplicateDecision, 'merged');
    assert.ok(closed.timeline.some((e: { action: string; reason: string }) => e.action === 'request.cancelled' && e.reason === 'duplicate'));
    assert.equal((await detail(open.id)).status, 'awaiting_verification', 'the open request goes on');

    const namesOpen = (m: { to: string[]; subject: string; text: string }) => m.to.includes(email) && m.text.includes(open.id) && (m.subject.includes(again.id) || m.text.includes(again.id));
    const notice = await suite.mail.waitFor(namesOpen);
    assert.match(notice.subject, new RegExp(`answered by your open request ${open.id}`));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(suite.mail.messages().filter(namesOpen).length, 1, 'one notice names the open request');
    assert.equal(suite.mail.messages().filter((m) => m.to.includes(email) && / was cancelled/.test(m.subject)).length, 0, 'and no plain cancellation notice');
  });

  test('keeping both: no notice, the flag stays for the record, and the stats count both kinds of flag', async () => {
    const email = `keep-${tag()}@example.com`;
    const open = await create({ type: 'erasure', subject: { email } });
    const again = await create({ type: 'erasure', subject: { email } });
    assert.equal(again.duplicateOf, open.id);
    const statsBefore = await json(await app.request(`/v1/stats?organization=${org}`, { headers }));
    const kept = await app.request(`/v1/requests/${again.id}/duplicate`, { method: 'POST', headers, body: JSON.stringify({ decision: 'keep' }) });
    assert.equal(kept.status, 200);
    assert.equal((await json(kept)).state, undefined);
    const stats = await json(await app.request(`/v1/stats?organization=${org}`, { headers }));
    assert.equal(stats.duplicates, statsBefore.duplicates);
    assert.equal(stats.duplicatesUndecided, statsBefore.duplicatesUndecided - 1);
    const undecided = await json(await app.request(`/v1/requests?organization=${org}&duplicateUndecided=true&limit=200`, { headers }));
    assert.ok(!undecided.items.some((r: { id: string }) => r.id === again.id));
    assert.equal((await detail(again.id)).duplicateDecision, 'kept');
    await statusIs(again.id, 'awaiting_verification');
    assert.equal(suite.mail.messages().filter((m) => m.to.includes(email) && m.text.includes(open.id) && `${m.subject}\n${m.text}`.includes(again.id)).length, 0, 'keeping tells the subject nothing');
  });

  test('CCPA: the third request to know within 12 months is flagged with the rule; exactly 12 months after the first is not', async () => {
    const email = `ccpa-${tag()}@example.com`;
    const at = (receivedAt: string, type = 'access') => create({ type, regulation: 'CCPA', receivedAt, subject: { email } });
    const first = await at('2025-03-03T10:00:00.000Z');
    const second = await at('2025-04-03T10:00:00.000Z', 'export');
    assert.equal(first.overLimit, false);
    assert.equal(second.overLimit, false);
    const third = await at('2026-02-02T10:00:00.000Z');
    assert.equal(third.overLimit, true);
    const flagged = await detail(third.id);
    assert.equal(flagged.repeatLimit.regulation, 'CCPA');
    assert.equal(flagged.repeatLimit.rule.max, 2);
    assert.equal(flagged.repeatLimit.rule.then, 'refuse');
    assert.match(flagged.repeatLimit.rule.source, /1798\.100\(d\)/);
    assert.deepEqual(flagged.repeatLimit.earlierRequests.sort(), [first.id, second.id].sort());
    assert.equal(flagged.repeatLimit.rejectionReason, 'excessive');
    assert.ok(flagged.timeline.some((e: { action: string }) => e.action === 'request.over_limit'));
    // Nothing is refused automatically: staff verify, then reject with the reason offered.
    await statusIs(third.id, 'awaiting_verification');
    const act = (path: string, body: unknown) => app.request(`/v1/requests/${third.id}/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    assert.equal((await act('verification', { outcome: 'verified', method: 'account_authentication' })).status, 200);
    assert.equal((await act('assessment', { decision: 'reject', rejectionReason: flagged.repeatLimit.rejectionReason })).status, 200);
    await statusIs(third.id, 'rejected');
    await suite.mail.waitFor((m) => m.to.includes(email) && m.subject.includes(third.id) && /repeats earlier requests/.test(m.text));

    // The boundary, for another person: first at T, second a month later, then exactly T + 12 months.
    const other = `ccpa-boundary-${tag()}@example.com`;
    const again = (receivedAt: string) => create({ type: 'access', regulation: 'CCPA', receivedAt, subject: { email: other } });
    const a = await again('2025-03-03T10:00:00.000Z');
    await again('2025-04-03T10:00:00.000Z');
    const onTheDay = await again('2026-03-03T10:00:00.000Z');
    assert.equal(onTheDay.overLimit, false, 'the first request has left the 12 months');
    assert.equal((await detail(onTheDay.id)).repeatLimit, null);
    const justBefore = await again('2026-03-03T09:59:59.999Z');
    assert.equal(justBefore.overLimit, true);
    assert.ok((await detail(justBefore.id)).repeatLimit.earlierRequests.includes(a.id));

    const overLimit = await json(await app.request(`/v1/requests?organization=${org}&overLimit=true&limit=200`, { headers }));
    assert.deepEqual(overLimit.items.map((r: { id: string }) => r.id).sort(), [third.id, justBefore.id].sort());
    assert.equal((await json(await app.request(`/v1/stats?organization=${org}`, { headers }))).overLimit, 2);
  });
});
