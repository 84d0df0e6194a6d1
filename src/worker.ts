import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createActivities, type ActivityDeps } from './activities/index.ts';
import { withoutPersonalDataInFailures } from './activities/failures.ts';
import { listUnstartedRequests, markWorkflowStarted } from './db/requests.ts';
import type { Logger } from './platform/logger.ts';
import { startRequestWorkflow, startSuppressionLift, type WorkflowSettings } from './platform/temporal.ts';
import { listUnstartedLifts, markLiftStarted } from './db/suppressions.ts';

export const workflowsPath = new URL('./workflows/index.ts', import.meta.url).pathname;

export interface WorkerSettings {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests share one); otherwise the workflows are bundled from source at start. */
  workflowBundle?: WorkflowBundleOption;
}

export function createWorker(s: WorkerSettings): Promise<Worker> {
  return Worker.create({
    connection: s.connection,
    namespace: s.namespace,
    taskQueue: s.taskQueue,
    activities: withoutPersonalDataInFailures(createActivities(s.deps)),
    ...(s.workflowBundle ? { workflowBundle: s.workflowBundle } : { workflowsPath }),
    shutdownGraceTime: '10 seconds',
  });
}

/**
 * Starts the workflow of every request recorded while Temporal was unreachable. Runs once at worker start:
 * the start is idempotent, so several workers doing it at once is harmless.
 */
export async function startRecordedRequests(client: Client, deps: { pool: ActivityDeps['pool']; logger: Logger }, settings: WorkflowSettings): Promise<number> {
  const rows = await listUnstartedRequests(deps.pool);
  for (const row of rows) {
    await startRequestWorkflow(client, row, settings);
    await markWorkflowStarted(deps.pool, row.id);
    deps.logger.info('started recorded request', { requestId: row.id });
  }
  // Likewise suppression lifts staff recorded while Temporal was unreachable.
  const lifts = await listUnstartedLifts(deps.pool);
  for (const lift of lifts) {
    await startSuppressionLift(client, settings, { requestId: lift.request_id, suppressionId: lift.suppression_id });
    await markLiftStarted(deps.pool, lift.suppression_id);
  }
  return rows.length + lifts.length;
}

if (import.meta.main) {
  const { runWorkerProcess } = await import('./platform/processes.ts');
  await runWorkerProcess();
}
