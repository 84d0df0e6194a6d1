import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { BackendTerminatedError, sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { createDeletionTableActivities } from '../../src/activities/deletion-push.ts';
import { enqueueDeletion, ensureDeletionTable, pushDeletionBatch } from '../../src/warehouse/deletion-table.ts';
import { withHashes } from '../../src/warehouse/identifier-hashes.ts';
import { createLogger } from '../../src/platform/logger.ts';
import type { deletionPush } from '../../src/workflows/deletion-push.ts';
import { ensureDeletionPushSchedule } from '../../src/main/deletion-schedule.ts';
import { migrate } from '../../src/db/migrate.ts';
import { ensureOrganization } from '../../src/db/tokens.ts';
import { databaseUrl, freshDatabase } from '../support/databases.ts';
import { bundleEarlierWorkflows } from '../support/earlier-code.ts';
import { eventually, recordRequest } from '../support/requests.ts';
import { workflowBundle } from '../support/stack.ts';
import { useDevServerWorker } from '../support/workflow-harness.ts';

const TASK_QUEUE = 'deletion-push';
const landedRow = z.object({ request_id: z.string(), n: z.number(), email: z.string().nullable(), regulation: z.string() });
// Every queued row, whatever other test files left in the shared queue: the rows of a test are then in the batch.
const ALL = 1_000_000;

/** Erasure requests entered into the ledger (and so the queue), one per user key. */
async function enqueued(pool: DatabasePool, userKeys: Array<string | null>): Promise<string[]> {
  const ids: string[] = [];
  for (const userKey of userKeys) {
    const { row } = await recordRequest(pool, { type: 'erasure', regulation: 'GDPR' });
    await enqueueDeletion(pool, row.id, userKey);
    ids.push(row.id);
  }
  return ids;
}

/** How many times each id is in `schema`.deletion_requests, and how many of them are still queued. */
async function state(pool: DatabasePool, schema: string, ids: string[]) {
  const counts = await pool.anyFirst(sql.type(z.object({ n: z.number() }))`
    select (select count(*)::int from ${sql.identifier([schema, 'deletion_requests'])} d where d.request_id = i.id) as n
    from unnest(${sql.array(ids, 'uuid')}) with ordinality as i (id, k) order by i.k`);
  const pending = await pool.oneFirst(sql.type(z.object({ n: z.number() }))`
    select count(*)::int as n from dsrflow.deletion_queue where request_id = any(${sql.array(ids, 'uuid')})`);
  return { landed: counts, pending };
}

// deletionPush as it was before the 'deletion-push-drain' patch (one activity per batch): first before the
// 'deletion-push-batch-10k' patch (batches of 1,000), then with it. Histories recorded with each must replay.
const PUSH_PER_BATCH = (batchSize: string) => `
import { patched, proxyActivities } from '@temporalio/workflow';
const { pushDeletionRequests } = proxyActivities<any>({ startToCloseTimeout: '5 minutes', retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes' } });
export async function deletionPush(input: { batchSize?: number } = {}) {
  const batchSize = input.batchSize ?? ${batchSize};
  let moved = 0;
  let batches = 0;
  for (;;) {
    const result = await pushDeletionRequests({ batchSize });
    moved += result.moved;
    batches += 1;
    if (result.moved < batchSize) return { moved, batches };
  }
}
`;
const EARLIER_PUSHES = [
  { name: 'batches of 1,000', source: PUSH_PER_BATCH('1000'), batch: 1000 },
  { name: 'batches of 10,000 behind deletion-push-batch-10k', source: PUSH_PER_BATCH("(patched('deletion-push-batch-10k') ? 10000 : 1000)"), batch: 10_000 },
];

describe('the hourly deletion_requests push, run by a Temporal Schedule on the dev server', () => {
  const suite = useDevServerWorker(TASK_QUEUE);

  test('created idempotently; triggered, rows land once; triggered again, no duplicates', async () => {
    const pool = suite.pg.pool;
    await ensureDeletionTable(pool);
    await ensureDeletionTable(pool);
    const requests = await Promise.all([1, 2, 3].map(() => recordRequest(pool, { type: 'erasure', regulation: 'GDPR' })));
    for (const [i, r] of requests.entries()) await enqueueDeletion(pool, r.row.id, i === 2 ? null : `${100 + i}`);
    const ids = requests.map((r) => r.row.id);
    // A row already in the table (the app database restored from a backup older than the warehouse): the primary
    // key refuses the batch, which runs again skipping that row.
    await pool.query(sql.unsafe`
      insert into delta_storage.deletion_requests (request_id, user_key, regulation, requested_at) values (${ids[0]!}, '100', 'GDPR', now())`);

    const scheduleId = `deletion-push-${crypto.randomUUID().slice(0, 8)}`;
    assert.equal(await ensureDeletionPushSchedule(suite.env.client, TASK_QUEUE, scheduleId), 'created');
    assert.equal(await ensureDeletionPushSchedule(suite.env.client, TASK_QUEUE, scheduleId), 'updated', 'a second worker start updates it');
    const handle = suite.env.client.schedule.getHandle(scheduleId);
    const described = await handle.describe();
    assert.equal(described.policies.overlap, ScheduleOverlapPolicy.SKIP);
    assert.equal(described.policies.catchupWindow, 86_400_000);
    assert.deepEqual(described.spec.intervals?.map((i) => i.every), [3_600_000]);

    const landed = () => pool.any(sql.type(landedRow)`
      select d.request_id::text, count(*) over (partition by d.request_id)::int as n, d.email, d.regulation
      from delta_storage.deletion_requests d where d.request_id = any(${sql.array(ids, 'uuid')}) order by d.request_id`);
    const pending = () => pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      select count(*)::int as n from dsrflow.deletion_queue where request_id = any(${sql.array(ids, 'uuid')})`);

    await handle.trigger();
    await eventually(async () => ((await pending()) === 0 ? true : undefined), 20_000, 'the outbox to be pushed');
    const first = await landed();
    assert.equal(first.length, 3);
    assert.ok(first.every((r) => r.n === 1 && r.regulation === 'GDPR'));
    const byId = new Map(first.map((r) => [r.request_id, r]));
    assert.equal(byId.get(ids[1]!)?.email, requests[1]!.subject.email, 'the identifiers travel with the row');

    // Let the first run finish, then trigger again. Not within the same second: a run's workflow id is the
    // schedule id and the time to the second, so a trigger in that second collides with the first run's id and
    // starts nothing (a push of 3 rows now takes ~0.1 s; seen in CI). ALLOW_ALL in case the scheduler still counts
    // the closed run as running. A second run over rows already pushed must land nothing either way.
    await eventually(async () => ((await handle.describe()).info.runningActions.length === 0 ? true : undefined), 20_000, 'the first run to finish');
    const firstTakenAt = (await handle.describe()).info.recentActions[0]!.takenAt.getTime();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.floor(firstTakenAt / 1000) * 1000 + 1100 - Date.now())));
    await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
    await eventually(async () => ((await handle.describe()).info.recentActions.length >= 2 ? true : undefined), 20_000, 'the second run');
    await eventually(async () => {
      const runs = (await handle.describe()).info.runningActions.length;
      return runs === 0 ? true : undefined;
    }, 20_000, 'the second run to finish');
    assert.deepEqual((await landed()).map((r) => r.n), [1, 1, 1], 'no duplicates');
    assert.equal(await pushDeletionBatch(pool, 'delta_storage', 10), 0, 'nothing left to move');
    await handle.delete();
  });

  test('a push killed midway lands nothing and leaves its rows pending; the next push moves each once', async () => {
    const pool = suite.pg.pool;
    const schema = 'deletion_push_crash';
    await ensureDeletionTable(pool, schema);
    const ids = await enqueued(pool, ['201', 'stall', '203']);
    // The insert stalls on the second row, after the first is inserted and the batch deleted from the queue; then its backend is killed.
    await pool.query(sql.unsafe`
      create function deletion_push_crash.stall() returns trigger language plpgsql as $$
      begin if new.user_key = 'stall' then perform pg_sleep(30); end if; return new; end $$`);
    await pool.query(sql.unsafe`
      create trigger stall before insert on deletion_push_crash.deletion_requests for each row execute function deletion_push_crash.stall()`);
    // Its rejection is awaited from the start: the kill can reach it before the terminate call returns.
    const killed = assert.rejects(pushDeletionBatch(pool, schema, ALL), BackendTerminatedError);
    const pid = await eventually(
      async () => (await pool.maybeOneFirst(sql.type(z.object({ pid: z.number() }))`
        select pid from pg_stat_activity where wait_event = 'PgSleep' and query like '%with moved as%'`)) ?? undefined,
      10_000,
      'the push to stall',
    );
    await pool.query(sql.unsafe`select pg_terminate_backend(${pid})`);
    await killed;
    assert.deepEqual(await state(pool, schema, ids), { landed: [0, 0, 0], pending: 3 }, 'nothing landed, everything still queued');

    await pool.query(sql.unsafe`drop trigger stall on deletion_push_crash.deletion_requests`);
    assert.ok((await pushDeletionBatch(pool, schema, ALL)) >= 3);
    assert.deepEqual(await state(pool, schema, ids), { landed: [1, 1, 1], pending: 0 });
    assert.equal(await pushDeletionBatch(pool, schema, ALL), 0, 'nothing left to move');
  });

  test('two pushes at once take different rows: a row another push holds is skipped, not waited for', async () => {
    const pool = suite.pg.pool;
    const schema = 'deletion_push_concurrent';
    await ensureDeletionTable(pool, schema);
    const ids = await enqueued(pool, ['301', null]);
    // Another push's transaction holds the first row (called from outside it: slonik refuses the pool inside it).
    let release!: () => void;
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const other = pool.transaction(async (tx) => {
      await tx.query(sql.unsafe`select from dsrflow.deletion_queue where request_id = ${ids[0]!} for update`);
      held();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await holding;
    // Without skip locked this push would wait for that transaction, which waits for the test.
    assert.ok((await pushDeletionBatch(pool, schema, ALL)) >= 1);
    assert.deepEqual(await state(pool, schema, ids), { landed: [0, 1], pending: 1 });
    release();
    await other;
    assert.ok((await pushDeletionBatch(pool, schema, ALL)) >= 1);
    assert.deepEqual(await state(pool, schema, ids), { landed: [1, 1], pending: 0 });
  });

  for (const earlier of EARLIER_PUSHES) {
    test(`a run recorded with one activity per batch (${earlier.name}) replays on the current workflow code`, async () => {
      const before = await bundleEarlierWorkflows(earlier.source);
      // Two full batches, then a short one: any other batch size would have issued other commands.
      let calls = 0;
      const taskQueue = `deletion-push-before-${earlier.batch}`;
      const worker = await Worker.create({
        connection: suite.env.nativeConnection,
        taskQueue,
        workflowBundle: before,
        activities: { pushDeletionRequests: async ({ batchSize }: { batchSize: number }) => ({ moved: calls++ < 2 ? batchSize : 7 }) },
      });
      const workflowId = `deletion-push-before-${earlier.batch}-${crypto.randomUUID().slice(0, 8)}`;
      const result = await worker.runUntil(suite.env.client.workflow.execute('deletionPush', { args: [{}], taskQueue, workflowId }));
      assert.deepEqual(result, { moved: 2 * earlier.batch + 7, batches: 3 });
      const history = await suite.env.client.workflow.getHandle(workflowId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: { code: (await workflowBundle()).code } }, history, workflowId);
    });
  }

  test('a drain whose time is up hands back, and the workflow calls it again until the queue is empty', async () => {
    const pool = suite.pg.pool;
    await ensureDeletionTable(pool);
    const ids = await enqueued(pool, ['401', '402', null]);
    const workflowId = `deletion-push-drain-${crypto.randomUUID().slice(0, 8)}`;
    // One row per batch and no time: each activity moves one row and reports more.
    const result: Awaited<ReturnType<typeof deletionPush>> = await suite.env.client.workflow.execute('deletionPush', { args: [{ batchSize: 1, drainSeconds: 0 }], taskQueue: TASK_QUEUE, workflowId });
    assert.deepEqual(await state(pool, 'delta_storage', ids), { landed: [1, 1, 1], pending: 0 });
    assert.ok(result.moved >= 3, `moved ${result.moved}`);
    assert.equal(result.batches, result.moved + 1, 'a batch per row, then the short one that found the queue empty');
    const history = await suite.env.client.workflow.getHandle(workflowId).fetchHistory();
    const drains = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'drainDeletionQueue');
    assert.equal(drains.length, result.batches, 'one activity per batch when each drain has no time left');
  });

  test('a retried drain goes on counting from its last heartbeat', async () => {
    const pool = suite.pg.pool;
    const schema = 'deletion_push_retry';
    await ensureDeletionTable(pool, schema);
    const ids = await enqueued(pool, ['501', '502']);
    const { drainDeletionQueue } = createDeletionTableActivities({ pool, logger: createLogger('silent'), deletionRequestsSchema: schema });
    // The first attempt had moved 5 rows in 2 batches before its worker died.
    const env = new MockActivityEnvironment({ heartbeatDetails: { moved: 5, batches: 2 } });
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const result = (await env.run(drainDeletionQueue, { batchSize: ALL })) as Awaited<ReturnType<typeof drainDeletionQueue>>;
    assert.deepEqual(await state(pool, schema, ids), { landed: [1, 1], pending: 0 });
    assert.equal(result.batches, 3);
    assert.ok(result.moved >= 5 + 2, `moved ${result.moved}`);
    assert.equal(result.more, false);
    assert.deepEqual(beats, [{ moved: result.moved, batches: 3 }], 'the heartbeat carries the counts a next attempt starts from');
  });
});

test('migration 011 moves the rows the ledger still had pending to the queue, with their identifiers, once', async () => {
  const name = 'dsrflow_migration_011';
  const pool = await freshDatabase(name, { migrations: 10 });
  try {
    await ensureOrganization(pool, 'default');
    // Recorded on the schema before migration 023: no calendar column yet.
    const [pending, pushed] = [await recordRequest(pool, { type: 'erasure', regulation: 'UK_GDPR', withoutCalendar: true }), await recordRequest(pool, { type: 'erasure', withoutCalendar: true })];
    await pool.query(sql.unsafe`
      insert into dsrflow.deletion_outbox (request_id, user_key, regulation, requested_at, pushed_at)
      values (${pending.row.id}, '601', 'UK_GDPR', '2026-11-01T10:00:00Z', null), (${pushed.row.id}, '602', 'GDPR', '2026-11-01T09:00:00Z', now())`);
    const later = readdirSync(fileURLToPath(new URL('../../src/db/migrations', import.meta.url))).filter((f) => f > '011').map((f) => f.replace(/\.ts$/, '')).sort();
    assert.deepEqual(await migrate(await databaseUrl(name)), later, 'the migrations from 011 on');
    assert.equal(later[0], '011_deletion_queue');

    const queued = await pool.any(sql.type(z.object({ request_id: z.string(), user_key: z.string().nullable(), email: z.string().nullable(), customer_id: z.string().nullable(), regulation: z.string(), requested_at: z.string() }))`
      select request_id::text, user_key, email, customer_id, regulation, requested_at from dsrflow.deletion_queue`);
    assert.deepEqual(queued, [{
      request_id: pending.row.id,
      user_key: '601',
      email: pending.subject.email,
      customer_id: pending.subject.customerId,
      regulation: 'UK_GDPR',
      requested_at: '2026-11-01T10:00:00.000Z',
    }], 'only the pending row, in the warehouse row\'s shape');
    // The ledger keeps both, so neither request is entered again.
    await enqueueDeletion(pool, pending.row.id, '601');
    await enqueueDeletion(pool, pushed.row.id, '602');
    assert.equal(await pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from dsrflow.deletion_queue`), 1);
    assert.equal(await pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from dsrflow.deletion_outbox`), 2);

    // A worker still on the code before 011 (rolling deploy) writes the ledger only: the request is queued all the same.
    const late = await recordRequest(pool, { type: 'erasure' });
    await pool.query(sql.unsafe`
      insert into dsrflow.deletion_outbox (request_id, user_key, regulation, requested_at)
      select r.id, '603', r.regulation, r.received_at from dsrflow.requests r where r.id = ${late.row.id}
      on conflict (request_id) do nothing`);
    assert.deepEqual(
      await pool.one(sql.type(z.object({ user_key: z.string().nullable(), email: z.string().nullable() }))`
        select user_key, email from dsrflow.deletion_queue where request_id = ${late.row.id}`),
      { user_key: '603', email: late.subject.email },
    );
  } finally {
    await pool.end();
  }
});

test('migration 013: rows queued before it, and a deletion_requests table made before it, keep working; new rows carry the hashes', async () => {
  const name = 'dsrflow_migration_013';
  const schema = 'migration_013';
  const pool = await freshDatabase(name, { migrations: 12 });
  try {
    await ensureOrganization(pool, 'default');
    const before = await recordRequest(pool, { type: 'erasure', withoutCalendar: true });
    await enqueueDeletion(pool, before.row.id, '701');
    // The warehouse table as a worker before 013 made it, with a row it pushed.
    await pool.query(sql.unsafe`create schema migration_013`);
    await pool.query(sql.unsafe`
      create table migration_013.deletion_requests (
        seq bigint generated always as identity unique, request_id uuid primary key, user_key text, email text, customer_id text, phone text,
        regulation text not null, requested_at timestamptz not null, pushed_at timestamptz not null default now())`);
    const old = crypto.randomUUID();
    await pool.query(sql.unsafe`insert into migration_013.deletion_requests (request_id, user_key, regulation, requested_at) values (${old}, '700', 'GDPR', now())`);

    const later = readdirSync(fileURLToPath(new URL('../../src/db/migrations', import.meta.url))).filter((f) => f >= '013').map((f) => f.replace(/\.ts$/, '')).sort();
    assert.deepEqual(await migrate(await databaseUrl(name)), later, 'the migrations from 013 on');
    assert.equal(later[0], '013_deletion_identifier_hashes');
    await ensureDeletionTable(pool, schema);
    await ensureDeletionTable(pool, schema);
    const columns = await pool.anyFirst(sql.type(z.object({ column_name: z.string() }))`
      select column_name from information_schema.columns where table_schema = ${schema} and table_name = 'deletion_requests' order by ordinal_position`);
    assert.deepEqual(columns.slice(-2), ['email_sha256', 'phone_sha256'], 'added at worker start, last, once');

    const after = await recordRequest(pool, { type: 'erasure' });
    const ids = withHashes({ email: after.subject.email, customerId: 'cus_held', phone: '+44 7911 123456' });
    await enqueueDeletion(pool, after.row.id, '702', ids);
    assert.equal(await pushDeletionBatch(pool, schema, ALL), 2);
    const Row = z.object({ request_id: z.string(), email: z.string().nullable(), customer_id: z.string().nullable(), phone: z.string().nullable(), email_sha256: z.string().nullable(), phone_sha256: z.string().nullable() });
    const landed = await pool.any(sql.type(Row)`
      select request_id::text, email, customer_id, phone, email_sha256, phone_sha256 from migration_013.deletion_requests order by seq`);
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    assert.deepEqual(landed, [
      { request_id: old, email: null, customer_id: null, phone: null, email_sha256: null, phone_sha256: null },
      // Queued before 013: pushed as it was, the identifiers the requester gave and no hashes.
      { request_id: before.row.id, email: before.subject.email, customer_id: before.subject.customerId, phone: null, email_sha256: null, phone_sha256: null },
      { request_id: after.row.id, email: after.subject.email, customer_id: 'cus_held', phone: '+44 7911 123456', email_sha256: sha256(after.subject.email), phone_sha256: sha256('+447911123456') },
    ]);
  } finally {
    await pool.end();
  }
});
