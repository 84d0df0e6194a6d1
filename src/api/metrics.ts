import { timingSafeEqual, createHash } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { Gauge } from 'prom-client';
import { oldestPendingPushSeconds, openRequestFigures } from '../db/operations-figures.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { AppDeps } from './deps.ts';
import { ApiError } from './errors.ts';

/** The route template a request matched (`/v1/requests/:id`), never its path: paths carry ids and emails. */
function routeTemplate(c: Parameters<MiddlewareHandler>[0]): string {
  const handlers = matchedRoutes(c).filter((r) => r.method !== 'ALL');
  return handlers.at(-1)?.path ?? 'unmatched';
}

/** Times every HTTP request into dsrflow_http_request_duration_seconds and logs one line with the request id. */
export const httpObserver =
  (metrics: Metrics, logger: AppDeps['logger']): MiddlewareHandler =>
  async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = routeTemplate(c);
    metrics.httpRequests.observe({ method: c.req.method, route, status: String(c.res.status) }, seconds);
    // The request's own id in the path ties this line to the workflow's and activities' lines (`dsr-<id>`).
    const requestId = /^\/(v1\/requests|console\/requests)\/([0-9a-f-]{36})/.exec(c.req.path)?.[2];
    logger.info('http', { requestId: c.get('requestId'), method: c.req.method, route, status: c.res.status, ms: Math.round(seconds * 1000), ...(requestId ? { dsrRequestId: requestId } : {}) });
  };

const GAUGES = {
  open: 'dsrflow_requests_open',
  overdue: 'dsrflow_requests_overdue',
  dueSoon: 'dsrflow_requests_due_within_7_days',
  pushLag: 'dsrflow_deletion_push_oldest_pending_seconds',
} as const;

/** Figures read from PostgreSQL at scrape time (registered once per registry). */
function registerRequestGauges(metrics: Metrics, deps: AppDeps): void {
  if (metrics.registry.getSingleMetric(GAUGES.open)) return;
  // A scrape collects every gauge at once: they share one read of the figures.
  let reading: ReturnType<typeof readFigures> | undefined;
  const readFigures = async () => {
    const now = deps.now();
    const [rows, lag] = await Promise.all([openRequestFigures(deps.pool, now), oldestPendingPushSeconds(deps.pool, now)]);
    return { rows, lag };
  };
  const figures = () => (reading ??= readFigures().finally(() => (reading = undefined)));
  const labelNames = ['status', 'regulation'] as const;
  const perRegulation = (name: string, help: string, value: (r: Awaited<ReturnType<typeof openRequestFigures>>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [metrics.registry],
      async collect() {
        const { rows } = await figures();
        this.reset();
        for (const r of rows) this.set({ status: r.status, regulation: r.regulation }, value(r));
      },
    });
  perRegulation(GAUGES.open, 'Requests not yet ended, by status and regulation', (r) => r.open);
  perRegulation(GAUGES.overdue, 'Open requests past their (extended) due date', (r) => r.overdue);
  perRegulation(GAUGES.dueSoon, 'Open requests due in the next 7 days', (r) => r.due_within_7_days);
  new Gauge({
    name: GAUGES.pushLag,
    help: 'Age of the oldest erasure waiting for the hourly push to the warehouse (0 when none waits)',
    registers: [metrics.registry],
    async collect() {
      this.set((await figures()).lag);
    },
  });
}

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['Operations'],
  summary: 'Prometheus metrics (text exposition format); a bearer token when METRICS_TOKEN is set',
  responses: {
    200: { content: { 'text/plain': { schema: z.string() } }, description: 'The metrics of this process' },
    401: { description: 'METRICS_TOKEN is set and the bearer token does not match' },
    503: { description: 'The database is unreachable: the request figures cannot be read' },
  },
});

const digest = (text: string) => createHash('sha256').update(text).digest();

export function metricsRouter(deps: AppDeps, metrics: Metrics, token: string | undefined) {
  registerRequestGauges(metrics, deps);
  return new OpenAPIHono().openapi(metricsRoute, async (c) => {
    if (token !== undefined) {
      const given = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
      if (!timingSafeEqual(digest(given), digest(token))) throw new ApiError(401, 'AUTH_INVALID', 'A valid metrics token is required (METRICS_TOKEN)');
    }
    let text: string;
    try {
      text = await metrics.registry.metrics();
    } catch {
      throw new ApiError(503, 'DATABASE_UNAVAILABLE', 'The request figures cannot be read now; try again');
    }
    return c.body(text, 200, { 'content-type': metrics.registry.contentType });
  });
}
