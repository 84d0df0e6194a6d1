import { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import type { DatabasePool } from 'slonik';
import type { Logger } from '../platform/logger.ts';
import type { WorkflowSettings } from '../platform/temporal.ts';
import { requireToken, type AuthEnv } from './auth.ts';
import { ApiError, defaultHook, onError } from './errors.ts';
import { healthRouter } from './health.ts';
import { verificationLinkRouter } from './portal/verification-link.ts';
import { requestsRouter } from './requests/requests.index.ts';

export interface AppDeps {
  pool: DatabasePool;
  temporal: { client: Client; namespace: string; uiUrl: string | undefined };
  workflows: WorkflowSettings;
  settings: { defaultOrganization: string; maxBodyBytes?: number };
  logger: Logger;
  now: () => Date;
}

/** The HTTP API; every dependency is passed in, so tests build it against real test servers. */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AuthEnv>({ defaultHook });
  app.use(requestId());
  app.use(
    bodyLimit({
      maxSize: deps.settings.maxBodyBytes ?? 64 * 1024,
      onError: () => {
        throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `Request body over ${deps.settings.maxBodyBytes ?? 64 * 1024} bytes`);
      },
    }),
  );
  app.route('/', healthRouter(deps));
  app.route('/', verificationLinkRouter(deps));
  app.use('/v1/*', requireToken(deps.pool));
  app.route('/', requestsRouter(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'API token (dsr_...)' });
  app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 'dsrflow API', version: '0.1.0', description: 'Data-subject rights requests as durable workflows' } });
  app.notFound((c) => c.json({ error: { code: 'ROUTE_NOT_FOUND', message: `No route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError(onError(deps.logger));
  return app;
}

export type App = ReturnType<typeof createApp>;
