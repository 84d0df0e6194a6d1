import { NativeConnection, Worker, type ActivityInterceptorsFactory, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import { withoutPersonalDataInFailures } from '../activities/failures.ts';
import type { KeyRing } from '../platform/data-keys.ts';
import { temporalDataConverter } from '../platform/payload-codec.ts';

export const workflowsPath = new URL('../workflows/index.ts', import.meta.url).pathname;

export interface WorkerSettings {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Every payload the worker sends is sealed under the ring's current key; payloads open with the key they name. */
  keyRing: KeyRing;
  /** A prebuilt bundle (tests share one; WORKFLOW_BUNDLE_FILE); otherwise the workflows are bundled from source at start. */
  workflowBundle?: WorkflowBundleOption;
  /** Workflows kept in memory between tasks (WORKER_MAX_CACHED_WORKFLOWS); see docs/operations.md "Sizing a worker". */
  maxCachedWorkflows?: number;
  /** Activity interceptors (the metrics and log lines of each attempt). */
  interceptors?: ActivityInterceptorsFactory[];
}

export const DEFAULT_MAX_CACHED_WORKFLOWS = 500;

export function createWorker(s: WorkerSettings): Promise<Worker> {
  return Worker.create({
    connection: s.connection,
    namespace: s.namespace,
    taskQueue: s.taskQueue,
    activities: withoutPersonalDataInFailures(createActivities(s.deps)),
    dataConverter: temporalDataConverter(s.keyRing),
    ...(s.workflowBundle ? { workflowBundle: s.workflowBundle } : { workflowsPath }),
    shutdownGraceTime: '10 seconds',
    // The SDK's default is ~60% of the heap limit in MB (2,400 workflows on a 4 GB heap): every one of a thousand idle
    // requests stayed cached and the process grew past 800 MB. Requests wait days between tasks; replaying a short
    // history on the next task is cheaper than keeping every one in memory.
    maxCachedWorkflows: s.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    ...(s.interceptors ? { interceptors: { activity: s.interceptors } } : {}),
  });
}

export { startRecordedRequests } from '../activities/sweep.ts';
