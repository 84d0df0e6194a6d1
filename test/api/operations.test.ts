import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Worker } from '@temporalio/worker';
import type { DatabasePool } from 'slonik';
import { createApp } from '../../src/api/app.ts';
import { activityObserver } from '../../src/main/activity-observer.ts';
import { deletionPushSchedule, ensureSchedule, recordedRequestsSweepSchedule } from '../../src/main/deletion-schedule.ts';
import { createWorker } from '../../src/main/temporal-worker.ts';
import { ensureOrganization } from '../../src/db/tokens.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMailer } from '../../src/platform/mailer.ts';
import { countedMailer, createMetrics } from '../../src/platform/metrics.ts';
import { SCHEDULE_IDS } from '../../src/workflow-client/schedule-ids.ts';
import { demoDataModel, demoRetentionPolicy, json, testActivityDeps, testApp, testKeyRing, testStorage, testWorkflowSettings, TEST_SUBJECT_KEYS, tokenHeaders } from '../support/app.ts';
import { freshDatabase } from '../support/databases.ts';
import { freePort } from '../support/ports.ts';
import { eventually, recordRequest } from '../support/requests.ts';
import { devServer, mailCatcher, postgres, workflowBundle } from '../support/stack.ts';

const DAY = 86_400_000;

/** The value of one sample of the Prometheus text, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).match(/^\{(.*)\}/)?.[1] ?? '';
    const have = labelText === '' ? [] : labelText.split(/,(?=[a-z_]+=")/);
    if (wanted.every((w) => have.includes(w)) && have.length === wanted.length) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('operations: request figures and HTTP metrics at /metrics', () => {
  let pool: DatabasePool;
  before(async () => {
    pool = await freshDatabase('dsrflow_metrics');
    await ensureOrganization(pool, 'default');
  });
  after(async () => {
    await pool.end();
  });

  const appWith = async (metricsToken?: string) => {
    const env = await devServer();
    return createApp({
      pool,
      warehouseLookups: pool,
      temporal: { client: env.client, namespace: 'default', uiUrl: undefined },
      workflows: testWorkflowSettings('dsrflow-metrics'),
      settings: { defaultOrganization: 'default', subjectKeys: TEST_SUBJECT_KEYS, ...(metricsToken ? { metricsToken } : {}) },
      logger: createLogger('silent'),
      keyRing: testKeyRing,
      now: () => new Date(),
      storage: testStorage,
      dataModel: demoDataModel,
      retentionPolicy: demoRetentionPolicy,
    });
  };

  test('open, overdue and due-within-7-days requests by regulation, and HTTP requests by route template without ids', async () => {
    const now = Date.now();
    await recordRequest(pool, { regulation: 'GDPR', receivedAt: new Date(now - 90 * DAY) }); // a month past due
    const dueSoon = await recordRequest(pool, { regulation: 'GDPR', receivedAt: new Date(now - 27 * DAY) }); // due in about 3 days
    await recordRequest(pool, { regulation: 'CCPA', receivedAt: new Date(now) }); // 45 days left
    const app = await appWith();
    const headers = await tokenHeaders(pool, 'owner');
    assert.equal((await app.request(`/v1/requests/${dueSoon.row.id}`, { headers })).status, 200);
    assert.equal((await app.request(`/v1/requests/${randomUUID()}`, { headers })).status, 404);

    const res = await app.request('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    const gdpr = { status: 'submitted', regulation: 'GDPR' };
    assert.equal(sample(text, 'dsrflow_requests_open', gdpr), 2);
    assert.equal(sample(text, 'dsrflow_requests_overdue', gdpr), 1);
    assert.equal(sample(text, 'dsrflow_requests_due_within_7_days', gdpr), 1);
    assert.equal(sample(text, 'dsrflow_requests_open', { status: 'submitted', regulation: 'CCPA' }), 1);
    assert.equal(sample(text, 'dsrflow_requests_overdue', { status: 'submitted', regulation: 'CCPA' }), 0);
    assert.equal(sample(text, 'dsrflow_deletion_push_oldest_pending_seconds'), 0, 'no erasure waits for the push');
    const route = { method: 'GET', route: '/v1/requests/:id' };
    assert.equal(sample(text, 'dsrflow_http_request_duration_seconds_count', { ...route, status: '200' }), 1);
    assert.equal(sample(text, 'dsrflow_http_request_duration_seconds_count', { ...route, status: '404' }), 1);
    assert.ok(!text.includes(dueSoon.row.id), 'no request id in any label');
    assert.ok(!text.includes(dueSoon.subject.email));
  });

  test('METRICS_TOKEN: without it or with another token 401, with it 200', async () => {
    const app = await appWith('metrics-token-0123456789');
    assert.equal((await app.request('/metrics')).status, 401);
    assert.equal((await app.request('/metrics', { headers: { authorization: 'Bearer metrics-token-0123456780' } })).status, 401);
    assert.equal((await app.request('/metrics', { headers: { authorization: 'Bearer metrics-token-0123456789' } })).status, 200);
  });
});

describe('operations: readiness, and each activity attempt and email counted', () => {
  const taskQueue = `dsrflow-ready-${randomUUID().slice(0, 8)}`;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  after(async () => {
    worker?.shutdown();
    await running;
    const env = await devServer();
    for (const id of SCHEDULE_IDS) await env.client.schedule.getHandle(id).delete().catch(() => {});
  });

  test('/readyz names the missing schedules and worker, then is 200 once both exist; /healthz is 200 throughout', async () => {
    const [env, pg, mail] = await Promise.all([devServer(), postgres(), mailCatcher()]);
    for (const id of SCHEDULE_IDS) await env.client.schedule.getHandle(id).delete().catch(() => {});
    const app = testApp({ pool: pg.pool, client: env.client, taskQueue });
    const unready = await app.request('/readyz');
    assert.equal(unready.status, 503);
    assert.deepEqual(await json(unready), { status: 'degraded', checks: { database: 'ok', temporal: 'ok', schedules: 'missing', worker: 'none' } });
    assert.equal((await app.request('/healthz')).status, 200);

    const metrics = createMetrics();
    const mailer = countedMailer(createMailer(mail.smtpUrl, 'dsrflow <privacy@dsrflow.test>'), metrics);
    const observed = createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      keyRing: testKeyRing,
      deps: testActivityDeps(pg.pool, mailer),
      workflowBundle: { code: (await workflowBundle()).code },
      interceptors: [activityObserver(metrics, createLogger('silent'))],
    });
    worker = await observed;
    running = worker.run();
    await ensureSchedule(env.client, deletionPushSchedule(taskQueue));
    await ensureSchedule(env.client, recordedRequestsSweepSchedule(taskQueue));
    const ready = await eventually(async () => {
      const res = await app.request('/readyz');
      return res.status === 200 ? json(res) : undefined;
    }, 15_000, 'readiness');
    assert.deepEqual(ready, { status: 'ok', checks: { database: 'ok', temporal: 'ok', schedules: 'ok', worker: 'ok' } });

    // A request through the observed worker: its activity attempts and its acknowledgement email are counted.
    const headers = { ...(await tokenHeaders(pg.pool, 'owner')), 'content-type': 'application/json' };
    const created = await app.request('/v1/requests', {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email: `ops-${randomUUID().slice(0, 8)}@example.com`, fullName: 'Ops Test' } }),
    });
    assert.equal(created.status, 201);
    const text = await eventually(async () => {
      const t = await metrics.registry.metrics();
      const sent = sample(t, 'dsrflow_emails_total', { outcome: 'sent' }) ?? 0;
      const recorded = sample(t, 'dsrflow_activity_duration_seconds_count', { activity: 'recordTransition', outcome: 'completed' }) ?? 0;
      return sent >= 1 && recorded >= 1 ? t : undefined;
    }, 15_000, 'the acknowledgement email and a timed activity attempt');
    assert.ok((sample(text, 'dsrflow_activity_duration_seconds_count', { activity: 'recordTransition', outcome: 'completed' }) ?? 0) >= 1, 'activity attempts are timed by name');
    assert.equal(sample(text, 'dsrflow_emails_total', { outcome: 'failed' }), undefined);
  });

  test('an email SMTP refuses is counted as failed, and the error still reaches the caller (the activity retries)', async () => {
    const metrics = createMetrics();
    const mailer = countedMailer(createMailer(`smtp://127.0.0.1:${await freePort()}`, 'dsrflow <privacy@dsrflow.test>'), metrics);
    await assert.rejects(mailer.send({ to: 'a@example.com', subject: 's', text: 't', messageId: '<m@dsrflow.test>' }));
    assert.equal(sample(await metrics.registry.metrics(), 'dsrflow_emails_total', { outcome: 'failed' }), 1);
    mailer.close();
  });
});
