// Deletion push benchmark (issue #5): the hourly push of N pending erasure requests (default 100,000) from
// dsrflow.deletion_queue to <schema>.deletion_requests, against the floor: one plain
// `insert into <a table like deletion_requests> select ... from <staging table holding the same rows>`.
//   node bench/deletion-push.bench.ts [pending=100000] [--repeat=N] [--batch=N] [--modes=floor,loop,workflow] [--cluster]
// Modes, interleaved per repeat so a burst of load elsewhere hits all of them:
//   floor     the plain INSERT ... SELECT from the staging table (prepared beforehand, not timed);
//   loop      the activity `drainDeletionQueue` called directly, as the workflow calls it (batches until one comes back short);
//   workflow  the real `deletionPush` workflow, with the schedule's own arguments, on a Temporal dev server
//             (SQLite file, as `npm start`) with a real worker: timed from the start call to its result.
// Before each run (not timed): target truncated, queue refilled, VACUUM ANALYZE, CHECKPOINT. After each
// push run: exactly N rows landed, once each, with the staging table's values, and nothing left pending.
// --batch overrides the batch size (passed as the workflow input, as a schedule could); --repeat reports medians.
// --cluster: the workflow runs on the Temporal server built from go.temporal.io/server (npm run tools -- install
// --cluster), its databases on the bench's PostgreSQL, instead of the dev server.
// Starts its own embedded PostgreSQL and Temporal dev server on free ports and removes them at the end.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { processCpu } from './proc-cpu.ts';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { newKeyEntry, parseKeyRing } from '../src/platform/data-keys.ts';
import { failureConverterPath, temporalDataConverter } from '../src/platform/payload-codec.ts';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { createDeletionTableActivities } from '../src/activities/deletion-push.ts';
import { ensureDeletionTable } from '../src/warehouse/deletion-table.ts';
import { loadDataModelFile } from '../src/warehouse/data-model-check.ts';
import { loadRetentionPolicyFile } from '../src/warehouse/retention-policy-check.ts';
import { migrate } from '../src/db/migrate.ts';
import { createDatabasePool } from '../src/db/pool.ts';
import { ensureOrganization } from '../src/db/tokens.ts';
import { deletionPushSchedule } from '../src/main/deletion-schedule.ts';
import { startEmbeddedPostgres } from '../src/platform/embedded-postgres.ts';
import { createLogger } from '../src/platform/logger.ts';
import { localFolderStorage } from '../src/platform/storage.ts';
import { startTemporalDevServer } from '../src/platform/temporal-dev-server.ts';
import { clusterBinary } from '../src/platform/cluster-toolchain.ts';
import { freeClusterPorts, setupTemporalDatabases, startTemporalServer } from '../src/platform/temporal-cluster.ts';
import { SEARCH_ATTRIBUTES } from '../src/workflows/search-attributes.ts';
import { locateTool } from '../src/platform/toolchain.ts';
import { DELETION_PUSH_BATCH } from '../src/workflows/deletion-push.ts';
import { createWorker, workflowsPath } from '../src/main/temporal-worker.ts';

const SCHEMA = 'delta_storage';
const FLOOR_SCHEMA = 'bench_floor';
const TASK_QUEUE = 'deletion-push-bench';
// Every column the push carries, the two hashes included: the floor copies the same row width.
const COLUMNS = sql.join(
  ['request_id', 'user_key', 'email', 'customer_id', 'phone', 'email_sha256', 'phone_sha256', 'regulation', 'requested_at'].map((c) => sql.identifier([c])),
  sql.fragment`, `,
);
const MODES = ['floor', 'loop', 'workflow'] as const;
type Mode = (typeof MODES)[number];

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/**
 * CPU seconds PostgreSQL has used so far: the postmaster and its children (backends, WAL writer, checkpointer),
 * including children that have exited (a pool may close an idle backend mid-bench).
 */
function postgresCpuSeconds(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return processCpu().reduce((total, p) => total + (p.pid === postmaster ? p.withReaped : p.ppid === postmaster ? p.own : 0), 0);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** N completed erasure requests with subjects (a tenth without phone, a tenth without user key), in the ledger; every row with both hashes but those without phone. */
async function seed(pool: DatabasePool, pending: number) {
  await ensureOrganization(pool, 'default');
  await pool.query(sql.unsafe`
    insert into dsrflow.requests (id, organization_id, type, regulation, status, channel, received_at, due_at, workflow_id, request_fingerprint, created_by, completed_at)
    select gen_random_uuid(), 'default', 'erasure', (array['GDPR', 'CCPA', 'UK_GDPR'])[1 + i % 3], 'completed', 'api',
           now() - make_interval(mins => i), now() + interval '30 days', 'dsr-bench-' || i, 'bench', 'bench', now()
    from generate_series(1, ${pending}::int) i`);
  await pool.query(sql.unsafe`
    insert into dsrflow.request_subjects (request_id, email, customer_id, full_name, phone)
    select r.id, 'subject-' || substr(r.workflow_id, 11) || '@example.com', 'cus_' || substr(r.workflow_id, 11), 'Zoë O''Brien',
           case when substr(r.workflow_id, 11)::int % 10 = 0 then null else '+34 600 ' || lpad(substr(r.workflow_id, 11), 6, '0') end
    from dsrflow.requests r where r.workflow_id like 'dsr-bench-%'`);
  // enqueued_at spread over the last hour, in request order: the push's order is (enqueued_at, request_id).
  await pool.query(sql.unsafe`
    insert into dsrflow.deletion_outbox (request_id, user_key, regulation, requested_at, enqueued_at)
    select r.id, case when n % 10 = 0 then null else (1000000 + n)::text end, r.regulation, r.received_at,
           now() - make_interval(secs => 3600.0 * n / ${pending}::int)
    from (select r.*, substr(r.workflow_id, 11)::int as n from dsrflow.requests r where r.workflow_id like 'dsr-bench-%') r`);
  await ensureDeletionTable(pool, SCHEMA);
  await ensureDeletionTable(pool, FLOOR_SCHEMA);
  // The floor's input: the same rows, already joined, in a plain table. The queue is filled from it by reset(). The
  // hashes as enqueueDeletion writes them (64 hex characters each; the phone's of its E.164 form, digits only here).
  await pool.query(sql.unsafe`
    create table ${sql.identifier([FLOOR_SCHEMA, 'staging'])} as
    select o.request_id, o.user_key, s.email, s.customer_id, s.phone,
           encode(sha256(convert_to(lower(s.email), 'UTF8')), 'hex') as email_sha256,
           encode(sha256(convert_to('+' || regexp_replace(s.phone, '[^0-9]', '', 'g'), 'UTF8')), 'hex') as phone_sha256,
           o.regulation, o.requested_at
    from dsrflow.deletion_outbox o left join dsrflow.request_subjects s using (request_id) order by o.enqueued_at, o.request_id`);
}

/**
 * Untimed: empty targets, the queue holding every row again (as enqueueDeletion writes it, in enqueue order), tables
 * vacuumed and analyzed, dirty pages flushed.
 */
async function reset(pool: DatabasePool) {
  await pool.query(sql.unsafe`truncate ${sql.identifier([SCHEMA, 'deletion_requests'])}, ${sql.identifier([FLOOR_SCHEMA, 'deletion_requests'])}, dsrflow.deletion_queue restart identity`);
  await pool.query(sql.unsafe`
    insert into dsrflow.deletion_queue (${COLUMNS}) select ${COLUMNS} from ${sql.identifier([FLOOR_SCHEMA, 'staging'])}`);
  for (const table of [['dsrflow', 'deletion_queue'], [FLOOR_SCHEMA, 'staging'], [SCHEMA, 'deletion_requests'], [FLOOR_SCHEMA, 'deletion_requests']]) {
    await pool.query(sql.unsafe`vacuum analyze ${sql.identifier(table)}`);
  }
  await pool.query(sql.unsafe`checkpoint`);
}

/** Exactly `pending` rows landed in `schema`, once each, equal to the staging rows; none left pending (push runs). */
async function verify(pool: DatabasePool, schema: string, pending: number, push: boolean) {
  const check = await pool.one(sql.type(z.object({ landed: z.number(), distinct_ids: z.number(), seqs: z.number(), mismatched: z.number(), still_pending: z.number() }))`
    select (select count(*)::int from ${sql.identifier([schema, 'deletion_requests'])}) as landed,
           (select count(distinct request_id)::int from ${sql.identifier([schema, 'deletion_requests'])}) as distinct_ids,
           (select count(distinct seq)::int from ${sql.identifier([schema, 'deletion_requests'])}) as seqs,
           (select count(*)::int from ${sql.identifier([FLOOR_SCHEMA, 'staging'])} s
              full join ${sql.identifier([schema, 'deletion_requests'])} d using (request_id)
              where s.request_id is null or d.request_id is null
                 or (s.user_key, s.email, s.customer_id, s.phone, s.email_sha256, s.phone_sha256, s.regulation, s.requested_at)
                    is distinct from (d.user_key, d.email, d.customer_id, d.phone, d.email_sha256, d.phone_sha256, d.regulation, d.requested_at)) as mismatched,
           (select count(*)::int from dsrflow.deletion_queue) as still_pending`);
  const ok = check.landed === pending && check.distinct_ids === pending && check.seqs === pending && check.mismatched === 0 && (!push || check.still_pending === 0);
  if (!ok) throw new Error(`verification failed in ${schema}: ${JSON.stringify(check)}`);
}

async function startDevTemporal(dir: string) {
  const cli = locateTool('cli');
  if (cli.source === 'cached-download') throw new Error('no Temporal CLI: run `npm run tools` or set TEMPORAL_CLI_PATH');
  return startTemporalDevServer({ cliPath: cli.path, dbFile: join(dir, 'temporal.sqlite'), port: await freePort(), uiPort: await freePort(), namespace: 'default', searchAttributes: SEARCH_ATTRIBUTES });
}

/** The production server, its two databases on the bench's PostgreSQL (whose CPU figures then include Temporal's). */
async function startClusterTemporal(pgPort: number, dir: string) {
  const postgres = { host: '127.0.0.1', port: pgPort, user: 'postgres', password: 'postgres' };
  await setupTemporalDatabases({ sqlPath: clusterBinary('sql'), postgres });
  return startTemporalServer({ serverPath: clusterBinary('server'), dir: join(dir, 'temporal'), postgres, ports: await freeClusterPorts(), namespace: 'default', searchAttributes: SEARCH_ATTRIBUTES });
}

async function main(pending: number, repeat: number, modes: Mode[], batchOverride: number | undefined, cluster: boolean) {
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
  const dir = mkdtempSync(join(tmpdir(), 'dsrflow-bench-push-'));
  const pgPort = await freePort();
  const pgHandle = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: pgPort, persistent: false, settings: { max_connections: '200' } });
  const stops: Array<() => Promise<unknown>> = [() => pgHandle.stop()];
  try {
    await migrate(pgHandle.url);
    // The worker's pool as production opens it (createDatabasePool defaults); a separate one for setup and checks.
    const admin = await createDatabasePool(pgHandle.url, { maximumPoolSize: 1 });
    const pool = await createDatabasePool(pgHandle.url);
    stops.unshift(() => pool.end(), () => admin.end());
    let t = performance.now();
    await seed(admin, pending);
    console.error(`seeded ${pending} pending deletion requests in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const dev = cluster ? await startClusterTemporal(pgPort, dir) : await startDevTemporal(dir);
    stops.unshift(() => dev.stop());
    const connection = await Connection.connect({ address: dev.address });
    const nativeConnection = await NativeConnection.connect({ address: dev.address });
    stops.unshift(() => connection.close(), () => nativeConnection.close());
    // Sealed as in production: the figures include the payload codec.
    const keyRing = parseKeyRing(newKeyEntry('bench-1'));
    const client = new Client({ connection, namespace: 'default', dataConverter: temporalDataConverter(keyRing) });
    const deps = {
      pool,
      mailer: { send: async () => {}, close: () => {} },
      logger: createLogger('silent'),
      publicUrl: 'http://bench',
      staffEmail: 'bench@dsrflow.test',
      storage: localFolderStorage(join(dir, 'exports')),
    keyRing: parseKeyRing(newKeyEntry('bench')),
      dataModel: await loadDataModelFile(),
      retentionPolicy: await loadRetentionPolicyFile(),
      deletionRequestsSchema: SCHEMA,
    };
    t = performance.now();
    const bundle = await bundleWorkflowCode({ workflowsPath, failureConverterPath, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } });
    const worker = await createWorker({ connection: nativeConnection, namespace: 'default', taskQueue: TASK_QUEUE, keyRing, deps, workflowBundle: { code: bundle.code } });
    const running = worker.run();
    stops.unshift(async () => {
      worker.shutdown();
      await running;
    });
    console.error(`${cluster ? 'Temporal server' : 'dev server'}, workflow bundle and worker ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // What the Schedule starts, with the batch size override (if any) as its input.
    const action = deletionPushSchedule(TASK_QUEUE).action as { workflowType: string; args: Array<{ batchSize?: number }> };
    const input = { ...action.args[0], ...(batchOverride ? { batchSize: batchOverride } : {}) };
    const batchSize = input.batchSize ?? DELETION_PUSH_BATCH;
    const activities = createDeletionTableActivities(deps);

    const pgData = pgHandle.dataDir; // where the launcher placed it (another folder when it runs PostgreSQL as another user)
    const run = async (mode: Mode, i: number): Promise<{ ms: number; batches: number; activityMs: number; pgCpu: number }> => {
      await reset(admin);
      const cpuBefore = postgresCpuSeconds(pgData);
      const started = performance.now();
      let batches = 0;
      if (mode === 'floor') {
        await admin.query(sql.unsafe`insert into ${sql.identifier([FLOOR_SCHEMA, 'deletion_requests'])} (${COLUMNS}) select ${COLUMNS} from ${sql.identifier([FLOOR_SCHEMA, 'staging'])}`);
        batches = 1;
      } else if (mode === 'loop') {
        // The workflow's loop (src/workflows/deletion-push.ts), calling the activity function directly.
        for (;;) {
          const result = await activities.drainDeletionQueue({ batchSize });
          batches += result.batches;
          if (!result.more) break;
        }
      } else {
        const result = (await client.workflow.execute(action.workflowType, { args: [input], taskQueue: TASK_QUEUE, workflowId: `deletion-push-bench-${i}` })) as { moved: number; batches: number };
        if (result.moved !== pending) throw new Error(`the workflow reported ${result.moved} rows moved, expected ${pending}`);
        batches = result.batches;
      }
      const ms = performance.now() - started;
      const pgCpu = postgresCpuSeconds(pgData) - cpuBefore;
      // Of the workflow's wall time, how long its activities ran (ActivityTaskStarted to ActivityTaskCompleted);
      // the rest is Temporal: the start, workflow tasks, scheduling each activity and recording its result.
      let activityMs = 0;
      if (mode === 'workflow') {
        const history = await client.workflow.getHandle(`deletion-push-bench-${i}`).fetchHistory();
        const at = (time: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(time!.seconds) * 1000 + (time!.nanos ?? 0) / 1e6;
        const startedAt = new Map<number, number>();
        for (const e of history.events ?? []) {
          if (e.activityTaskStartedEventAttributes) startedAt.set(Number(e.eventId), at(e.eventTime));
          const done = e.activityTaskCompletedEventAttributes;
          if (done) activityMs += at(e.eventTime) - startedAt.get(Number(done.startedEventId))!;
        }
      }
      await verify(admin, mode === 'floor' ? FLOOR_SCHEMA : SCHEMA, pending, mode !== 'floor');
      const inActivities = mode === 'workflow' ? `, ${(activityMs / 1000).toFixed(2)} s in activities` : '';
      console.error(`  run ${i + 1} ${mode}: ${(ms / 1000).toFixed(2)} s, PostgreSQL CPU ${pgCpu.toFixed(2)} s (${batches} batch${batches === 1 ? '' : 'es'}${inActivities}), verified`);
      return { ms, batches, activityMs, pgCpu };
    };

    const runs = new Map<Mode, Array<{ ms: number; batches: number; activityMs: number; pgCpu: number }>>();
    for (let i = 0; i < repeat; i++) for (const mode of modes) runs.set(mode, [...(runs.get(mode) ?? []), await run(mode, i)]);

    const floorMs = runs.has('floor') ? median(runs.get('floor')!.map((r) => r.ms)) : NaN;
    const floorCpu = runs.has('floor') ? median(runs.get('floor')!.map((r) => r.pgCpu)) : NaN;
    const label: Record<Mode, string> = {
      floor: 'INSERT ... SELECT from staging (floor)',
      loop: `activity loop, batch ${batchSize}`,
      workflow: `deletionPush workflow (${cluster ? 'Temporal server on PostgreSQL' : 'dev server'} + worker), batch ${batchSize}`,
    };
    const lines = [
      `pending ${pending}, ${repeat} run(s) each, medians`,
      '',
      '| what | batches | wall s (median) | min-max s | rows/s | x floor | PostgreSQL CPU s (median) | x floor (CPU) |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    ];
    for (const mode of modes) {
      const ms = runs.get(mode)!.map((r) => r.ms);
      const m = median(ms);
      const cpu = median(runs.get(mode)!.map((r) => r.pgCpu));
      lines.push(
        `| ${label[mode]} | ${runs.get(mode)![0]!.batches} | ${(m / 1000).toFixed(2)} | ${(Math.min(...ms) / 1000).toFixed(2)}-${(Math.max(...ms) / 1000).toFixed(2)} | ${Math.round(pending / (m / 1000)).toLocaleString('en-US')} | ${(m / floorMs).toFixed(2)} | ${cpu.toFixed(2)} | ${(cpu / floorCpu).toFixed(2)} |`,
      );
    }
    if (runs.has('workflow')) {
      const wf = runs.get('workflow')!;
      lines.push('', `workflow runs: median ${(median(wf.map((r) => r.activityMs)) / 1000).toFixed(2)} s inside activities, ${(median(wf.map((r) => r.ms - r.activityMs)) / 1000).toFixed(2)} s in Temporal around them`);
    }
    console.log(lines.join('\n'));
  } finally {
    for (const stop of stops) await stop().catch((error: unknown) => console.error('while stopping:', error));
    await Runtime.instance().shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const modes = (option('modes')?.split(',') ?? [...MODES]) as Mode[];
for (const m of modes) if (!MODES.includes(m)) throw new Error(`unknown mode ${m}: one of ${MODES.join(', ')}`);
const batch = option('batch') ? Number(option('batch')) : undefined;
if (batch !== undefined && !(Number.isInteger(batch) && batch > 0)) throw new Error('--batch must be a positive integer');
await main(Number(args.find((a) => !a.startsWith('--')) ?? 100_000), Math.max(1, Number(option('repeat') ?? 1)), modes, batch, args.includes('--cluster'));
