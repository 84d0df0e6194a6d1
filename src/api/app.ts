import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { securityHeaders } from './security-headers.ts';
import { authorize } from './access.ts';
import { stampArrival } from './arrival.ts';
import type { AppDeps } from './deps.ts';
import { auditRouter } from './audit/audit.index.ts';
import { requireToken, type AuthEnv } from './auth.ts';
import { docsRouter } from './docs.ts';
import { completeResponses, RATE_LIMITED_PATHS } from './openapi-document.ts';
import { fixedWindowLimiter } from './rate-limit.ts';
import { consoleRouter } from './console/console.index.ts';
import { webhooksRouter } from './webhooks/webhooks.index.ts';
import { ApiError, defaultHook, onError } from './errors.ts';
import { methodNotAllowed } from './methods.ts';
import { subjectsRouter } from './subjects/subjects.index.ts';
import { downloadsRouter } from './downloads/downloads.index.ts';
import { healthRouter } from './health.ts';
import { httpObserver, metricsRouter } from './metrics.ts';
import { createMetrics } from '../platform/metrics.ts';
import { verificationLinkRouter } from './portal/verification-link.ts';
import { privacyCenterRouter } from './privacy-center/privacy-center.index.ts';
import { isUploadRequest, uploadBodyLimit } from './privacy-center/uploads.ts';
import { legalHoldsRouter } from './legal-holds/legal-holds.index.ts';
import { privacyCenterSettingsRouter } from './organizations/privacy-center-settings.index.ts';
import { suppressionsRouter } from './suppressions/suppressions.index.ts';
import { requestsRouter } from './requests/requests.index.ts';
import { appealPageRouter } from './appeals/appeal-page.ts';
import { appealsRouter } from './appeals/appeals.index.ts';
import { CODEC_MAX_BODY_BYTES, CODEC_PATHS, codecCors, codecRouter, consoleCodecRouter } from './codec/codec.index.ts';

const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: { title: 'dsrflow API', version: '0.1.0', description: 'Data-subject rights requests as durable workflows' },
} as const;

/** The HTTP API; every dependency is passed in, so tests build it against real test servers. */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook });
  app.use(securityHeaders({ publicUrl: deps.settings.publicUrl, trustProxy: deps.settings.trustProxy }));
  const metrics = deps.metrics ?? createMetrics();
  app.use(requestId());
  app.use(httpObserver(metrics, deps.logger));
  app.use(stampArrival(deps.now));
  // The codec server's preflights come before any route exists for OPTIONS.
  for (const path of CODEC_PATHS) app.use(`${path}*`, codecCors(deps));
  app.use(methodNotAllowed(() => app.routes));
  const limitBody = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `Request body over ${maxSize} bytes`);
      },
    });
  const apiLimit = limitBody(deps.settings.maxBodyBytes ?? 64 * 1024);
  // Temporal payloads run to 2 MiB each: the codec server takes more than the API's forms and JSON.
  const codecLimit = limitBody(CODEC_MAX_BODY_BYTES);
  // The Privacy Center's document uploads have their own limit (a few MB) and answer over it with a page.
  const documentLimit = uploadBodyLimit();
  app.use((c, next) =>
    CODEC_PATHS.some((p) => c.req.path.startsWith(p)) ? codecLimit(c, next) : isUploadRequest(c) ? documentLimit(c, next) : apiLimit(c, next),
  );
  app.route('/', healthRouter(deps));
  app.route('/', metricsRouter(deps, metrics, deps.settings.metricsToken));
  // Unauthenticated routes: admitted per client address first (one limiter shared by all of them).
  const admit = fixedWindowLimiter(deps.settings.publicRateLimit ?? { limit: 60, windowMs: 60_000 }, () => deps.now().getTime());
  // The Privacy Center's stylesheet and scripts are static files a page pulls in: they do not spend a visitor's allowance.
  const isStaticAsset = (path: string) => path.startsWith('/privacy/assets/') || path === '/privacy/widget.js';
  for (const path of RATE_LIMITED_PATHS) app.use(`${path}*`, (c, next) => (isStaticAsset(c.req.path) ? next() : admit(c, next)));
  app.route('/', verificationLinkRouter(deps));
  app.route('/', downloadsRouter(deps));
  app.route('/', appealPageRouter(deps));
  app.route('/', webhooksRouter(deps));
  // The Privacy Center (public form and status pages): admitted per address like the links; the form has its own limits too.
  app.route('/', privacyCenterRouter(deps));
  // The staff console: its own sessions (cookie + CSRF), the same access rules and decisions as /v1.
  app.on('POST', ['/console/sign-in', '/console/sign-in/*'], admit);
  app.route('/', consoleCodecRouter(deps));
  app.route('/console', consoleRouter(deps));
  // Everything else under /v1: a valid token, then role x route (and a controller's organization).
  app.use('/v1/*', requireToken(deps.pool), authorize(deps.pool));
  app.route('/', requestsRouter(deps));
  app.route('/', appealsRouter(deps));
  app.route('/', suppressionsRouter(deps));
  app.route('/', legalHoldsRouter(deps));
  app.route('/', privacyCenterSettingsRouter(deps));
  app.route('/', auditRouter(deps));
  app.route('/', subjectsRouter(deps));
  app.route('/', codecRouter(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'API token (dsr_...)' });
  // Generated once, on first request, when every route is mounted.
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  app.get('/openapi.json', (c) => c.json((document ??= completeResponses(app.getOpenAPI31Document(OPENAPI_INFO)))));
  app.route('/', docsRouter());
  app.notFound((c) => c.json({ error: { code: 'ROUTE_NOT_FOUND', message: `No route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError(onError(deps.logger));
  return app;
}

export type App = ReturnType<typeof createApp>;
