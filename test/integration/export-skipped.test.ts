import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { listRequestEvents } from '../../src/db/audit.ts';
import { json, testApp, tokenHeaders } from '../support/app.ts';
import { devServer } from '../support/stack.ts';
import { expectedRows, exportDatabase, exportHarness, requestFor } from './export-support.ts';

const USER = 15;

// The row limits lowered to just under the subject's rows (the real ones, 50,000 and 100,000, are tested in
// export-formats.test.ts): what is asked for, skipped and told must be the same whatever the limit.
describe('a format over its row limit: on the request, in the audit trail and in the email, with the reason', () => {
  let pool: DatabasePool;
  let h: Awaited<ReturnType<typeof exportHarness>>;
  let rows: number;
  let app: ReturnType<typeof testApp>;
  let headers: Record<string, string>;
  const email = `user${USER}@example.com`;

  before(async () => {
    pool = await exportDatabase('export_skipped');
    rows = Object.values(await expectedRows(pool, USER)).reduce((n, r) => n + r.length, 0);
    // The worker's configured default differs from what the requests stored: the stored formats must win.
    h = await exportHarness(pool, { rowLimits: { docx: rows - 1, pdf: rows - 2 }, defaultFormats: ['xml'] });
    app = testApp({ pool, client: (await devServer()).client });
    headers = await tokenHeaders(pool);
  });
  after(async () => {
    h.mailer.close();
    await pool.end();
  });

  const detail = async (requestId: string) => json(await app.request(`/v1/requests/${requestId}`, { headers }));

  test('JSON and DOCX asked for: JSON written, DOCX skipped; GET, audit and the download email say so', async () => {
    const requestId = await requestFor(pool, { email }, 'access', ['json', 'docx']);
    // The activity is given the request id only, as the workflow calls it: the formats come from the request.
    const result = await h.activities.exportSubjectData({ requestId });
    assert.equal(result.outcome, 'exported');
    assert.deepEqual(result.exports.map((e) => [e.format, e.status]), [['json', 'ready'], ['docx', 'skipped']]);

    const events = await listRequestEvents(pool, requestId);
    const skipped = events.filter((e) => e.action === 'export.format_skipped');
    assert.equal(skipped.length, 1);
    assert.deepEqual(skipped[0]!.details, { exportId: result.exports[1]!.exportId, format: 'docx', code: 'ROW_LIMIT', rows, limit: rows - 1 });
    assert.equal(skipped[0]!.reason, `DOCX not written: ${rows} rows is over its limit of ${rows - 1} rows`);

    await h.activities.issueDownloadLink({ requestId, exportIds: result.exportIds });
    const mail = await h.catcher.waitFor((m) => m.to.includes(email) && m.subject.includes(requestId));
    assert.match(mail.text, /^JSON: http:\/\/dsrflow\.test\/downloads\/\S+$/m);
    assert.doesNotMatch(mail.text, /^DOCX: http/m, 'no link for a file not made');
    assert.ok(
      mail.text.includes(`DOCX (Word): not made. Your data has ${rows} records, more than the ${rows - 1} we put in one DOCX (Word) file: a longer document is too slow to open and read.`),
      mail.text,
    );
    assert.match(mail.text, /The file above holds all of your data\./);
    const sentEvent = (await listRequestEvents(pool, requestId)).find((e) => e.action === 'export.link_sent');
    assert.deepEqual((sentEvent?.details as { skippedFormats?: string[] }).skippedFormats, ['docx']);

    const got = await detail(requestId);
    assert.deepEqual(got.formats, ['json', 'docx']);
    assert.deepEqual(got.exports.skipped, [
      { format: 'docx', reason: `ROW_LIMIT: ${rows} rows is over the ${rows - 1} rows a DOCX file holds; use CSV, JSON or XML`, rows, limit: rows - 1 },
    ]);
    assert.deepEqual(got.exports.files.map((f: { format: string; status: string }) => `${f.format}:${f.status}`).sort(), ['docx:skipped', 'json:ready']);
    assert.ok(got.timeline.some((e: { action: string }) => e.action === 'export.format_skipped'), 'on the timeline');

    // A retry writes no second event and skips again.
    await h.activities.exportSubjectData({ requestId });
    assert.equal((await listRequestEvents(pool, requestId)).filter((e) => e.action === 'export.format_skipped').length, 1);
  });

  test('every format asked for over its limit: CSV instead, and the email names both skipped formats', async () => {
    const requestId = await requestFor(pool, { email }, 'access', ['docx', 'pdf']);
    const result = await h.activities.exportSubjectData({ requestId });
    assert.deepEqual(result.exports.map((e) => [e.format, e.status]), [['docx', 'skipped'], ['pdf', 'skipped'], ['csv', 'ready']]);
    const written = await pool.anyFirst(sql.type(z.object({ format: z.string() }))`select format from dsrflow.exports where id = any(${sql.array(result.exportIds, 'uuid')})`);
    assert.deepEqual(written, ['csv']);

    await h.activities.issueDownloadLink({ requestId, exportIds: result.exportIds });
    const mail = await h.catcher.waitFor((m) => m.to.includes(email) && m.subject.includes(requestId));
    assert.match(mail.text, /^CSV: http:\/\/dsrflow\.test\/downloads\/\S+$/m);
    assert.match(mail.text, /Formats you asked for could not be made:/);
    assert.ok(mail.text.includes(`DOCX (Word): not made. Your data has ${rows} records, more than the ${rows - 1} we put`), mail.text);
    assert.ok(mail.text.includes(`PDF: not made. Your data has ${rows} records, more than the ${rows - 2} we put`), mail.text);

    const got = await detail(requestId);
    assert.deepEqual(got.exports.skipped.map((s: { format: string; limit: number }) => [s.format, s.limit]), [['docx', rows - 1], ['pdf', rows - 2]]);
    assert.deepEqual(
      got.exports.files.map((f: { format: string; status: string }) => `${f.format}:${f.status}`).sort(),
      ['csv:ready', 'docx:skipped', 'pdf:skipped'],
    );
  });

  test('within the limits nothing is skipped: no event, no sentence in the email, an empty list on the request', async () => {
    const requestId = await requestFor(pool, { email }, 'access', ['csv']);
    const result = await h.activities.exportSubjectData({ requestId });
    await h.activities.issueDownloadLink({ requestId, exportIds: result.exportIds });
    const mail = await h.catcher.waitFor((m) => m.to.includes(email) && m.subject.includes(requestId));
    assert.doesNotMatch(mail.text, /not made|could not be made/);
    assert.ok(!(await listRequestEvents(pool, requestId)).some((e) => e.action === 'export.format_skipped'));
    const got = await detail(requestId);
    assert.deepEqual(got.formats, ['csv']);
    assert.deepEqual(got.exports.skipped, []);
  });

  test('a request recorded before formats were stored is exported in the worker’s configured formats', async () => {
    const requestId = await requestFor(pool, { email });
    const result = await h.activities.exportSubjectData({ requestId });
    assert.deepEqual(result.exports.map((e) => e.format), ['xml']);
    assert.equal((await detail(requestId)).formats, undefined);
  });
});
