import { createRoute, z } from '@hono/zod-openapi';
import { errorResponse, reasonText } from '../errors.ts';

export const LiftBody = z
  .object({
    reason: reasonText('Why the suppression ends (e.g. the accuracy check of Art. 18(1)(a) is done); kept in the audit trail and sent to destinations'),
  })
  .strict()
  .openapi('SuppressionLift');

export const LiftResultSchema = z
  .object({
    suppressionId: z.uuid(),
    requestId: z.uuid(),
    status: z.literal('lifting'),
    workflowId: z.string(),
  })
  .openapi('SuppressionLiftResult');

export const liftSuppressionRoute = createRoute({
  method: 'post',
  path: '/v1/requests/{id}/suppressions/{suppressionId}/lift',
  tags: ['Request actions'],
  summary: 'Lift a suppression (a restriction ends, an objection or opt-out is withdrawn), with the reason',
  description:
    'Recorded first, then carried out by a workflow: the warehouse row is marked lifted (its seq advances for incremental readers), the audit trail records who and why, and every destination that takes suppression.lifted is told.',
  security: [{ bearer: [] }],
  request: {
    params: z.object({
      id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
      suppressionId: z.uuid().openapi({ param: { name: 'suppressionId', in: 'path' } }),
    }),
    body: { content: { 'application/json': { schema: LiftBody } }, required: true },
  },
  responses: {
    202: { content: { 'application/json': { schema: LiftResultSchema } }, description: 'Lift recorded; the workflow carries it out' },
    400: errorResponse('Invalid body'),
    401: errorResponse('Missing or invalid token'),
    403: errorResponse('Role or organization may not act on this request'),
    404: errorResponse('No such request, or no such suppression on it'),
    409: errorResponse('Already lifted, or a lift is already under way'),
    503: errorResponse('Recorded, but Temporal is unreachable: retry the same call, or it starts when the worker restarts'),
  },
});
