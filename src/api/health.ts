import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { sql } from 'slonik';
import type { AppDeps } from './deps.ts';

const CheckSchema = z.enum(['ok', 'unreachable']);
const HealthSchema = z
  .object({ status: z.enum(['ok', 'degraded']), checks: z.object({ database: CheckSchema, temporal: CheckSchema }) })
  .openapi('Health');

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['Operations'],
  summary: 'Database and Temporal reachability',
  responses: {
    200: { content: { 'application/json': { schema: HealthSchema } }, description: 'Everything reachable' },
    503: { content: { 'application/json': { schema: HealthSchema } }, description: 'A dependency is unreachable' },
  },
});

const within = <T>(ms: number, p: Promise<T>) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

export function healthRouter(deps: AppDeps) {
  return new OpenAPIHono().openapi(healthRoute, async (c) => {
    const [database, temporal] = await Promise.all([
      within(3000, deps.pool.oneFirst(sql.type(z.object({ ok: z.number() }))`select 1 as ok`)).then(() => 'ok' as const, () => 'unreachable' as const),
      within(3000, deps.temporal.client.connection.workflowService.getSystemInfo({})).then(() => 'ok' as const, () => 'unreachable' as const),
    ]);
    const healthy = database === 'ok' && temporal === 'ok';
    const body = { status: healthy ? ('ok' as const) : ('degraded' as const), checks: { database, temporal } };
    return healthy ? c.json(body, 200) : c.json(body, 503);
  });
}
