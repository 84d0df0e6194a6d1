import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ScheduleNotFoundError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { sql } from 'slonik';
import { SCHEDULE_IDS } from '../workflow-client/schedule-ids.ts';
import type { AppDeps } from './deps.ts';

// Liveness and readiness apart: an orchestrator restarts a process that is not alive, and only routes traffic
// to one that is ready. A database outage makes the API unready, never "dead" (restarting it would not help).

const AliveSchema = z.object({ status: z.literal('ok') }).openapi('Alive');
const ReadySchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checks: z.object({
      database: z.enum(['ok', 'unreachable']),
      temporal: z.enum(['ok', 'unreachable']),
      /** The hourly deletion push and the recorded-requests sweep exist as Temporal Schedules. */
      schedules: z.enum(['ok', 'missing', 'unknown']),
      /** At least one worker polls the task queue. */
      worker: z.enum(['ok', 'none', 'unknown']),
    }),
  })
  .openapi('Readiness');

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['Operations'],
  summary: 'Liveness: the process answers HTTP (no dependency is checked)',
  responses: { 200: { content: { 'application/json': { schema: AliveSchema } }, description: 'Alive' } },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['Operations'],
  summary: 'Readiness: database, Temporal, the schedules, and a worker polling the task queue',
  responses: {
    200: { content: { 'application/json': { schema: ReadySchema } }, description: 'Everything ready' },
    503: { content: { 'application/json': { schema: ReadySchema } }, description: 'A part is unreachable or missing; `checks` says which' },
  },
});

const CHECK_MS = 3000;
const within = <T>(p: Promise<T>) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), CHECK_MS).unref())]);

export function healthRouter(deps: AppDeps) {
  const { client, namespace } = deps.temporal;
  const schedules = () =>
    Promise.all(SCHEDULE_IDS.map((id) => client.schedule.getHandle(id).describe())).then(
      () => 'ok' as const,
      (error: unknown) => (error instanceof ScheduleNotFoundError ? ('missing' as const) : ('unknown' as const)),
    );
  const worker = () =>
    client.workflowService
      .describeTaskQueue({ namespace, taskQueue: { name: deps.workflows.taskQueue }, taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW })
      .then((queue) => ((queue.pollers?.length ?? 0) > 0 ? ('ok' as const) : ('none' as const)), () => 'unknown' as const);

  return new OpenAPIHono()
    .openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(readyRoute, async (c) => {
      const [database, reachable] = await Promise.all([
        within(deps.pool.oneFirst(sql.type(z.object({ ok: z.number() }))`select 1 as ok`)).then(() => 'ok' as const, () => 'unreachable' as const),
        within(client.connection.workflowService.getSystemInfo({})).then(() => 'ok' as const, () => 'unreachable' as const),
      ]);
      const [scheduleCheck, workerCheck] =
        reachable === 'ok' ? await Promise.all([within(schedules()).catch(() => 'unknown' as const), within(worker()).catch(() => 'unknown' as const)]) : (['unknown', 'unknown'] as const);
      const checks = { database, temporal: reachable, schedules: scheduleCheck, worker: workerCheck };
      const ready = Object.values(checks).every((v) => v === 'ok');
      const body = { status: ready ? ('ok' as const) : ('degraded' as const), checks };
      return ready ? c.json(body, 200) : c.json(body, 503);
    });
}
