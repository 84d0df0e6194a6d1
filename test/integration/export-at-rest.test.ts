import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { serve, type ServerType } from '@hono/node-server';
import { sql } from 'slonik';
import { z } from 'zod';
import { createExportActivities } from '../../src/activities/export/index.ts';
import { listRequestEvents } from '../../src/db/audit.ts';
import { newKeyEntry, parseKeyRing, type KeyRing } from '../../src/platform/data-keys.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { localFolderStorage } from '../../src/platform/storage.ts';
import { demoDataModel, json, testApp, tokenHeaders } from '../support/app.ts';
import { eventually } from '../support/requests.ts';
import { tempFolder } from '../support/stack.ts';
import { useDevServerWorker, type DevServerSuite } from '../support/workflow-harness.ts';

const TASK_QUEUE = 'export-at-rest';
const KEY_1 = newKeyEntry('ring-1');
const KEY_2 = newKeyEntry('ring-2');

const exportFile = z.object({ id: z.uuid(), format: z.string(), storage_key: z.string().nullable(), sha256: z.string().nullable(), bytes: z.coerce.number().nullable(), data_key_id: z.string().nullable() });

describe('export files at rest: encrypted on disk, byte-identical downloads, rotation, tampering, crypto-shredding', () => {
  const folder = tempFolder('dsrflow-at-rest-');
  const storage = localFolderStorage(folder);
  // The worker writes under key 1 only; the API is given rings of its own below.
  const suite: DevServerSuite = useDevServerWorker(TASK_QUEUE, () => ({ storage, keyRing: parseKeyRing(KEY_1), exportFormats: ['csv', 'json'] }));
  const servers: ServerType[] = [];
  /** The API over a real HTTP server, as a subject's browser reaches it, with the given key ring. */
  async function api(keyRing: KeyRing) {
    const app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: TASK_QUEUE, storage, keyRing });
    const server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    servers.push(server);
    return { app, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }
  after(() => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))));

  const marker = `Quillfeather-${randomUUID().slice(0, 8)}`;
  const email = `at-rest-${randomUUID().slice(0, 8)}@example.com`;
  let requestId: string;
  let files: readonly z.infer<typeof exportFile>[];
  let links: Record<string, string>;
  let ring1: Awaited<ReturnType<typeof api>>;

  before(async () => {
    const pool = suite.pg.pool;
    const userId = await pool.oneFirst(sql.type(z.object({ id: z.coerce.number() }))`
      insert into warehouse.users (customer_id, email, first_name, last_name, country, created_at)
      values (${`cus_${marker}`}, ${email}, 'Ottilie', ${marker}, 'DE', now()) returning id`);
    // Enough rows for several 64 KiB chunks: a damaged byte late in the file is met mid-download.
    await pool.query(sql.unsafe`
      insert into warehouse.events (user_id, occurred_at, name, ip_address, properties)
      select ${userId}, now() - make_interval(secs => i), 'page_view', '10.0.0.1', jsonb_build_object('path', '/p/' || i, 'who', ${marker}::text)
      from generate_series(1, 3000) i`);
    ring1 = await api(parseKeyRing(KEY_1));
    const headers = await tokenHeaders(pool);
    const res = await ring1.app.request('/v1/requests', { method: 'POST', headers, body: JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email }, formats: ['csv', 'json'] }) });
    assert.equal(res.status, 201);
    requestId = (await json(res)).id;
    const statusOf = async () => (await json(await ring1.app.request(`/v1/requests/${requestId}`, { headers }))).status as string;
    const post = (path: string, body: unknown) => ring1.app.request(`/v1/requests/${requestId}/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    await eventually(async () => ((await statusOf()) === 'awaiting_verification' ? true : undefined), 15_000, 'awaiting_verification');
    assert.equal((await post('verification', { outcome: 'verified', method: 'account_authentication' })).status, 200);
    await eventually(async () => ((await statusOf()) === 'in_assessment' ? true : undefined), 15_000, 'in_assessment');
    assert.equal((await post('assessment', { decision: 'approve' })).status, 200);
    const mail = await suite.mail.waitFor((m) => m.to.includes(email) && /data export/.test(m.subject), 60_000);
    links = Object.fromEntries([...mail.text.matchAll(/^(CSV|JSON): http:\/\/localhost:3000(\/downloads\/[A-Za-z0-9_-]{43})$/gm)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
    files = await pool.any(sql.type(exportFile)`select id, format, storage_key, sha256, bytes, data_key_id from dsrflow.exports where request_id = ${requestId} order by format`);
  });

  const fileOf = (format: string) => files.find((f) => f.format === format)!;
  const onDisk = (format: string) => join(folder, 'exports', fileOf(format).storage_key!);

  test('the bytes on disk hold no plaintext of the subject’s rows; the data key is sealed under key 1 in PostgreSQL', async () => {
    assert.deepEqual(files.map((f) => [f.format, f.data_key_id]), [['csv', 'ring-1'], ['json', 'ring-1']]);
    for (const f of files) {
      const bytes = await readFile(onDisk(f.format));
      assert.equal(bytes.subarray(0, 4).toString(), 'DSRF', 'an encrypted file');
      for (const plain of [marker, email, 'page_view']) assert.ok(!bytes.includes(Buffer.from(plain)), `${f.format} on disk holds no "${plain}"`);
    }
  });

  test('a download is byte-identical to the unencrypted file: its recorded SHA-256 and size, and the rows in it', async () => {
    for (const format of ['csv', 'json']) {
      const res = await fetch(ring1.base + links[format]);
      assert.equal(res.status, 200);
      const body = Buffer.from(await res.arrayBuffer());
      const recorded = fileOf(format);
      assert.equal(body.length, recorded.bytes);
      assert.equal(Number(res.headers.get('content-length')), recorded.bytes);
      assert.equal(createHash('sha256').update(body).digest('hex'), recorded.sha256, 'the SHA-256 of the plaintext, taken as it was written');
      if (format === 'json') assert.equal(JSON.parse(body.toString()).models.find((m: { name: string }) => m.name === 'users').rows[0].last_name, marker);
    }
    const created = (await listRequestEvents(suite.pg.pool, requestId)).filter((e) => e.action === 'export.created');
    assert.deepEqual(created.map((e) => (e.details as { sha256: string }).sha256).sort(), files.map((f) => f.sha256).sort(), 'the audit trail has the same hashes');
  });

  test('a download resumes: byte ranges (across 64 KiB chunks, open-ended, the last bytes) match the whole file; 416 past the end; If-Range of another file gets the whole', async () => {
    const url = ring1.base + links.json;
    const whole = Buffer.from(await (await fetch(url)).arrayBuffer());
    const etag = `"${fileOf('json').sha256}"`;
    const size = whole.length;
    assert.ok(size > 2 * 65_536, 'several chunks');
    for (const [range, start, end] of [
      ['bytes=0-99', 0, 99],
      ['bytes=65500-65600', 65_500, 65_600],
      ['bytes=70000-', 70_000, size - 1],
      ['bytes=-300', size - 300, size - 1],
    ] as const) {
      const res = await fetch(url, { headers: { range, 'if-range': etag } });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${size}`, range);
      assert.equal(res.headers.get('etag'), etag);
      const part = Buffer.from(await res.arrayBuffer());
      assert.equal(Number(res.headers.get('content-length')), part.length, range);
      assert.ok(part.equals(whole.subarray(start, end + 1)), `${range}: the same bytes as the whole file`);
    }
    const past = await fetch(url, { headers: { range: `bytes=${size}-` } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${size}`);
    assert.equal((await json(past)).error.code, 'RANGE_NOT_SATISFIABLE');
    const changed = await fetch(url, { headers: { range: 'bytes=0-99', 'if-range': '"another-file"' } });
    assert.equal(changed.status, 200);
    assert.equal(Buffer.from(await changed.arrayBuffer()).length, size);
    const ranges = (await listRequestEvents(suite.pg.pool, requestId)).filter((e) => e.action === 'export.downloaded').map((e) => (e.details as { range?: string }).range);
    assert.ok(ranges.includes(`65500-65600/${size}`), 'each part downloaded is in the audit trail with its range');
  });

  test('key rotation: a file written under key 1 downloads after key 2 is made current; without key 1 it is a clean 503', async () => {
    const rotated = await api(parseKeyRing(`${KEY_2},${KEY_1}`));
    const res = await fetch(rotated.base + links.json);
    assert.equal(res.status, 200);
    assert.equal(createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex'), fileOf('json').sha256);
    const retiredTooEarly = await api(parseKeyRing(KEY_2));
    const refused = await fetch(retiredTooEarly.base + links.json);
    assert.equal(refused.status, 503);
    assert.equal((await json(refused)).error.code, 'DOWNLOAD_UNAVAILABLE');
  });

  test('a changed byte on disk: at the start (or a cut file) a 503 with nothing sent; later, the transfer breaks off short of its Content-Length', async () => {
    const path = onDisk('json');
    const original = await readFile(path);
    assert.ok(original.length > 3 * 65_536, `several chunks (${original.length} bytes)`);
    try {
      const early = Buffer.from(original);
      early[100]! ^= 0x01;
      await writeFile(path, early);
      const refused = await fetch(ring1.base + links.json);
      assert.equal(refused.status, 503);
      assert.equal((await json(refused)).error.code, 'DOWNLOAD_UNAVAILABLE');

      await writeFile(path, original.subarray(0, 9 + 2 * 65_552));
      assert.equal((await fetch(ring1.base + links.json)).status, 503, 'cut at a chunk boundary: refused before anything is sent');

      const late = Buffer.from(original);
      late[late.length - 100]! ^= 0x01;
      await writeFile(path, late);
      const res = await fetch(ring1.base + links.json);
      assert.equal(res.status, 200, 'the start authenticates, so the headers go out');
      let received = 0;
      await assert.rejects(
        pipeline(Readable.fromWeb(res.body! as never), async function* (source) {
          for await (const chunk of source) received += (chunk as Buffer).length;
        }),
        'the client sees a broken transfer, not a complete file',
      );
      assert.ok(received < fileOf('json').bytes!, `fewer bytes than announced (${received} of ${fileOf('json').bytes})`);
    } finally {
      await writeFile(path, original);
    }
    assert.equal((await fetch(ring1.base + links.json)).status, 200, 'restored, it downloads again');
  });

  test('expiry shreds: the data key is destroyed first, then the file; both are in the audit trail; 410 from then on; re-runnable', async () => {
    // The workflow's 7-day timer calls this activity (test/workflow/access-export.test.ts runs the timer itself).
    const activities = createExportActivities({ pool: suite.pg.pool, storage, keyRing: parseKeyRing(KEY_1), dataModel: demoDataModel, logger: createLogger('silent'), publicUrl: 'http://localhost:3000', mailer: { send: async () => {}, close: () => {} } });
    const jsonFile = fileOf('json');
    assert.ok(existsSync(onDisk('json')));
    assert.deepEqual(await activities.expireExport({ exportId: jsonFile.id }), { expired: true });
    assert.deepEqual(await activities.expireExport({ exportId: jsonFile.id }), { expired: true }, 'a retry changes nothing');

    const row = await suite.pg.pool.one(sql.type(z.object({ data_key: z.boolean(), data_key_id: z.string().nullable(), status: z.string() }))`
      select data_key is not null as data_key, data_key_id, status from dsrflow.exports where id = ${jsonFile.id}`);
    assert.deepEqual(row, { data_key: false, data_key_id: null, status: 'expired' }, 'no wrapped key left in PostgreSQL');
    assert.ok(!existsSync(onDisk('json')), 'no file left on disk');
    const events = (await listRequestEvents(suite.pg.pool, requestId)).filter((e) => ['export.key_destroyed', 'export.expired'].includes(e.action) && (e.details as { exportId: string }).exportId === jsonFile.id);
    assert.deepEqual(events.map((e) => e.action), ['export.key_destroyed', 'export.expired'], 'key first, then file, each once');
    assert.equal((events[0]!.details as { keyId: string }).keyId, 'ring-1');

    const gone = await fetch(ring1.base + links.json);
    assert.equal(gone.status, 410);
    assert.equal((await json(gone)).error.code, 'DOWNLOAD_EXPIRED');
    assert.equal((await fetch(ring1.base + links.csv)).status, 200, 'the other export is untouched');
  });

  test('a file written before encryption (no data key) still downloads as it is until it expires', async () => {
    const csv = fileOf('csv');
    const plain = Buffer.from(`customer_id,last_name\ncus_${marker},${marker}\n`);
    const pending = storage.create('zip');
    await pipeline(Readable.from([plain]), pending.stream);
    const written = await pending.commit();
    // As migration 021 leaves an export written before it: ready, a plaintext file, no data key.
    await suite.pg.pool.query(sql.unsafe`
      update dsrflow.exports set storage_key = ${written.key}, sha256 = ${written.sha256}, bytes = ${written.bytes}, data_key = null, data_key_id = null where id = ${csv.id}`);
    const res = await fetch(ring1.base + links.csv);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), plain);
  });
});
