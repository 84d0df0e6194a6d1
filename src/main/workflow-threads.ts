import workerThreads, { type Worker as NodeWorker } from 'node:worker_threads';
import { Gauge, type Registry } from 'prom-client';

// The Temporal SDK runs workflow code in worker threads of its own (one with reuseV8Context, its default). Each has
// its own V8 heap, which holds the sticky cache: the main thread's heap statistics do not see it, so a worker's
// memory looked "native" (docs/operations.md "Sizing a worker"). Node 24 reads a thread's heap from outside
// (Worker.getHeapStatistics); the SDK does not hand out its threads, so they are noted as they are made.
const WORKFLOW_THREAD = 'workflow-worker-thread';
const threads = new Set<NodeWorker>();
let noting = false;

/** From now on, the SDK's workflow threads are noted as they start (call before the worker is created). */
function noteWorkflowThreads(): void {
  if (noting) return;
  noting = true;
  const Original = workerThreads.Worker;
  class Noted extends Original {
    constructor(...args: ConstructorParameters<typeof Original>) {
      super(...args);
      if (String(args[0]).includes(WORKFLOW_THREAD)) {
        threads.add(this);
        this.once('exit', () => threads.delete(this));
      }
    }
  }
  // The SDK reads the class from the module object at each `new` (CommonJS), so replacing it there is enough.
  (workerThreads as { Worker: typeof Original }).Worker = Noted;
}

/** The workflow threads' V8 heaps, summed: in use, allocated, and the limit (one thread's, times the threads). */
export async function workflowThreadHeaps(): Promise<{ threads: number; used: number; total: number; limit: number; external: number; detachedContexts: number }> {
  const stats = await Promise.all([...threads].map((t) => t.getHeapStatistics().catch(() => null)));
  const read = stats.filter((s) => s !== null);
  const sum = (pick: (s: (typeof read)[number]) => number) => read.reduce((n, s) => n + pick(s), 0);
  return {
    threads: read.length,
    used: sum((s) => s.used_heap_size),
    total: sum((s) => s.total_heap_size),
    limit: sum((s) => s.heap_size_limit),
    external: sum((s) => s.external_memory),
    detachedContexts: sum((s) => s.number_of_detached_contexts),
  };
}

/** Notes the workflow threads and serves their heaps as gauges on the worker's registry. */
export function workflowThreadMetrics(registry: Registry): void {
  noteWorkflowThreads();
  if (registry.getSingleMetric('dsrflow_workflow_thread_heap_used_bytes')) return;
  const gauge = (name: string, help: string, pick: (h: Awaited<ReturnType<typeof workflowThreadHeaps>>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(pick(await workflowThreadHeaps()));
      },
    });
  gauge('dsrflow_workflow_thread_heap_used_bytes', 'V8 heap in use in the SDK’s workflow threads (the sticky cache lives there), summed', (h) => h.used);
  gauge('dsrflow_workflow_thread_heap_total_bytes', 'V8 heap allocated by the SDK’s workflow threads, summed: what they add to the RSS', (h) => h.total);
  gauge('dsrflow_workflow_thread_heap_limit_bytes', 'V8 heap limit of the SDK’s workflow threads, summed (each has the process’s --max-old-space-size)', (h) => h.limit);
  gauge('dsrflow_workflow_thread_external_bytes', 'Memory the workflow threads’ JavaScript holds outside their heaps (ArrayBuffers), summed', (h) => h.external);
  gauge('dsrflow_workflow_thread_detached_contexts', 'V8 contexts detached but not yet collected in the workflow threads (a growing count is a leak of workflow sandboxes)', (h) => h.detachedContexts);
}
