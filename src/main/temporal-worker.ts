import { NativeConnection, Worker, type ActivityInterceptorsFactory, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import { withoutPersonalDataInFailures } from '../activities/failures.ts';

export const workflowsPath = new URL('../workflows/index.ts', import.meta.url).pathname;

export interface WorkerSettings {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests share one); otherwise the workflows are bundled from source at start. */
  workflowBundle?: WorkflowBundleOption;
  /** Activity interceptors (the metrics and log lines of each attempt). */
  interceptors?: ActivityInterceptorsFactory[];
}

export function createWorker(s: WorkerSettings): Promise<Worker> {
  return Worker.create({
    connection: s.connection,
    namespace: s.namespace,
    taskQueue: s.taskQueue,
    activities: withoutPersonalDataInFailures(createActivities(s.deps)),
    ...(s.workflowBundle ? { workflowBundle: s.workflowBundle } : { workflowsPath }),
    shutdownGraceTime: '10 seconds',
    ...(s.interceptors ? { interceptors: { activity: s.interceptors } } : {}),
  });
}

export { startRecordedRequests } from '../activities/sweep.ts';
