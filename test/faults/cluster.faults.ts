// The faults suite (`npm run test:faults`, opt-in: about 15 minutes): the production-like stack (Temporal server on
// PostgreSQL, two worker processes, the API process) under the faults of issue 18, each printing a FAULT PASS/FAIL
// line. Needs `npm run tools -- install --cluster`. Results are recorded in docs/operations.md "Faults".
import assert from 'node:assert/strict';
import proto from '@temporalio/proto';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow/index.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'slonik';
import { z } from 'zod';
import type { AppProcess } from '../../src/main/app-process.ts';
import { startRequestWorkflow, type WorkflowSettings } from '../../src/workflow-client/starts.ts';
import { seedBulkSubject } from '../support/bulk-subject.ts';
import { recordRequest } from '../support/requests.ts';
import { bundleWorkflowsAt } from './earlier-bundle.ts';
import { deliveredPerRequest, fault, sleep, startFaultStack, statuses, until, type FaultStack } from './support.ts';

const DAY_MS = 24 * 3600 * 1000;
// The parent of the last change to the workflows' command sequence (decisions queued behind an accepted one).
const EARLIER_WORKFLOWS = 'dfc0a48^';

let s: FaultStack;
let live: AppProcess[] = [];
before(async () => {
  s = await startFaultStack();
  live = [...s.stack.workers];
});
after(async () => s?.stop());

const allEqual = (counts: Map<string, number>, n: number) => [...counts.values()].every((c) => c === n);
const allIn = async (ids: string[], status: string) => [...(await statuses(s.pool, ids)).values()].filter((v) => v === status).length === ids.length;

async function openMany(n: number, prefix: string): Promise<string[]> {
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => s.api.openRetrying({ email: `${prefix}-${i}@example.com` })));
  for (const a of answers) assert.equal(a.status, 201, `the request was accepted: ${JSON.stringify(a.body)}`);
  return answers.map((a) => a.body!.id as string);
}

/** Every request acknowledged and asked to verify, each email exactly once. */
const initialStepsDone = (ids: string[]) => async () =>
  (await allIn(ids, 'awaiting_verification')) &&
  allEqual(deliveredPerRequest(s.smtp.delivered, ids, 'acknowledgement'), 1) &&
  allEqual(deliveredPerRequest(s.smtp.delivered, ids, 'verification-link'), 1);

test('kill -9 one worker in the middle of a large export: the other finishes it, one email, one file set, complete', () =>
  fault('kill -9 a worker during a large export', async () => {
    const rows = Number(process.env.FAULT_EXPORT_ROWS ?? 1_000_000);
    await seedBulkSubject(s.stack.databaseUrl, rows, { userId: 2_000_000, email: 'faults-export@example.com', customerId: 'cus_faults' });
    const opened = await s.api.openRetrying({ email: 'faults-export@example.com' });
    assert.equal(opened.status, 201);
    const id = opened.body!.id as string;
    await until('the request waits for verification', () => allIn([id], 'awaiting_verification'), 60_000);
    assert.ok((await s.api.verify(id)).status < 300, 'verified');
    await until('the request is in assessment', () => allIn([id], 'in_assessment'), 60_000);
    assert.ok((await s.api.approve(id)).status < 300, 'approved');

    const handle = s.client.workflow.getHandle(`dsr-${id}`);
    let identity = '';
    await until(
      'a worker is writing the export',
      async () => {
        const export_ = (await handle.describe()).raw.pendingActivities?.find((a) => a.activityType?.name === 'exportSubjectData');
        identity = export_?.lastWorkerIdentity ?? '';
        // The heartbeat's progress is a payload like any other: sealed by the codec, opened with the client's converter.
        const payloads = export_?.heartbeatDetails?.payloads;
        // Some rows already written (CSV reports bytes, the other formats rows): the worker dies mid-file.
        const written = payloads?.length ? await decodeFromPayloadsAtIndex<{ bytes: number | null; rows: number | null }>(s.client.options.loadedDataConverter, 0, payloads) : null;
        // Or simply started: the SDK sends heartbeats to the server at most every 24 s (0.8 x the 30 s heartbeat
        // timeout), and on a quiet machine the whole export can end before the server has seen any progress.
        const started = export_?.state === proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
        return identity !== '' && (started || (written?.bytes ?? 0) > 0 || (written?.rows ?? 0) > 0);
      },
      120_000,
    );
    const victim = live.find((w) => identity.startsWith(`${w.pid}@`));
    assert.ok(victim, `the export runs on one of our workers (${identity})`);
    await victim.kill();
    live = live.filter((w) => w !== victim);

    await until('the request is completed', () => allIn([id], 'completed'), 600_000);
    const history = await handle.fetchHistory();
    const starts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.identity !== identity);
    assert.ok(starts.some((e) => (e.activityTaskStartedEventAttributes!.attempt ?? 0) >= 2), 'the export was retried on the other worker');
    assert.equal(deliveredPerRequest(s.smtp.delivered, [id], 'download-link').get(id), 1, 'one download email');
    const exports = await s.pool.any(
      sql.type(z.object({ format: z.string(), status: z.string(), storage_key: z.string().nullable(), row_counts: z.record(z.string(), z.number()) }))`
        select format, status, storage_key, row_counts from dsrflow.exports where request_id = ${id} order by format`,
    );
    assert.deepEqual(exports.map((e) => `${e.format}:${e.status}`), ['csv:ready', 'json:ready']);
    for (const e of exports) assert.equal(Object.values(e.row_counts).reduce((a, b) => a + b, 0), rows + 1, `${e.format} holds every row`);
    const files = readdirSync(join(s.stack.dataDir, 'app', 'exports'), { recursive: true, withFileTypes: true }).filter((f) => f.isFile()).map((f) => f.name);
    assert.deepEqual(files.sort(), exports.map((e) => e.storage_key!.split('/').at(-1)!).sort(), 'one file per format, no file left by the killed attempt');
    live.push(await s.stack.startWorker());
  }));

test('restart the Temporal server in the middle of 200 open requests: every timer still fires, nothing is stuck', () =>
  fault('Temporal server killed and restarted with 200 open requests', async () => {
    // A start waits up to a minute: the shared build machine can be loaded far beyond its 2 cores.
    const settings: WorkflowSettings = { taskQueue: 'dsrflow', verificationWindowDays: 14, reminderDaysBefore: [7, 2], autoApproveTypes: [], startTimeoutMs: 60_000 };
    const ids: string[] = [];
    // Each request's staff reminder is due 90 s after its start (a reminder offset in fractional days): its timer
    // is pending in the server when the server is killed.
    for (let batch = 0; batch < 40; batch++) {
      await Promise.all(
        Array.from({ length: 5 }, async () => {
          const { row } = await recordRequest(s.pool);
          const reminder = (Date.parse(row.due_at) - (Date.now() + 90_000)) / DAY_MS;
          await startRequestWorkflow(s.client, row, { ...settings, reminderDaysBefore: [reminder] });
          ids.push(row.id);
        }),
      );
    }
    await sleep(5_000);
    await s.stack.temporal.restart({ kill: true });
    await until('200 staff reminders, each exactly once', async () => allEqual(deliveredPerRequest(s.smtp.delivered, ids, 'staff-reminder'), 1), 600_000);
    await until('200 requests acknowledged and asked to verify', initialStepsDone(ids), 300_000);
  }));

test('the app database unreachable for 60 s: 503 DATABASE_UNAVAILABLE, no accepted request lost, activities retry and finish, no email twice', () =>
  fault('app PostgreSQL unreachable for 60 s', async () => {
    const ids = await openMany(30, 'pg-outage');
    await s.proxy.cut();
    const cutAt = Date.now();
    const key = crypto.randomUUID();
    try {
      const during = await s.api.open({ email: 'pg-outage-during@example.com' }, { key });
      assert.equal(during.status, 503);
      assert.equal(during.body?.error?.code, 'DATABASE_UNAVAILABLE');
      await sleep(60_000 - (Date.now() - cutAt));
    } finally {
      await s.proxy.restore();
    }
    // The client retries with the same Idempotency-Key once the API answers again.
    const retried = await s.api.openRetrying({ email: 'pg-outage-during@example.com' }, key);
    assert.equal(retried.status, 201);
    ids.push(retried.body!.id as string);
    // Exactly once: a send the SMTP server took just before the database went away is heartbeated, and its retry only
    // records it (docs/operations.md "What the faults changed").
    const atLeastOnce = (kind: string) => [...deliveredPerRequest(s.smtp.delivered, ids, kind).values()].every((n) => n >= 1);
    await until('every accepted request acknowledged and asked to verify', async () => (await allIn(ids, 'awaiting_verification')) && atLeastOnce('acknowledgement') && atLeastOnce('verification-link'), 420_000);
    await sleep(10_000);
    const twice = ['acknowledgement', 'verification-link'].map((kind) => [...deliveredPerRequest(s.smtp.delivered, ids, kind).values()].filter((n) => n > 1).length);
    assert.deepEqual(twice, [0, 0], `sent twice: ${twice[0]} acknowledgements and ${twice[1]} verification links of ${ids.length} requests`);
    for (const w of live) assert.equal(await Promise.race([w.exited, sleep(10).then(() => 'running')]), 'running', `${w.name} survived the outage`);
  }));

test('SMTP refuses mail for 2 minutes: every email is delivered exactly once afterwards', () =>
  fault('SMTP refusing mail for 2 minutes', async () => {
    s.smtp.refuse(true);
    const from = Date.now();
    let ids: string[];
    try {
      ids = await openMany(20, 'smtp-outage');
      await sleep(120_000 - (Date.now() - from));
    } finally {
      s.smtp.refuse(false);
    }
    assert.ok(s.smtp.refusedCount() > 0, 'mail was refused during the outage');
    await until('every email delivered', initialStepsDone(ids), 600_000);
    await sleep(10_000);
    assert.ok(await initialStepsDone(ids)(), 'no email delivered twice afterwards');
  }));

test('a worker deployed with a changed workflow while requests are open: they finish', () =>
  fault('worker deploy with changed workflow code', async () => {
    const earlier = await bundleWorkflowsAt(EARLIER_WORKFLOWS);
    for (const w of live) await w.stop();
    live = [await s.stack.startWorker({ WORKFLOW_BUNDLE_FILE: earlier })];
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => s.api.openRetrying({ email: `user${i + 1}@example.com` })));
    for (const a of answers) assert.equal(a.status, 201);
    const ids = answers.map((a) => a.body!.id as string);
    await until('requests wait for verification on the earlier code', () => allIn(ids, 'awaiting_verification'), 120_000);
    for (const id of ids) assert.ok((await s.api.verify(id)).status < 300);
    await until('requests in assessment on the earlier code', () => allIn(ids, 'in_assessment'), 120_000);
    await live[0]!.stop();
    live = [await s.stack.startWorker(), await s.stack.startWorker()];
    for (const id of ids) assert.ok((await s.api.approve(id)).status < 300);
    await until('every request completed on the current code', () => allIn(ids, 'completed'), 300_000);
    assert.ok(allEqual(deliveredPerRequest(s.smtp.delivered, ids, 'download-link'), 1), 'one download email each');
  }));
