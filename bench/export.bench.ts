// Export benchmark: a subject with 10k / 100k / 1M related rows in the demo warehouse; wall time and peak RSS per
// format, against the floor: the CSV export's own COPY (query) TO STDOUT (FORMAT csv, HEADER), into a plain file.
//   node bench/export.bench.ts [sizes...] [--formats=csv,json] [--repeat=N] [--cluster]
//   node bench/export.bench.ts --cipher   (the file cipher alone: MiB/s both ways)
//   e.g. node bench/export.bench.ts 10000 100000;  node bench/export.bench.ts 1000000 --formats=csv,json --repeat=3
// --formats: which formats to measure (default all five); --unencrypted: also each format written without the file
// cipher (files are encrypted at rest; this prices the cipher); --repeat: run each measurement N times (COPY included)
// and report the median of each, the ratio being median over median (the build machine is shared and noisy).
// Each measurement runs in a child process of its own, so its peak RSS is its own. Starts its own embedded
// PostgreSQL on a free port and removes it at the end.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { sql } from 'slonik';
import { checkDataModel, loadDataModelFile } from '../src/warehouse/data-model-check.ts';
import { copyCsvStatement } from '../src/warehouse/subject-rows.ts';
import { createExportActivities } from '../src/activities/export/index.ts';
import type { ExportFormat } from '../src/domain/data-model.ts';
import { migrate } from '../src/db/migrate.ts';
import { createDatabasePool } from '../src/db/pool.ts';
import { insertRequest } from '../src/db/requests.ts';
import { seedDemoWarehouse } from '../src/db/seed.ts';
import { ensureOrganization } from '../src/db/tokens.ts';
import { startEmbeddedPostgres } from '../src/platform/embedded-postgres.ts';
import { seedBulkSubject } from '../test/support/bulk-subject.ts';
import { startClusterStack } from '../src/main/cluster.ts';
import { freeClusterPorts } from '../src/platform/temporal-cluster.ts';
import { z } from 'zod';
import { createLogger } from '../src/platform/logger.ts';
import { newKeyEntry, parseKeyRing } from '../src/platform/data-keys.ts';
import { decryptingStream, encryptingStream } from '../src/platform/file-cipher.ts';
import type { SealedFileStore } from '../src/platform/sealed-files.ts';
import { localFolderStorage, type ExportStorage } from '../src/platform/storage.ts';

const SELF = fileURLToPath(import.meta.url);
const BENCH_USER = 1_000_000;
const FORMATS: ExportFormat[] = ['csv', 'json', 'xml', 'docx', 'pdf'];

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** Files as they were written before encryption at rest (no cipher): the comparison for the cipher's cost. */
function plaintextFiles(storage: ExportStorage): SealedFileStore {
  return {
    create(extension) {
      const pending = storage.create(extension);
      return { ...pending, commit: async () => ({ ...(await pending.commit()), wrappedKey: Buffer.alloc(48), keyId: 'none' }) };
    },
    read: (key) => storage.read(key),
    readRange: async (key, _wrapped, start, end) => storage.read(key, { start, end }),
    size: (key) => storage.size(key),
    delete: (key) => storage.delete(key),
  };
}

/** Child: one measurement, printed as a JSON line. */
async function child(kind: string, url: string) {
  const pool = await createDatabasePool(url, { maximumPoolSize: 2 });
  const dir = mkdtempSync(join(tmpdir(), 'dsrflow-bench-'));
  const model = await loadDataModelFile();
  // Before the clock starts, for every kind alike: the pool's first connection, and (exports) the request recorded
  // as the API would. The clock then counts the activity call only, or the floor's own work.
  await pool.query(sql.unsafe`select 1`);
  const requestId = randomUUID();
  if (kind !== 'copy') {
    const now = new Date().toISOString();
    await insertRequest(pool, {
      id: requestId, organizationId: 'default', type: 'access', regulation: 'GDPR', channel: 'api', receivedAt: now, dueAt: now, acknowledgeBy: null,
      workflowId: `bench-${requestId}`, idempotencyKey: null, fingerprint: 'bench', createdBy: 'bench', subject: { email: 'bench@example.com' },
    });
  }
  const baseline = process.memoryUsage().rss;
  const started = performance.now();
  let bytes = 0;
  let rows = 0;
  let status = 'ready';
  if (kind === 'copy') {
    // The floor: the data-model check, a connection of its own, and the very statement the CSV export runs per
    // model, into plain files (no zip, no hash, no bookkeeping).
    const resolved = await checkDataModel(pool, model);
    const client = new pg.Client(url);
    await client.connect();
    for (const m of resolved.models) {
      const out = createWriteStream(join(dir, `${m.name}.csv`));
      const copy = client.query(copyTo(copyCsvStatement(m, String(BENCH_USER))));
      copy.on('data', (c: Buffer) => (bytes += c.length));
      await pipeline(copy, out);
    }
    await client.end();
  } else {
    const [format, variant] = kind.split(':') as [ExportFormat, string | undefined];
    const storage = localFolderStorage(dir);
    const activities = createExportActivities({
      pool,
      storage,
      // 'csv:plain': the same export with files written unencrypted, to price the cipher against the same run.
      ...(variant === 'plain' ? { files: plaintextFiles(storage) } : {}),
      // Files are encrypted at rest (chunked AES-256-GCM): the cost is part of every figure.
      keyRing: parseKeyRing(newKeyEntry('bench')),
      dataModel: model,
      logger: createLogger('silent'),
      publicUrl: 'http://bench',
      mailer: { send: async () => {}, close: () => {} },
    });
    const result = await activities.exportSubjectData({ requestId, formats: [format] });
    const mine = result.exports.find((e) => e.format === format);
    status = mine?.status ?? 'missing';
    bytes = mine?.bytes ?? 0;
    rows = Object.values(result.counts).reduce((a, b) => a + b, 0);
  }
  const ms = performance.now() - started;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  await pool.end();
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ kind, ms, bytes, rows, status, baselineMb: baseline / 2 ** 20, peakMb: peakRss / 2 ** 20 }));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(sizes: number[], formats: ExportFormat[], repeat: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'dsrflow-bench-pg-'));
  const handle = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pg'), port: await freePort(), persistent: false });
  try {
    await migrate(handle.url);
    const pool = await createDatabasePool(handle.url, { maximumPoolSize: 2 });
    await ensureOrganization(pool, 'default');
    await seedDemoWarehouse(pool, { users: 1000 });
    await pool.end();
    const lines: string[] = ['| related rows | format | status | wall s | x COPY | file MB | peak RSS MB |', '|---:|---|---|---:|---:|---:|---:|'];
    for (const size of sizes) {
      await seedBulkSubject(handle.url, size);
      const once = (kind: string) =>
        JSON.parse(execFileSync(process.execPath, [SELF, '--child', kind, handle.url], { encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split('\n').at(-1)!);
      // Repeats interleave the kinds (copy, csv, json, copy, csv, json, ...) so a burst of load elsewhere hits all.
      const runs = new Map<string, Array<{ ms: number; bytes: number; status: string; peakMb: number }>>();
      for (let i = 0; i < repeat; i++) {
        for (const kind of ['copy', ...formats]) {
          const r = once(kind);
          runs.set(kind, [...(runs.get(kind) ?? []), r]);
          if (repeat > 1) console.error(`  ${size} ${kind} run ${i + 1}: ${(r.ms / 1000).toFixed(2)} s, ${r.peakMb.toFixed(0)} MB`);
        }
      }
      const run = (kind: string) => {
        const rs = runs.get(kind)!;
        return { ...rs[0]!, ms: median(rs.map((r) => r.ms)), peakMb: Math.max(...rs.map((r) => r.peakMb)) };
      };
      const floor = run('copy');
      lines.push(`| ${size} | COPY csv (floor) | - | ${(floor.ms / 1000).toFixed(2)} | 1.00 | ${(floor.bytes / 2 ** 20).toFixed(1)} | ${floor.peakMb.toFixed(0)} |`);
      for (const format of formats) {
        const r = run(format);
        lines.push(`| ${size} | ${format} | ${r.status} | ${(r.ms / 1000).toFixed(2)} | ${(r.ms / floor.ms).toFixed(2)} | ${(r.bytes / 2 ** 20).toFixed(1)} | ${r.peakMb.toFixed(0)} |`);
        console.error(lines.at(-1));
      }
    }
    console.log(lines.join('\n'));
  } finally {
    await handle.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * --cluster: the export as production runs it, on the cluster stack (Temporal server on PostgreSQL, a worker process,
 * the API): an access request for the bench subject opened, verified and approved through the API, timed from the
 * approval to every format ready, against the same COPY floor on the same database.
 */
async function clusterMain(sizes: number[], formats: ExportFormat[]) {
  const stack = await startClusterStack({
    dataDir: mkdtempSync(join(tmpdir(), 'dsrflow-bench-cluster-')),
    pgPort: await freePort(),
    temporalPorts: await freeClusterPorts(),
    uiPort: null,
    apiPort: await freePort(),
    workers: 1,
    demoUsers: 1000,
    env: { LOG_LEVEL: 'warn', EXPORT_FORMATS: formats.join(',') },
  });
  const pool = await createDatabasePool(stack.databaseUrl, { maximumPoolSize: 2 });
  const call = async (path: string, body: unknown) => {
    const answer = await fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${stack.ownerToken}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: JSON.stringify(body) });
    if (answer.status >= 300) throw new Error(`${path}: ${answer.status} ${await answer.text()}`);
    return (await answer.json()) as { id: string };
  };
  const statusOf = (id: string) => pool.oneFirst(sql.type(z.object({ status: z.string() }))`select status from dsrflow.requests where id = ${id}`);
  const until = async (id: string, status: string) => {
    while ((await statusOf(id)) !== status) await new Promise((r) => setTimeout(r, 100));
  };
  const lines = ['| related rows | formats | COPY floor s | cluster: approval to files ready s | x COPY |', '|---:|---|---:|---:|---:|'];
  try {
    for (const size of sizes) {
      await seedBulkSubject(stack.databaseUrl, size);
      const floor = JSON.parse(execFileSync(process.execPath, [SELF, '--child', 'copy', stack.databaseUrl], { encoding: 'utf8' }).trim().split('\n').at(-1)!);
      const { id } = await call('/v1/requests', { type: 'access', regulation: 'GDPR', subject: { email: 'bench@example.com' } });
      await until(id, 'awaiting_verification');
      await call(`/v1/requests/${id}/verification`, { outcome: 'verified', method: 'document_check' });
      await until(id, 'in_assessment');
      const started = performance.now();
      await call(`/v1/requests/${id}/assessment`, { decision: 'approve' });
      await until(id, 'completed');
      const seconds = (performance.now() - started) / 1000;
      lines.push(`| ${size} | ${formats.join(', ')} | ${(floor.ms / 1000).toFixed(2)} | ${seconds.toFixed(2)} | ${(seconds / (floor.ms / 1000)).toFixed(2)} |`);
      console.error(lines.at(-1));
    }
    console.log(lines.join('\n'));
  } finally {
    await pool.end();
    await stack.stop();
  }
}

/** --cipher: the file cipher alone, in memory, both ways: what encryption adds per MiB of file, whatever the format. */
async function cipherThroughput(mib: number, repeat: number) {
  const key = randomBytes(32);
  const plain = randomBytes(mib * 2 ** 20);
  const pieces = Array.from({ length: mib * 16 }, (_, i) => plain.subarray(i * 65_536, (i + 1) * 65_536));
  const through = async (source: Iterable<Buffer>, transform: Transform) => {
    const out: Buffer[] = [];
    const started = performance.now();
    await pipeline(Readable.from(source), transform, async function* (s) {
      for await (const c of s) out.push(c as Buffer);
    });
    return { ms: performance.now() - started, out };
  };
  const enc: number[] = [];
  const dec: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const e = await through(pieces, encryptingStream(key));
    const d = await through(e.out, decryptingStream(key));
    if (Buffer.compare(Buffer.concat(d.out), plain) !== 0) throw new Error('the cipher did not give the file back');
    enc.push(e.ms);
    dec.push(d.ms);
  }
  const rate = (ms: number) => (mib / (ms / 1000)).toFixed(0);
  console.log(`| file cipher, ${mib} MiB | encrypt ${rate(median(enc))} MiB/s | decrypt ${rate(median(dec))} MiB/s | (median of ${repeat}) |`);
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!);
else if (process.argv.includes('--cipher')) await cipherThroughput(256, 5);
else {
  const args = process.argv.slice(2);
  const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const sizes = args.filter((a) => !a.startsWith('--')).map(Number).filter((n) => n > 0);
  const formats = (option('formats')?.split(',') ?? FORMATS) as ExportFormat[];
  for (const f of formats) if (!FORMATS.includes(f)) throw new Error(`unknown format ${f}: one of ${FORMATS.join(', ')}`);
  // --unencrypted: each format also written without the file cipher, interleaved, so the cipher's cost is measured.
  if (args.includes('--unencrypted')) formats.push(...formats.map((f) => `${f}:plain` as ExportFormat));
  if (args.includes('--cluster')) await clusterMain(sizes.length ? sizes : [1_000_000], option('formats') ? formats : ['csv', 'json']);
  else await main(sizes.length ? sizes : [10_000, 100_000], formats, Math.max(1, Number(option('repeat') ?? 1)));
}
