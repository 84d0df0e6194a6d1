import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { authorize } from './access.ts';
import { stampArrival } from './arrival.ts';
import type { AppDeps } from './deps.ts';
import { auditRouter } from './audit/audit.index.ts';
import { requireToken, type AuthEnv } from './auth.ts';
import { referencePage } from './docs.ts';
import { fixedWindowLimiter } from './rate-limit.ts';
import { webhooksRouter } from './webhooks/webhooks.index.ts';
import { ApiError, defaultHook, onError } from './errors.ts';
import { subjectsRouter } from './subjects/subjects.index.ts';
import { downloadsRouter } from './downloads/downloads.index.ts';
import { healthRouter } from './health.ts';
import { verificationLinkRouter } from './portal/verification-link.ts';
import { legalHoldsRouter } from './legal-holds/legal-holds.index.ts';
import { suppressionsRouter } from './suppressions/suppressions.index.ts';
import { requestsRouter } from './requests/requests.index.ts';

const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: { title: 'dsrflow API', version: '0.1.0', description: 'Data-subject rights requests as durable workflows' },
} as const;

/** The HTTP API; every dependency is passed in, so tests build it against real test servers. */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook });
  app.use(requestId());
  app.use(stampArrival(deps.now));
  app.use(
    bodyLimit({
      maxSize: deps.settings.maxBodyBytes ?? 64 * 1024,
      onError: () => {
        throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `Request body over ${deps.settings.maxBodyBytes ?? 64 * 1024} bytes`);
      },
    }),
  );
  app.route('/', healthRouter(deps));
  // Unauthenticated routes: admitted per client address first (one limiter shared by the three).
  const admit = fixedWindowLimiter(deps.settings.publicRateLimit ?? { limit: 60, windowMs: 60_000 }, () => deps.now().getTime());
  for (const path of ['/v1/webhooks/*', '/verify/*', '/downloads/*']) app.use(path, admit);
  app.route('/', verificationLinkRouter(deps));
  app.route('/', downloadsRouter(deps));
  app.route('/', webhooksRouter(deps));
  // Everything else under /v1: a valid token, then role x route (and a controller's organization).
  app.use('/v1/*', requireToken(deps.pool), authorize(deps.pool));
  app.route('/', requestsRouter(deps));
  app.route('/', suppressionsRouter(deps));
  app.route('/', legalHoldsRouter(deps));
  app.route('/', auditRouter(deps));
  app.route('/', subjectsRouter(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'API token (dsr_...)' });
  app.doc31('/openapi.json', OPENAPI_INFO);
  app.get('/docs', (c) => c.html(referencePage(app.getOpenAPI31Document(OPENAPI_INFO))));
  app.notFound((c) => c.json({ error: { code: 'ROUTE_NOT_FOUND', message: `No route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError(onError(deps.logger));
  return app;
}

export type App = ReturnType<typeof createApp>;
