import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { PDFParse } from 'pdf-parse';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { DOCX_ROW_LIMIT } from '../../src/activities/export/formats/docx.ts';
import type { ExportProgress, ExportResult } from '../../src/activities/export/index.ts';
import type { ExportFormat } from '../../src/domain/data-model.ts';
import { addAwkwardRows, expectedRows, exportDatabase, exportHarness, requestFor, sameValue, unzip, type Expected } from './export-support.ts';

const USER = 15;
const MODEL_ORDER = ['users', 'orders', 'order_items', 'transactions', 'events', 'campaign_interactions'];

describe('access export: every format read back by an independent parser matches the database row for row', () => {
  let pool: DatabasePool;
  let h: Awaited<ReturnType<typeof exportHarness>>;
  let expected: Expected;
  let requestId: string;
  const files = new Map<ExportFormat, string>();

  before(async () => {
    pool = await exportDatabase('export_formats');
    h = await exportHarness(pool);
    await addAwkwardRows(pool, USER);
    expected = await expectedRows(pool, USER);
    const email = await pool.oneFirst(sql.type(z.object({ email: z.string() }))`select email from warehouse.users where id = ${USER}`);
    // Another case than the warehouse's: emails match case-insensitively.
    requestId = await requestFor(pool, { email: email.toUpperCase() });
    const result = await h.activities.exportSubjectData({ requestId, formats: ['csv', 'json', 'xml', 'docx', 'pdf'] });
    assert.equal(result.outcome, 'exported');
    assert.equal(result.exports.length, 5);
    for (const e of result.exports) files.set(e.format, await h.plaintextPath(e.exportId));
    assert.deepEqual(result.counts, Object.fromEntries(MODEL_ORDER.map((m) => [m, expected[m]!.length])));
  });
  after(async () => {
    h.mailer.close();
    await pool.end();
  });

  test('the fixture has what the formats must survive: multi-hop rows, NULLs, empty strings, an empty model', () => {
    assert.ok(expected.order_items!.length >= 4 && expected.transactions!.length >= 4);
    assert.equal(expected.campaign_interactions!.length, 0);
    assert.equal(expected.users![0]!.phone, null);
    assert.ok(expected.order_items!.some((r) => r.sku === ''));
    assert.ok(expected.order_items!.some((r) => String(r.product_name).includes('&amp;')));
    assert.ok(expected.orders!.some((r) => String(r.shipping_address).includes('\n') && String(r.shipping_address).includes('王')));
  });

  test('CSV: a zip with one CSV per model and a manifest whose hashes match the files', async () => {
    const zip = await unzip(files.get('csv')!);
    assert.deepEqual([...zip.keys()], ['disclosures.txt', ...MODEL_ORDER.map((m) => `${m}.csv`), 'manifest.json']);
    const manifest = JSON.parse(zip.get('manifest.json')!.toString('utf8'));
    assert.equal(manifest.requestId, requestId);
    assert.ok(!Number.isNaN(Date.parse(manifest.generatedAt)));
    for (const model of MODEL_ORDER) {
      const content = zip.get(`${model}.csv`)!;
      const file = manifest.files.find((f: { name: string }) => f.name === `${model}.csv`);
      assert.equal(file.sha256, createHash('sha256').update(content).digest('hex'), `${model}.csv hash`);
      assert.equal(manifest.models.find((m: { name: string }) => m.name === model).rows, expected[model]!.length);
      // An unquoted empty field is NULL and "" an empty string, as COPY writes them; csv-parse's `quoting` tells them apart.
      const records: Array<Array<string | null>> = parseCsv(content, { cast: (value: string, ctx: { quoting: boolean }) => (value === '' && !ctx.quoting ? null : value) });
      const header = records[0] as string[];
      assertColumns(model, header, expected);
      const rows = records.slice(1);
      assert.equal(rows.length, expected[model]!.length, `${model} row count`);
      const raw = content.toString('utf8');
      rows.forEach((values, i) => {
        header.forEach((column, j) => {
          const db = expected[model]![i]![column];
          assert.ok(sameValue(db, values[j]), `${model}[${i}].${column}: ${JSON.stringify(values[j])} vs ${JSON.stringify(db)}`);
        });
      });
      if (model === 'order_items') assert.match(raw, /,"",/, 'an empty string is written as ""');
    }
  });

  test('JSON: one document with typed values, computed fields absent', () => {
    const doc = JSON.parse(readFileSync(files.get('json')!, 'utf8'));
    assert.equal(doc.requestId, requestId);
    assert.deepEqual(doc.models.map((m: { name: string }) => m.name), MODEL_ORDER);
    for (const m of doc.models) {
      assertColumns(m.name, m.columns.map((c: { name: string }) => c.name), expected);
      assert.equal(m.rows.length, expected[m.name]!.length);
      m.rows.forEach((row: Record<string, unknown>, i: number) => {
        for (const [column, value] of Object.entries(row)) {
          const db = expected[m.name]![i]![column];
          if (db === null || typeof db !== 'object') assert.ok(sameValue(db, value === null ? null : String(value)), `${m.name}[${i}].${column}`);
          else assert.deepEqual(value, db, `${m.name}[${i}].${column}`);
        }
      });
    }
    assert.equal(typeof doc.models[1].rows[0].total, 'number');
    assert.deepEqual(doc.manifest.models.map((m: { rows: number }) => m.rows), MODEL_ORDER.map((m) => expected[m]!.length));
  });

  test('XML: well-formed, declared UTF-8, one field element per column, NULL marked', () => {
    const text = readFileSync(files.get('xml')!, 'utf8');
    assert.match(text, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
    assert.equal(XMLValidator.validate(text), true);
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, parseAttributeValue: false, trimValues: false, isArray: (name) => ['model', 'row', 'field'].includes(name) });
    const doc = parser.parse(text).subjectExport;
    assert.equal(doc['@requestId'], requestId);
    const models = doc.model as Array<{ '@name': string; '@rows': string; row?: Array<{ field: Array<{ '@name': string; '@null'?: string; '#text'?: string } | string> }> }>;
    assert.deepEqual(models.map((m) => m['@name']), MODEL_ORDER);
    for (const m of models) {
      const rows = m.row ?? [];
      assert.equal(rows.length, expected[m['@name']]!.length);
      rows.forEach((row, i) => {
        const names = row.field.map((f) => (typeof f === 'string' ? '' : f['@name']));
        if (i === 0) assertColumns(m['@name'], names, expected);
        row.field.forEach((f) => {
          if (typeof f === 'string') assert.fail('field without a name');
          const db = expected[m['@name']]![i]![f['@name']];
          const value = f['@null'] === 'true' ? null : (f['#text'] ?? '');
          assert.ok(sameValue(db, value), `${m['@name']}[${i}].${f['@name']}: ${JSON.stringify(value)} vs ${JSON.stringify(db)}`);
        });
      });
    }
  });

  test('XML: characters XML cannot carry become U+FFFD, and CR, tab and LF come back as written', async () => {
    const other = 16;
    const name = 'tab\there, CR LF\r\nend, control \u0001 and \uFFFF';
    await pool.query(sql.unsafe`insert into warehouse.events (user_id, occurred_at, name) values (${other}, now(), ${name})`);
    const id = await requestFor(pool, { email: `user${other}@example.com` });
    const result = await h.activities.exportSubjectData({ requestId: id, formats: ['xml'] });
    const text = readFileSync(await h.plaintextPath(result.exportIds[0]!), 'utf8');
    assert.ok(!/[\u0001\uFFFF]/.test(text), 'no character outside XML 1.0');
    // htmlEntities: this parser decodes character references (&#xD;) only when asked to; XML parsers always do.
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', htmlEntities: true, parseTagValue: false, trimValues: false, isArray: (n) => ['model', 'row', 'field'].includes(n) });
    const events = (parser.parse(text).subjectExport.model as Array<{ '@name': string; row: Array<{ field: Array<{ '@name': string; '#text'?: string }> }> }>).find((m) => m['@name'] === 'events')!;
    const names = events.row.map((r) => r.field.find((f) => f['@name'] === 'name')!['#text']);
    assert.ok(names.includes('tab\there, CR LF\r\nend, control \uFFFD and \uFFFD'), JSON.stringify(names.at(-1)));
  });

  test('DOCX: a cover with the request facts, then a table per model matching the database', async () => {
    const zip = await unzip(files.get('docx')!);
    for (const part of ['[Content_Types].xml', '_rels/.rels', 'word/_rels/document.xml.rels', 'word/styles.xml', 'word/numbering.xml', 'docProps/core.xml']) assert.ok(zip.has(part), part);
    for (const [name, content] of zip) if (/\.(xml|rels)$/.test(name)) assert.equal(XMLValidator.validate(content.toString('utf8')), true, `${name} is well-formed`);
    const xml = zip.get('word/document.xml')!.toString('utf8');
    assert.ok(xml.includes(requestId), 'the cover names the request');
    for (const m of MODEL_ORDER) assert.ok(xml.includes(`(${m}): ${expected[m]!.length} row(s)`), `the cover lists ${m}`);
    assert.ok(!xml.includes('DSRFLOW-DOCX'), 'no placeholder left');
    const tables = [...xml.matchAll(/<w:tbl>([\s\S]*?)<\/w:tbl>/g)].map((t) =>
      [...t[1]!.matchAll(/<w:tr[ >]([\s\S]*?)<\/w:tr>/g)].map((r) => [...r[1]!.matchAll(/<w:tc>([\s\S]*?)<\/w:tc>/g)].map((c) => cellText(c[1]!))),
    );
    assert.equal(tables.length, MODEL_ORDER.length);
    tables.forEach((table, t) => {
      const model = MODEL_ORDER[t]!;
      const [header, ...rows] = table;
      assertColumns(model, header!, expected);
      assert.equal(rows.length, expected[model]!.length, `${model} rows`);
      rows.forEach((values, i) => header!.forEach((column, j) => assert.ok(sameValue(expected[model]![i]![column], values[j], ''), `${model}[${i}].${column}: ${JSON.stringify(values[j])}`)));
    });
  });

  test('PDF: the text extracted holds every row, "column: value", in order', async () => {
    const parser = new PDFParse({ data: readFileSync(files.get('pdf')!) });
    const { text } = await parser.getText();
    await parser.destroy();
    const flat = squash(text);
    assert.ok(flat.includes(requestId));
    // Rows in order; within a row the fields in any order (to_jsonb orders keys its own way).
    let at = 0;
    for (const model of MODEL_ORDER) {
      for (const row of expected[model]!) {
        const rowStart = at;
        for (const [column, value] of Object.entries(row)) {
          const typed = value !== null && (typeof value !== 'string' || /^\d{4}-\d\d-\d\dT/.test(value));
          // Typed values are written in PostgreSQL's text form (checked in the other formats): the label suffices here.
          const needle = squash(typed ? `${column}:` : `${column}: ${value ?? ''}`);
          const found = flat.indexOf(needle, rowStart);
          assert.ok(found >= 0, `${model}.${column} = ${JSON.stringify(value)} present`);
          at = Math.max(at, found);
        }
      }
    }
  });

  test('a retry writes no second export: one row per (request, format), same ids', async () => {
    const again = await h.activities.exportSubjectData({ requestId, formats: ['csv', 'json', 'xml', 'docx', 'pdf'] });
    const rows = await pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from dsrflow.exports where request_id = ${requestId}`);
    assert.equal(rows, 5);
    assert.equal(again.outcome, 'exported');
    const events = await pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from dsrflow.audit_events where request_id = ${requestId} and action = 'export.created'`);
    assert.equal(events, 5);
  });

  test('the result carries ids and counts only: no identifier or row value', async () => {
    const again = await h.activities.exportSubjectData({ requestId, formats: ['json'] });
    const text = JSON.stringify(again);
    const user = expected.users![0]!;
    for (const v of [user.email, user.customer_id, user.first_name, user.last_name]) assert.ok(!text.includes(String(v)), 'no personal data in the result');
  });
});

describe('an export heartbeats while PostgreSQL streams it; cut off midway, the retry writes it whole', () => {
  const USER_ID = 21;
  const ADDED = 40_000; // ~3 MB of events.csv: several heartbeats inside the one model
  const BIG_VALUE = 200_000;
  let pool: DatabasePool;
  let h: Awaited<ReturnType<typeof exportHarness>>;
  let EVENTS: number; // the seed's events of the user and the added ones

  before(async () => {
    pool = await exportDatabase('export_resume');
    h = await exportHarness(pool);
    await pool.query(sql.unsafe`
      insert into warehouse.events (user_id, occurred_at, name, ip_address, properties)
      select ${USER_ID}, timestamptz '2025-01-01 00:00:00+00' + make_interval(secs => i), 'page_view', '10.0.0.1', jsonb_build_object('path', '/p/' || i)
      from generate_series(1, ${ADDED}::int) i`);
    // One row larger than any chunk of the stream: it arrives in pieces and must come out whole.
    await pool.query(sql.unsafe`
      insert into warehouse.events (user_id, occurred_at, name, properties) values (${USER_ID}, now(), 'large', jsonb_build_object('path', repeat('é', ${BIG_VALUE}::int)))`);
    EVENTS = await pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from warehouse.events where user_id = ${USER_ID}`);
  });
  after(async () => {
    h.mailer.close();
    await pool.end();
  });

  // The SDK's own activity context, so heartbeats and cancellation go through the code a worker runs.
  const attempt = (requestId: string, format: ExportFormat, cancelWhen?: (p: ExportProgress) => boolean) => {
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 60 * 60 * 1000 });
    const beats: ExportProgress[] = [];
    env.on('heartbeat', (p: ExportProgress) => {
      beats.push(p);
      if (cancelWhen?.(p)) env.cancel();
    });
    const run = env.run(h.activities.exportSubjectData, { requestId, formats: [format] }) as Promise<ExportResult>;
    return { run, beats };
  };

  /** After a cancelled attempt: the export is unfinished, its partial file gone, the snapshot's connection closed. */
  async function assertNothingLeft(requestId: string) {
    const row = await pool.one(sql.type(z.object({ status: z.string(), storage_key: z.string().nullable() }))`
      select status, storage_key from dsrflow.exports where request_id = ${requestId}`);
    assert.equal(row.status, 'building');
    assert.ok(row.storage_key);
    assert.ok(!existsSync(join(h.storageDir, 'exports', row.storage_key)) && !existsSync(join(h.storageDir, 'exports', `${row.storage_key}.partial`)), 'the partial file is removed');
    // The connection was closed mid-COPY; the server ends its transaction when it notices (a hang here is the bug).
    for (;;) {
      const open = await pool.oneFirst(sql.type(z.object({ n: z.number() }))`
        select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'dsrflow-export'`);
      if (open === 0) break;
      await setTimeout(50);
    }
  }

  async function readyFile(requestId: string) {
    const id = await pool.oneFirst(sql.type(z.object({ id: z.uuid() }))`select id from dsrflow.exports where request_id = ${requestId} and status = 'ready'`);
    const created = await pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      select count(*)::int as n from dsrflow.audit_events where request_id = ${requestId} and action = 'export.created'`);
    assert.equal(created, 1);
    return h.plaintextPath(id);
  }

  const assertEveryEventOnce = (ids: number[]) => {
    assert.equal(ids.length, EVENTS, 'every row');
    assert.equal(new Set(ids).size, EVENTS, 'each once');
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in key order');
  };

  test('CSV cancelled inside events.csv: nothing kept, no transaction left open; the retry exports every row once', async () => {
    const requestId = await requestFor(pool, { email: `user${USER_ID}@example.com` });
    const first = attempt(requestId, 'csv', (p) => p.model === 'events' && (p.bytes ?? 0) > 0);
    await assert.rejects(first.run);
    const cut = first.beats.at(-1)!;
    assert.equal(cut.model, 'events');
    assert.ok(cut.bytes! > 0 && cut.rows === null && cut.lastKey === null, `progress of a COPY is its bytes: ${JSON.stringify(cut)}`);
    await assertNothingLeft(requestId);

    const second = attempt(requestId, 'csv');
    const result = await second.run;
    assert.equal(result.outcome, 'exported');
    assert.equal(result.counts.events, EVENTS);
    const inEvents = second.beats.filter((p) => p.model === 'events').map((p) => p.bytes!);
    assert.ok(inEvents.length >= 3, `heartbeats inside events.csv: ${inEvents.join(', ')}`);
    assert.deepEqual(inEvents, [...inEvents].sort((a, b) => a - b), 'bytes only grow');

    const zip = await unzip(await readyFile(requestId));
    const manifest = JSON.parse(zip.get('manifest.json')!.toString('utf8'));
    const events = zip.get('events.csv')!;
    assert.equal(manifest.files.find((f: { name: string }) => f.name === 'events.csv').sha256, createHash('sha256').update(events).digest('hex'));
    assert.equal(manifest.models.find((m: { name: string }) => m.name === 'events').rows, EVENTS);
    const records: string[][] = parseCsv(events);
    assert.equal(records.length, EVENTS + 1, 'a header and the rows');
    assertEveryEventOnce(records.slice(1).map((r) => Number(r[records[0]!.indexOf('id')])));
  });

  test('JSON cancelled inside the events rows: nothing kept, no transaction left open; the retry exports every row once', async () => {
    const requestId = await requestFor(pool, { email: `user${USER_ID}@example.com` });
    const first = attempt(requestId, 'json', (p) => p.model === 'events' && p.rows! > 0);
    await assert.rejects(first.run);
    const cut = first.beats.at(-1)!;
    assert.ok(cut.model === 'events' && cut.rows! > 0 && cut.lastKey !== null, `progress of a row format is its rows and last key: ${JSON.stringify(cut)}`);
    await assertNothingLeft(requestId);

    const second = attempt(requestId, 'json');
    assert.equal((await second.run).outcome, 'exported');
    const inEvents = second.beats.filter((p) => p.model === 'events' && p.rows! > 0);
    assert.ok(inEvents.length >= 3, `heartbeats inside the events rows: ${inEvents.length}`);
    const doc = JSON.parse(readFileSync(await readyFile(requestId), 'utf8'));
    const events = doc.models.find((m: { name: string }) => m.name === 'events');
    assertEveryEventOnce(events.rows.map((r: { id: number }) => r.id));
    const large = events.rows.find((r: { name: string }) => r.name === 'large');
    assert.equal(large.properties.path, 'é'.repeat(BIG_VALUE));
  });
});

describe('DOCX at and over its row limit', () => {
  const USER_ID = 22;
  let pool: DatabasePool;
  let h: Awaited<ReturnType<typeof exportHarness>>;
  before(async () => {
    pool = await exportDatabase('export_docx_limit');
    h = await exportHarness(pool);
  });
  after(async () => {
    h.mailer.close();
    await pool.end();
  });

  const addEvents = (n: number) =>
    pool.query(sql.unsafe`
      insert into warehouse.events (user_id, occurred_at, name, properties)
      select ${USER_ID}, timestamptz '2025-01-01 00:00:00+00' + make_interval(secs => i), 'page_view', jsonb_build_object('path', '/p/' || i)
      from generate_series(1, ${n}::int) i`);

  test(`${DOCX_ROW_LIMIT} rows make one DOCX holding every row; one more and DOCX is skipped with the reason, CSV written instead`, async () => {
    const held = Object.values(await expectedRows(pool, USER_ID)).reduce((n, rows) => n + rows.length, 0);
    await addEvents(DOCX_ROW_LIMIT - held);
    const atLimit = await h.activities.exportSubjectData({ requestId: await requestFor(pool, { email: `user${USER_ID}@example.com` }), formats: ['docx'] });
    assert.deepEqual(atLimit.exports.map((e) => [e.format, e.status]), [['docx', 'ready']]);
    const xml = (await unzip(await h.plaintextPath(atLimit.exportIds[0]!))).get('word/document.xml')!.toString('utf8');
    const count = (tag: string) => xml.split(tag).length - 1;
    assert.equal(count('<w:tr>') - count('<w:tblHeader/>'), DOCX_ROW_LIMIT, 'every row, in tables under one header row each');

    await addEvents(1);
    const over = await h.activities.exportSubjectData({ requestId: await requestFor(pool, { email: `user${USER_ID}@example.com` }), formats: ['docx'] });
    assert.equal(over.outcome, 'exported');
    const docx = over.exports.find((e) => e.format === 'docx')!;
    assert.equal(docx.status, 'skipped');
    assert.match(docx.reason!, new RegExp(`^ROW_LIMIT: ${DOCX_ROW_LIMIT + 1} rows is over the ${DOCX_ROW_LIMIT} rows a DOCX file holds`));
    const written = await pool.any(sql.type(z.object({ format: z.string(), status: z.string() }))`
      select format, status from dsrflow.exports where id = any(${sql.array(over.exportIds, 'uuid')})`);
    assert.deepEqual(written, [{ format: 'csv', status: 'ready' }], 'the subject still gets every row, as CSV');
    const skipped = await pool.one(sql.type(z.object({ details: z.record(z.string(), z.unknown()) }))`
      select details from dsrflow.audit_events where action = 'export.format_skipped' and details->>'exportId' = ${docx.exportId}`);
    assert.deepEqual(skipped.details, { exportId: docx.exportId, format: 'docx', code: 'ROW_LIMIT', rows: DOCX_ROW_LIMIT + 1, limit: DOCX_ROW_LIMIT }, 'audited with the limit');
  });
});

function assertColumns(model: string, header: string[], expected: Expected) {
  if (model === 'users') {
    assert.ok(!header.includes('lifetime_value') && !header.includes('churn_score'), 'computed columns are left out');
  }
  const sample = expected[model]![0];
  if (sample) assert.deepEqual([...header].sort(), Object.keys(sample).sort(), `${model} columns`);
}

const decodeXml = (s: string) => s.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&apos;', "'").replaceAll('&amp;', '&');
const cellText = (cell: string) =>
  [...cell.matchAll(/<w:br\/>|<w:t(?: [^>]*)?>([\s\S]*?)<\/w:t>/g)].map((m) => (m[0] === '<w:br/>' ? '\n' : decodeXml(m[1]!))).join('');
// Text extraction may decompose accents (NFD) and marks page ends ("-- 2 of 8 --"): compare without either.
const squash = (s: string) => s.normalize('NFKC').replace(/-- \d+ of \d+ --/g, '').replace(/\s+/g, '');
