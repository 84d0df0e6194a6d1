import { createRoute, z } from '@hono/zod-openapi';
import { LiveStateSchema } from '../requests/actions.routes.ts';
import { errorResponse } from '../errors.ts';
import { text } from '../fields.ts';

export const DuplicateDecisionBody = z
  .object({
    decision: z.enum(['merge', 'keep']).openapi({
      description: 'merge: this request closes as a duplicate (cancellation reason duplicate) and the subject is told which open request answers them; keep: both go on',
    }),
    note: text({ max: 4000 })
      .optional()
      .openapi({ description: 'Kept in PostgreSQL with the cancellation, never sent to Temporal' }),
  })
  .strict()
  .openapi('DuplicateDecision');

export const DuplicateDecisionResultSchema = z
  .object({
    id: z.uuid(),
    duplicateOf: z.uuid(),
    decision: z.enum(['merged', 'kept']),
    state: LiveStateSchema.optional().openapi({ description: 'merge: the state after the cancellation was accepted; absent for keep and for a repeated decision' }),
  })
  .openapi('DuplicateDecisionResult');

export const duplicateDecisionRoute = createRoute({
  method: 'post',
  path: '/v1/requests/{id}/duplicate',
  tags: ['Request actions'],
  summary: 'Decide on a request flagged duplicateOf: merge it into the open one, or keep both',
  security: [{ bearer: [] }],
  request: {
    params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }),
    body: { content: { 'application/json': { schema: DuplicateDecisionBody } }, required: true },
  },
  responses: {
    200: { content: { 'application/json': { schema: DuplicateDecisionResultSchema } }, description: 'Decided and recorded in the audit trail; the same decision again answers as taken (header Idempotent-Replayed: true, no state)' },
    400: errorResponse('Invalid body'),
    401: errorResponse('Missing or invalid token'),
    403: errorResponse('Role or organization may not act on this request'),
    404: errorResponse('No such request'),
    409: errorResponse('Not flagged as a duplicate, already decided otherwise, the open request has closed, or the request can no longer be cancelled'),
    503: errorResponse('Temporal unreachable; nothing was changed'),
  },
});
