import { OpenAPIHono, type RouteHandler } from '@hono/zod-openapi';
import type { AppDeps } from '../deps.ts';
import { defaultHook } from '../errors.ts';
import { openRequest, toRequestBody } from '../requests/open-request.ts';
import { refuseReplays, verifyWebhookSignature, type WebhookEnv } from './signature.ts';
import { webhookRequestRoute } from './webhooks.routes.ts';
import { gpcSignalRoute } from '../gpc/gpc.routes.ts';
import { recordGpcOptOut } from '../gpc/opt-out.ts';
import { toRequestBody as requestBody } from '../requests/open-request.ts';

/** `POST /v1/webhooks/requests` and `/v1/webhooks/gpc`: mounted before the bearer-token check; the signature is the credential. */
export function webhooksRouter(deps: AppDeps) {
  const app = new OpenAPIHono<WebhookEnv>({ defaultHook });
  app.use('/v1/webhooks/*', verifyWebhookSignature(deps.settings.webhookSources ?? {}, deps.now));
  // A GPC delivery carries no id of its own to dedupe on: each signature is accepted once.
  app.use('/v1/webhooks/gpc', refuseReplays(deps.pool));
  const receive: RouteHandler<typeof webhookRequestRoute, WebhookEnv> = async (c) => {
    const { externalId, ...body } = c.req.valid('json');
    const source = c.get('webhookSource');
    const { row, created } = await openRequest(deps, body, {
      // The source acts for every organization it names; its name is the actor in the audit trail.
      actor: { tokenId: `webhook:${source}`, name: `webhook:${source}`, role: 'admin', organizationId: null },
      arrivedAt: c.get('arrivedAt'),
      idempotencyKey: null,
      external: { source, externalId },
    });
    if (!created) {
      c.header('Idempotent-Replayed', 'true');
      return c.json(toRequestBody(row), 200);
    }
    return c.json(toRequestBody(row), 201);
  };
  const receiveGpc: RouteHandler<typeof gpcSignalRoute, WebhookEnv> = async (c) => {
    const body = c.req.valid('json');
    const source = c.get('webhookSource');
    const result = await recordGpcOptOut(deps, {
      ...body,
      via: 'site',
      channel: 'webhook',
      actor: { tokenId: `webhook:${source}`, name: `webhook:${source}`, role: 'admin', organizationId: null },
      arrivedAt: c.get('arrivedAt'),
    });
    if (result.outcome === 'not_applicable') return c.json({ outcome: result.outcome }, 200);
    const request = requestBody(result.row);
    return result.outcome === 'recorded' ? c.json({ outcome: result.outcome, request }, 201) : c.json({ outcome: result.outcome, request }, 200);
  };
  return app.openapi(webhookRequestRoute, receive).openapi(gpcSignalRoute, receiveGpc);
}
