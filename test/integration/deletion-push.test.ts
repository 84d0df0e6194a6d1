import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { sql } from 'slonik';
import { z } from 'zod';
import { enqueueDeletion, ensureDeletionTable, pushDeletionBatch } from '../../src/activities/deletion-table.ts';
import { ensureDeletionPushSchedule } from '../../src/platform/deletion-schedule.ts';
import { eventually, recordRequest } from '../support/requests.ts';
import { useDevServerWorker } from '../support/workflow-harness.ts';

const TASK_QUEUE = 'deletion-push';
const landedRow = z.object({ request_id: z.string(), n: z.number(), email: z.string().nullable(), regulation: z.string() });

describe('the hourly deletion_requests push, run by a Temporal Schedule on the dev server', () => {
  const suite = useDevServerWorker(TASK_QUEUE);

  test('created idempotently; triggered, rows land once; triggered again, no duplicates', async () => {
    const pool = suite.pg.pool;
    await ensureDeletionTable(pool);
    await ensureDeletionTable(pool);
    const requests = await Promise.all([1, 2, 3].map(() => recordRequest(pool, { type: 'erasure', regulation: 'GDPR' })));
    for (const [i, r] of requests.entries()) await enqueueDeletion(pool, r.row.id, i === 2 ? null : `${100 + i}`);
    const ids = requests.map((r) => r.row.id);
    // A row already in the table (a push whose outbox update was lost): the next push must not duplicate it.
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
      select count(*)::int as n from dsrflow.deletion_outbox where request_id = any(${sql.array(ids, 'uuid')}) and pushed_at is null`);

    await handle.trigger();
    await eventually(async () => ((await pending()) === 0 ? true : undefined), 20_000, 'the outbox to be pushed');
    const first = await landed();
    assert.equal(first.length, 3);
    assert.ok(first.every((r) => r.n === 1 && r.regulation === 'GDPR'));
    const byId = new Map(first.map((r) => [r.request_id, r]));
    assert.equal(byId.get(ids[1]!)?.email, requests[1]!.subject.email, 'the identifiers travel with the row');

    // The schedule skips a trigger while a run is still going (overlap SKIP): let the first run finish.
    await eventually(async () => ((await handle.describe()).info.runningActions.length === 0 ? true : undefined), 20_000, 'the first run to finish');
    await handle.trigger();
    await eventually(async () => ((await handle.describe()).info.recentActions.length >= 2 ? true : undefined), 20_000, 'the second run');
    await eventually(async () => {
      const runs = (await handle.describe()).info.runningActions.length;
      return runs === 0 ? true : undefined;
    }, 20_000, 'the second run to finish');
    assert.deepEqual((await landed()).map((r) => r.n), [1, 1, 1], 'no duplicates');
    assert.equal(await pushDeletionBatch(pool, 'delta_storage', 10), 0, 'nothing left to move');
    await handle.delete();
  });
});
