import { OpenAPIHono } from '@hono/zod-openapi';
import { defaultHook } from '../errors.ts';
import { createDownloadHandlers, type DownloadDeps } from './downloads.handlers.ts';
import { downloadRoute } from './downloads.routes.ts';

export type { DownloadDeps };

/** `GET /downloads/{token}`: mounted outside `/v1` (no bearer token; the link is the credential). */
export function downloadsRouter(deps: DownloadDeps) {
  const handlers = createDownloadHandlers(deps);
  // The handler answers a raw streamed Response, which the typed route responses cannot describe.
  return new OpenAPIHono({ defaultHook }).openapi(downloadRoute, handlers.download as never);
}
