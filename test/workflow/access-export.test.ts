import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { sql } from 'slonik';
import { z } from 'zod';
import { listRequestEvents } from '../../src/db/audit.ts';
import { assessUpdate, verifyUpdate } from '../../src/workflows/messages.ts';
import { testApp, testStorage, tokenHeaders } from '../support/app.ts';
import { historyText, recordedHistoryBytes } from '../support/history.ts';
import { DAY, reach, settled, useTimeSkipping } from '../support/workflow-harness.ts';

describe('an access request delivers a 7-day download link and removes the file after', () => {
  const suite = useTimeSkipping('access-export');

  test('the link works on day 6, answers 410 on day 8, and the file is gone; the history carries no personal data', async () => {
    const { row, subject, handle } = await suite.h.start({ type: 'access', regulation: 'GDPR' });
    // The warehouse holds this subject: a user with two orders, found by the email they gave.
    const userId = await suite.pg.pool.oneFirst(sql.type(z.object({ id: z.coerce.number() }))`
      insert into warehouse.users (customer_id, email, first_name, last_name, country, created_at)
      values (${'cus_x' + row.id.slice(0, 8)}, ${subject.email}, 'Zoë', ${"O'Brien, Jr."}, 'IE', now()) returning id`);
    await suite.pg.pool.query(sql.unsafe`insert into warehouse.orders (user_id, placed_at, status, currency, total) values (${userId}, now(), 'paid', 'EUR', 12.5), (${userId}, now(), 'shipped', 'EUR', 7)`);

    const clock = { now: Date.now() };
    const app = testApp({ pool: suite.pg.pool, client: suite.env.client, now: () => new Date(clock.now) });
    let links: string[] = [];
    await suite.h.withWorker(async () => {
      await reach(handle, 'awaiting_verification');
      await handle.executeUpdate(verifyUpdate, { args: [{ outcome: 'verified', method: 'email_link', actor: 'subject' }] });
      await reach(handle, 'in_assessment');
      await handle.executeUpdate(assessUpdate, { args: [{ decision: 'approve', actor: 'dpo-jane' }] });
      await reach(handle, 'completed');
      const linkMail = await suite.mail.waitFor((m) => m.to.includes(subject.email) && /data export/.test(m.subject));
      links = [...linkMail.text.matchAll(/http:\/\/localhost:3000(\/downloads\/[A-Za-z0-9_-]{43})/g)].map((m) => m[1]!);
      assert.equal(links.length, 2, 'one link per configured format (csv, json)');

      await suite.env.sleep(6 * DAY);
      clock.now = await suite.env.currentTimeMs();
      const day6 = await Promise.all(links.map((l) => app.request(l)));
      assert.deepEqual(day6.map((r) => r.status), [200, 200], 'valid on day 6');
      const jsonFile = day6.find((r) => r.headers.get('content-type')?.includes('json'));
      assert.ok(jsonFile, `a JSON export among ${day6.map((r) => r.headers.get('content-type')).join(', ')}`);
      const body = await jsonFile.text();
      assert.ok(body.includes(subject.email) && body.includes("O'Brien, Jr."), 'the file holds the subject’s data');
      await suite.env.sleep(2 * DAY);
      clock.now = await suite.env.currentTimeMs();
      await settled(handle);
    });
    for (const link of links) assert.equal((await app.request(link)).status, 410, 'expired on day 8');

    const exports = await suite.pg.pool.any(sql.type(z.object({ storage_key: z.string().nullable(), expired_at: z.string().nullable(), has_key: z.boolean() }))`
      select storage_key, expired_at, data_key is not null as has_key from dsrflow.exports where request_id = ${row.id}`);
    assert.equal(exports.length, 2);
    for (const e of exports) {
      assert.ok(e.expired_at, 'marked expired');
      assert.equal(e.has_key, false, 'the data key is destroyed (crypto-shredded)');
      if (e.storage_key) await assert.rejects(readStored(e.storage_key), 'the file is gone');
    }
    const actions = (await listRequestEvents(suite.pg.pool, row.id)).map((e) => e.action);
    assert.equal(actions.filter((a) => a === 'export.key_destroyed').length, 2, 'each key destruction is audited');
    assert.equal(actions.filter((a) => a === 'export.expired').length, 2, 'each expiry is audited');
    assert.ok(actions.indexOf('export.key_destroyed') < actions.indexOf('export.expired'), 'the key is destroyed before the file');
    assert.equal(actions.filter((a) => a === 'export.downloaded').length, 2, 'each download is audited');

    const history = await handle.fetchHistory();
    const text = await historyText(history);
    for (const identifier of [subject.email, "O'Brien", 'Zoë']) assert.ok(!text.includes(identifier), `history must not contain ${identifier}`);
    if (process.env.RECORD_HISTORIES) writeFileSync('test/fixtures/histories/gdpr-access-exported.binpb', await recordedHistoryBytes(history));
  });
});

describe('the formats the request stored drive its export; one over its row limit is told, not silent', () => {
  const suite = useTimeSkipping('access-export-formats');

  test('XML and DOCX asked for, DOCX over its (lowered) limit: the email has the XML link and says why DOCX is missing', async () => {
    const { row, subject, handle } = await suite.h.start({ type: 'export', regulation: 'GDPR', exportFormats: ['xml', 'docx'] });
    const userId = await suite.pg.pool.oneFirst(sql.type(z.object({ id: z.coerce.number() }))`
      insert into warehouse.users (customer_id, email, first_name, last_name, country, created_at)
      values (${'cus_f' + row.id.slice(0, 8)}, ${subject.email}, 'Ana', 'Formats', 'ES', now()) returning id`);
    await suite.pg.pool.query(sql.unsafe`insert into warehouse.orders (user_id, placed_at, status, currency, total) values (${userId}, now(), 'paid', 'EUR', 3)`);
    // The worker's configured formats (csv, json) are not the request's: what was accepted is what is exported.
    await suite.h.withWorker(
      async () => {
        await reach(handle, 'awaiting_verification');
        await handle.executeUpdate(verifyUpdate, { args: [{ outcome: 'verified', method: 'email_link', actor: 'subject' }] });
        await reach(handle, 'in_assessment');
        await handle.executeUpdate(assessUpdate, { args: [{ decision: 'approve', actor: 'dpo-jane' }] });
        await reach(handle, 'completed');
      },
      { exportRowLimits: { docx: 1 } },
    );
    const mail = await suite.mail.waitFor((m) => m.to.includes(subject.email) && /data export/.test(m.subject));
    assert.deepEqual([...mail.text.matchAll(/^([A-Z]+): http/gm)].map((m) => m[1]), ['XML']);
    assert.match(mail.text, /DOCX \(Word\): not made\. Your data has 2 records, more than the 1 we put in one DOCX \(Word\) file/);

    const app = testApp({ pool: suite.pg.pool, client: suite.env.client });
    const detail = (await (await app.request(`/v1/requests/${row.id}`, { headers: await tokenHeaders(suite.pg.pool) })).json()) as {
      formats: string[];
      exports: { skipped: Array<{ format: string; rows: number; limit: number }> };
    };
    assert.deepEqual(detail.formats, ['xml', 'docx']);
    assert.deepEqual(detail.exports.skipped.map(({ format, rows, limit }) => ({ format, rows, limit })), [{ format: 'docx', rows: 2, limit: 1 }]);
    const actions = (await listRequestEvents(suite.pg.pool, row.id)).map((e) => e.action);
    assert.ok(actions.includes('export.format_skipped'));
  });
});

async function readStored(key: string) {
  for await (const _ of testStorage.read(key)) break;
}
