import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach } from 'node:test';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { stateQuery } from '../../src/workflows/messages.ts';
import type { RightsRequestResult } from '../../src/workflows/messages.ts';
import type { rightsRequest } from '../../src/workflows/rights-request.ts';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { DatabasePool } from 'slonik';
import type { ActivityDeps } from '../../src/activities/index.ts';
import { createWorker } from '../../src/main/temporal-worker.ts';
import type { MailCatcher } from '../../src/platform/mail-catcher.ts';
import { createMailer, type Mailer } from '../../src/platform/mailer.ts';
import { startRequestWorkflow } from '../../src/workflow-client/starts.ts';
import { testActivityDeps, testWorkflowSettings } from './app.ts';
import { eventually, recordRequest } from './requests.ts';
import { devServer, freshTimeSkipping, mailCatcher, postgres, testKeyRing, workflowBundle } from './stack.ts';

/** Runs `fn` with a fresh worker on `taskQueue` (a worker created but never run would hold the server open). */
export function harness(env: TestWorkflowEnvironment, pool: DatabasePool, mailer: Mailer, taskQueue: string) {
  const settings = testWorkflowSettings(taskQueue);
  return {
    settings,
    async withWorker<R>(fn: () => Promise<R>, overrides: Partial<ActivityDeps> = {}): Promise<R> {
      const worker = await createWorker({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue,
        keyRing: testKeyRing,
        deps: { ...testActivityDeps(pool, mailer), ...overrides },
        workflowBundle: { code: (await workflowBundle()).code },
      });
      return worker.runUntil(fn);
    },
    /** Records a request as the API would and starts its workflow. */
    async start(opts: Parameters<typeof recordRequest>[1] = {}) {
      // The time-skipping server's clock runs ahead of the wall clock once a test has skipped time.
      const recorded = await recordRequest(pool, { receivedAt: new Date(await env.currentTimeMs()), ...opts });
      await startRequestWorkflow(env.client, recorded.row, settings);
      return { ...recorded, handle: env.client.workflow.getHandle<typeof rightsRequest>(recorded.row.workflow_id) };
    },
  };
}

/**
 * The workflow's result once it has closed by itself. Unlike `handle.result()` this does not unlock time
 * skipping, so no timer fires early while an activity is between attempts; skip time with env.sleep instead.
 */
export async function settled(handle: WorkflowHandle<typeof rightsRequest>, timeoutMs = 20_000): Promise<RightsRequestResult> {
  await eventually(async () => ((await handle.describe()).status.name === 'RUNNING' ? undefined : true), timeoutMs, 'the workflow to close');
  return handle.result();
}

export const DAY = 86_400_000;

/** Waits until the workflow reports `status` (its query answers from the live state). */
export const reach = (handle: WorkflowHandle<typeof rightsRequest>, status: string) =>
  eventually(async () => ((await handle.query(stateQuery)).status === status ? true : undefined), 15_000, status);

/** The error code a refused update carries (the validator's ApplicationFailure type). */
export async function refusedWith(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    assert.ok(error instanceof WorkflowUpdateFailedError, `expected a refused update, got ${(error as Error).name}`);
    return (error.cause as { type?: string }).type ?? 'unknown';
  }
  assert.fail('the update was accepted');
}

export interface TimeSkippingSuite {
  env: TestWorkflowEnvironment;
  pg: Awaited<ReturnType<typeof postgres>>;
  mail: MailCatcher;
  h: ReturnType<typeof harness>;
}

/**
 * Registers the hooks of a time-skipping suite: shared PostgreSQL and SMTP peer, a fresh time-skipping server
 * per test (see freshTimeSkipping), and the harness on `taskQueue`. Read the fields inside tests.
 */
export function useTimeSkipping(taskQueue: string): TimeSkippingSuite {
  const suite = {} as TimeSkippingSuite;
  let mailer: Mailer & { close(): void };
  before(async () => {
    [suite.pg, suite.mail] = await Promise.all([postgres(), mailCatcher()]);
    mailer = createMailer(suite.mail.smtpUrl, 'dsrflow <privacy@dsrflow.test>');
  });
  beforeEach(async () => {
    suite.env = await freshTimeSkipping();
    suite.h = harness(suite.env, suite.pg.pool, mailer, taskQueue);
  });
  afterEach(() => suite.env.teardown());
  after(() => mailer.close());
  return suite;
}

export interface DevServerSuite {
  env: TestWorkflowEnvironment;
  pg: Awaited<ReturnType<typeof postgres>>;
  mail: MailCatcher;
}

/** Registers the hooks of a dev-server suite: the shared dev server, PostgreSQL, SMTP peer, and a running worker on `taskQueue`. */
export function useDevServerWorker(taskQueue: string, overrides?: () => Partial<ActivityDeps> | Promise<Partial<ActivityDeps>>): DevServerSuite {
  const suite = {} as DevServerSuite;
  let mailer: Mailer & { close(): void };
  let worker: Worker;
  let running: Promise<void>;
  before(async () => {
    [suite.env, suite.pg, suite.mail] = await Promise.all([devServer(), postgres(), mailCatcher()]);
    mailer = createMailer(suite.mail.smtpUrl, 'dsrflow <privacy@dsrflow.test>');
    worker = await createWorker({ connection: suite.env.nativeConnection, namespace: 'default', taskQueue, keyRing: testKeyRing, deps: { ...testActivityDeps(suite.pg.pool, mailer), ...(await overrides?.()) }, workflowBundle: { code: (await workflowBundle()).code } });
    running = worker.run();
  });
  after(async () => {
    worker.shutdown();
    await running;
    mailer.close();
  });
  return suite;
}
