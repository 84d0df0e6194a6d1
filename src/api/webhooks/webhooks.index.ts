import { OpenAPIHono, type RouteHandler } from '@hono/zod-openapi';
import type { AppDeps } from '../deps.ts';
import { defaultHook } from '../errors.ts';
import { openRequest, toRequestBody } from '../requests/open-request.ts';
import { verifyWebhookSignature, type WebhookEnv } from './signature.ts';
import { webhookRequestRoute } from './webhooks.routes.ts';

/** `POST /v1/webhooks/requests`: mounted before the bearer-token check; the signature is the credential. */
export function webhooksRouter(deps: AppDeps) {
  const app = new OpenAPIHono<WebhookEnv>({ defaultHook });
  app.use('/v1/webhooks/*', verifyWebhookSignature(deps.settings.webhookSources ?? {}, deps.now));
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
  return app.openapi(webhookRequestRoute, receive);
}
