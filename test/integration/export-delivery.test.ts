import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OpenAPIHono } from '@hono/zod-openapi';
import { MockActivityEnvironment } from '@temporalio/testing';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { checkDataModel, loadDataModelFile } from '../../src/warehouse/data-model-check.ts';
import { downloadsRouter } from '../../src/api/downloads/downloads.index.ts';
import { onError } from '../../src/api/errors.ts';
import { DataModelError, parseDataModel } from '../../src/domain/data-model.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { testKeyRing } from '../support/app.ts';
import { exportDatabase, exportHarness, requestFor } from './export-support.ts';

const DAY = 24 * 60 * 60 * 1000;

describe('export delivery: the emailed link, the download route, expiry', () => {
  let pool: DatabasePool;
  let h: Awaited<ReturnType<typeof exportHarness>>;
  let clock = new Date();
  let app: OpenAPIHono;

  before(async () => {
    pool = await exportDatabase('export_delivery');
    h = await exportHarness(pool);
    app = new OpenAPIHono();
    app.route('/', downloadsRouter({ pool, logger: createLogger('silent'), now: () => clock, storage: h.storage, keyRing: testKeyRing }));
    app.onError(onError(createLogger('silent')));
  });
  after(async () => {
    h.mailer.close();
    await pool.end();
  });

  test('the link arrives at the SMTP peer, downloads the file with its type and name, 404 when tampered, 410 once expired', async () => {
    const requestId = await requestFor(pool, { email: 'user7@example.com' });
    const result = await h.activities.exportSubjectData({ requestId, formats: ['csv', 'json'] });
    assert.equal(result.outcome, 'exported');
    const [csv, json] = result.exports;
    const issued = await h.activities.issueDownloadLink({ requestId, exportIds: result.exportIds });
    assert.equal(issued.sent, true);
    assert.ok(Math.abs(Date.parse(issued.expiresAt) - Date.now() - 7 * DAY) < 60_000, 'valid 7 days');
    const again = await h.activities.issueDownloadLink({ requestId, exportIds: result.exportIds });
    assert.deepEqual(again, { sent: false, expiresAt: issued.expiresAt }, 'a retry sends nothing twice');

    const mail = await h.catcher.waitFor((m) => m.to.includes('user7@example.com') && m.subject.includes(requestId));
    assert.equal(h.catcher.messages().filter((m) => m.subject.includes(requestId)).length, 1);
    const links = Object.fromEntries([...mail.text.matchAll(/^(CSV|JSON): http:\/\/dsrflow\.test(\/downloads\/[A-Za-z0-9_-]+)$/gm)].map((m) => [m[1]!, m[2]!]));
    assert.equal(Object.keys(links).length, 2);
    const [csvPath, jsonPath] = [links.CSV!, links.JSON!];

    const res = await app.request(csvPath);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/zip');
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="data-export-${requestId}.zip"`);
    const body = Buffer.from(await res.arrayBuffer());
    const row = await pool.one(sql.type(z.object({ sha256: z.string(), bytes: z.coerce.number() }))`select sha256, bytes from dsrflow.exports where id = ${csv!.exportId}`);
    assert.equal(body.length, row.bytes);
    assert.equal(createHash('sha256').update(body).digest('hex'), row.sha256);
    const jsonRes = await app.request(jsonPath);
    assert.equal(jsonRes.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(JSON.parse(await jsonRes.text()).requestId, requestId);

    // Tampered (one character changed), unknown, malformed: all 404 with the one error shape.
    const last = csvPath.at(-1) === 'A' ? 'B' : 'A';
    for (const path of [csvPath.slice(0, -1) + last, `/downloads/${'x'.repeat(43)}`, '/downloads/short']) {
      const r = await app.request(path);
      assert.equal(r.status, 404, path);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'DOWNLOAD_NOT_FOUND');
    }

    // Every download is in the audit trail, one event each.
    const downloads = await pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      select count(*)::int as n from dsrflow.audit_events where request_id = ${requestId} and action = 'export.downloaded'`);
    assert.equal(downloads, 2);

    // Day 6 still works; day 8 is past the link's validity: 410.
    clock = new Date(Date.now() + 6 * DAY);
    assert.equal((await app.request(csvPath)).status, 200);
    clock = new Date(Date.now() + 8 * DAY);
    assert.equal((await app.request(csvPath)).status, 410);
    clock = new Date();

    // The expiry activity deletes the file and marks it expired: 410 from then on, audited, re-runnable.
    const key = await pool.oneFirst(sql.type(z.object({ storage_key: z.string() }))`select storage_key from dsrflow.exports where id = ${csv!.exportId}`);
    assert.ok(existsSync(join(h.storageDir, 'exports', key)));
    assert.deepEqual(await h.activities.expireExport({ exportId: csv!.exportId }), { expired: true });
    assert.deepEqual(await h.activities.expireExport({ exportId: csv!.exportId }), { expired: true });
    assert.ok(!existsSync(join(h.storageDir, 'exports', key)), 'the file is gone');
    const gone = await app.request(csvPath);
    assert.equal(gone.status, 410);
    assert.equal(((await gone.json()) as { error: { code: string } }).error.code, 'DOWNLOAD_EXPIRED');
    const expired = await pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      select count(*)::int as n from dsrflow.audit_events where request_id = ${requestId} and action = 'export.expired'`);
    assert.equal(expired, 1);
    assert.equal((await app.request(jsonPath)).status, 200, 'the other export is untouched');
    void json;
  });

  test('a retry after the database was lost between the send and its record: no second email, the links sent still work', async () => {
    const requestId = await requestFor(pool, { email: 'user8@example.com' });
    const result = await h.activities.exportSubjectData({ requestId, formats: ['json'] });
    // Attempt 1 sends and heartbeats what it sent; then the database goes: the state it leaves is the email's row not marked sent.
    let heartbeat: unknown;
    const first = new MockActivityEnvironment();
    first.on('heartbeat', (details: unknown) => (heartbeat = details));
    const issued = (await first.run(h.activities.issueDownloadLink, { requestId, exportIds: result.exportIds })) as { expiresAt: string };
    assert.ok(heartbeat, 'the send was heartbeated');
    await pool.query(sql.unsafe`update dsrflow.notifications set sent_at = null where request_id = ${requestId} and kind = 'download_link'`);
    // Attempt 2 gets attempt 1's heartbeat from Temporal (test/integration/mail-after-database-loss.test.ts shows it does).
    const retry = await new MockActivityEnvironment({ attempt: 2, heartbeatDetails: heartbeat }).run(h.activities.issueDownloadLink, { requestId, exportIds: result.exportIds });
    assert.deepEqual(retry, { sent: true, expiresAt: issued.expiresAt });

    const mails = h.catcher.messages().filter((m) => m.subject.includes(requestId));
    assert.equal(mails.length, 1, 'one email');
    const path = /^JSON: http:\/\/dsrflow\.test(\/downloads\/[A-Za-z0-9_-]+)$/m.exec(mails[0]!.text)![1]!;
    assert.equal((await app.request(path)).status, 200, 'the link the subject has still downloads');
    const recorded = await pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      select count(*)::int as n from dsrflow.audit_events where request_id = ${requestId} and action = 'export.link_sent'`);
    assert.equal(recorded, 1);
  });

  test('a subject the warehouse does not hold: outcome noData, no file, the documented email', async () => {
    const requestId = await requestFor(pool, { email: 'nobody-here@example.com', customerId: 'cus_9999999' });
    const result = await h.activities.exportSubjectData({ requestId });
    assert.deepEqual(result, { outcome: 'noData', exportIds: [], exports: [], counts: {} });
    const rows = await pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from dsrflow.exports where request_id = ${requestId}`);
    assert.equal(rows, 0);
    assert.deepEqual(await h.activities.sendNoDataResponse({ requestId }), { sent: true });
    assert.deepEqual(await h.activities.sendNoDataResponse({ requestId }), { sent: false });
    const mail = await h.catcher.waitFor((m) => m.to.includes('nobody-here@example.com'));
    assert.match(mail.text, /We hold no personal data about you/);
  });

  test('identifiers matching two users: ambiguous, back to staff, nothing exported', async () => {
    const requestId = await requestFor(pool, { email: 'user3@example.com', customerId: 'cus_0000005' });
    const result = await h.activities.exportSubjectData({ requestId });
    assert.equal(result.outcome, 'ambiguous');
    assert.equal(result.outcome === 'ambiguous' && result.candidates, 2);
    const events = await pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      select count(*)::int as n from dsrflow.audit_events where request_id = ${requestId} and action = 'export.ambiguous_subject'`);
    assert.equal(events, 1);
  });

  test('the same user by email and customer id is found once', async () => {
    const requestId = await requestFor(pool, { email: 'user5@example.com', customerId: 'cus_0000005' });
    const result = await h.activities.exportSubjectData({ requestId, formats: ['json'] });
    assert.equal(result.outcome, 'exported');
    assert.equal(result.counts.users, 1);
  });
});

describe('the data-model file', () => {
  test('the shipped model matches the demo warehouse', async () => {
    const pool = await exportDatabase('export_model');
    try {
      const resolved = await checkDataModel(pool, await loadDataModelFile());
      assert.deepEqual(resolved.models.map((m) => m.name), ['users', 'orders', 'order_items', 'transactions', 'events', 'campaign_interactions']);
      assert.ok(!resolved.users.columns.some((c) => c.name === 'lifetime_value' || c.name === 'churn_score'));

      const bad = structuredClone(await loadDataModelFile());
      bad.related[0]!.joins[0]!.column = 'customer_ref';
      bad.related.push({ ...bad.related[0]!, name: 'refunds', table: { schema: 'warehouse', name: 'refunds' } });
      await assert.rejects(checkDataModel(pool, bad), (e: unknown) => {
        assert.ok(e instanceof DataModelError);
        assert.ok(e.problems.includes('table warehouse.refunds does not exist in the warehouse'), e.message);
        assert.ok(e.problems.some((p) => p.startsWith('column warehouse.orders.customer_ref (join of orders)')), e.message);
        return true;
      });
    } finally {
      await pool.end();
    }
  });

  test('a join path that does not end at the users key is refused with the field named', async () => {
    const model = structuredClone(await loadDataModelFile());
    model.related[1]!.joins.pop();
    assert.throws(() => parseDataModel(model), /related\.1\.joins: the last hop of "order_items" must reference the users key warehouse\.users\.id/);
    assert.throws(() => parseDataModel({ ...model, users: { ...model.users, table: { schema: 'warehouse', name: 'users; drop table x' } } }), /users\.table\.name/);
  });
});
