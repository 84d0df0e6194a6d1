import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createWorker } from '../../src/main/temporal-worker.ts';
import { workflowThreadMetrics } from '../../src/main/workflow-threads.ts';
import { createMailer } from '../../src/platform/mailer.ts';
import { testActivityDeps } from '../support/app.ts';
import { devServer, mailCatcher, postgres, testKeyRing, workflowBundle } from '../support/stack.ts';

const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

test('a worker’s metrics show the V8 heap of the SDK’s workflow threads, where the sticky cache lives and the main thread’s figures do not look', async () => {
  const registry = new Registry();
  workflowThreadMetrics(registry);
  const before = await registry.metrics();
  assert.equal(gauge(before, 'dsrflow_workflow_thread_heap_used_bytes'), 0, 'no workflow thread yet');

  const [env, pg, mail] = await Promise.all([devServer(), postgres(), mailCatcher()]);
  const mailer = createMailer(mail.smtpUrl, 'dsrflow <privacy@dsrflow.test>');
  try {
    const worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: `thread-heap-${crypto.randomUUID()}`,
      keyRing: testKeyRing,
      deps: testActivityDeps(pg.pool, mailer),
      workflowBundle: { code: (await workflowBundle()).code },
    });
    const text = await worker.runUntil(() => registry.metrics());
    const used = gauge(text, 'dsrflow_workflow_thread_heap_used_bytes');
    const total = gauge(text, 'dsrflow_workflow_thread_heap_total_bytes');
    const limit = gauge(text, 'dsrflow_workflow_thread_heap_limit_bytes');
    assert.ok(used > 1_000_000, `the workflow thread holds the bundle's code and state: ${used} bytes`);
    assert.ok(used <= total && total < limit, `used ${used} <= allocated ${total} < limit ${limit}`);
    assert.ok(gauge(text, 'dsrflow_workflow_thread_detached_contexts') >= 0 && gauge(text, 'dsrflow_workflow_thread_external_bytes') >= 0, 'the leak indicators are served');
  } finally {
    mailer.close();
  }
  const after = await registry.metrics();
  assert.equal(gauge(after, 'dsrflow_workflow_thread_heap_used_bytes'), 0, 'the thread ended with its worker and is no longer counted');
});
