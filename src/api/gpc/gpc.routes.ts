import { createRoute, z } from '@hono/zod-openapi';
import { emailAddress, organizationId, text } from '../fields.ts';
import { REGULATION_CODES } from '../../domain/regulations.ts';
import { ErrorSchema } from '../errors.ts';
import { RequestSchema } from '../requests/requests.routes.ts';

export const GpcSignalSchema = z
  .object({
    organizationId: organizationId().openapi({ description: 'The organization whose site the person is signed in to', example: 'acme' }),
    regulation: z.enum(REGULATION_CODES).openapi({ description: 'The law of where the person lives (CCPA for a Californian); it decides whether the signal is an opt-out', example: 'CCPA' }),
    subject: z
      .object({
        email: emailAddress().openapi({ example: 'jane@example.com' }),
        customerId: text({ max: 200 }).optional().openapi({ description: "The site's own id for the person", example: 'C-1001' }),
      })
      .strict(),
  })
  .strict()
  .openapi('GpcSignal');

export const GpcOutcomeSchema = z
  .object({
    outcome: z.enum(['recorded', 'already_opted_out', 'not_applicable']).openapi({
      description: 'recorded: a new opt-out of sale/sharing; already_opted_out: one is open or in force; not_applicable: the regulation does not make the signal an opt-out (nothing recorded)',
    }),
    request: RequestSchema.optional().openapi({ description: 'The opt-out request (noSale); absent when nothing applies' }),
  })
  .openapi('GpcOutcome');

const error = (description: string) => ({ content: { 'application/json': { schema: ErrorSchema } }, description });
const outcome = (description: string) => ({ content: { 'application/json': { schema: GpcOutcomeSchema } }, description });

export const gpcSignalRoute = createRoute({
  method: 'post',
  path: '/v1/webhooks/gpc',
  tags: ['Webhooks'],
  summary: "The organization's site forwards a signed-in person's Global Privacy Control signal (signed, no bearer token)",
  description:
    'Send when a signed-in user\'s browser sends `Sec-GPC: 1`. Signed like `POST /v1/webhooks/requests` (`Dsrflow-Source`, ' +
    '`Dsrflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`); each signature is accepted once: a replay is 401 ' +
    '(sign every delivery afresh). Under a regulation that makes the signal binding (CCPA, CPA, CTDPA, TDPSA) it records an ' +
    'opt-out of sale/sharing (noSale: no verification, approved by policy, suppressed the same day); an opt-out already open ' +
    'or in force is answered instead of a second one.',
  request: {
    headers: z.object({
      'dsrflow-source': z.string().openapi({ example: 'acme-site' }),
      'dsrflow-signature': z.string().openapi({ example: 't=1767225600,v1=5257a869...' }),
    }),
    body: { content: { 'application/json': { schema: GpcSignalSchema } }, required: true },
  },
  responses: {
    201: outcome('An opt-out of sale/sharing was recorded and started'),
    200: outcome('Nothing new: an opt-out is already open or in force, or the regulation does not make the signal an opt-out'),
    400: error('Invalid body (names the fields), or an unknown organization'),
    401: error('Missing, stale, replayed or wrong signature, or unknown source; nothing recorded'),
    413: error('Body too large'),
    429: error('Rate-limited; see Retry-After'),
    503: error('Recorded, but the workflow could not be started yet; deliver again (signed afresh)'),
  },
});
