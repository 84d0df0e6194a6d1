import { createRoute, z } from '@hono/zod-openapi';
import { text } from '../fields.ts';
import { CHANNELS } from '../../domain/request.ts';
import { ErrorSchema } from '../errors.ts';
import { CreateRequestSchema, RequestSchema } from '../requests/requests.routes.ts';

export const WebhookRequestSchema = CreateRequestSchema.extend({
  externalId: text({ max: 200 }).openapi({ description: "The connected system's own id (ticket number): the same one never opens a second request", example: 'HD-4711' }),
  channel: z.enum(CHANNELS).default('webhook'),
})
  .strict()
  .openapi('WebhookRequest');

const error = (description: string) => ({ content: { 'application/json': { schema: ErrorSchema } }, description });

export const webhookRequestRoute = createRoute({
  method: 'post',
  path: '/v1/webhooks/requests',
  tags: ['Webhooks'],
  summary: 'A connected system opens a request (signed, no bearer token)',
  description:
    'Sign `<t>.<raw body>` with HMAC-SHA256 and the source’s secret (WEBHOOK_SOURCES); send `Dsrflow-Source: <source>` and ' +
    '`Dsrflow-Signature: t=<unix seconds>,v1=<hex>`. Timestamps more than 5 minutes from our clock are refused. ' +
    'The same externalId from the same source returns the first request (200, Idempotent-Replayed: true).',
  request: {
    headers: z.object({
      'dsrflow-source': z.string().openapi({ example: 'helpdesk' }),
      'dsrflow-signature': z.string().openapi({ example: 't=1767225600,v1=5257a869...' }),
    }),
    body: { content: { 'application/json': { schema: WebhookRequestSchema } }, required: true },
  },
  responses: {
    201: { content: { 'application/json': { schema: RequestSchema } }, description: 'Recorded and started' },
    200: { content: { 'application/json': { schema: RequestSchema } }, description: 'This externalId was already delivered: the first request' },
    400: error('Invalid body; names the fields'),
    401: error('Missing, stale or wrong signature, or unknown source; nothing recorded'),
    413: error('Body too large'),
    429: error('Rate-limited; see Retry-After'),
    503: error('Recorded, but the workflow could not be started yet; deliver again'),
  },
});
