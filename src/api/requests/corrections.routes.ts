import { createRoute, z } from '@hono/zod-openapi';
import { errorResponse, readErrorResponses } from '../errors.ts';

export const CorrectionRecordSchema = z
  .object({
    position: z.number().int().openapi({ description: 'Index of the item in the request body: corrections[position]' }),
    model: z.string(),
    field: z.string(),
    rowKey: z.string().nullable().openapi({ description: "The related model's record; null for the subject's own users record" }),
    newValue: z.string().nullable().openapi({ description: 'The value asked for, as submitted' }),
    before: z.string().nullable().openapi({ description: 'The value the warehouse held before the correction (null until applied, or when it was empty)' }),
    after: z.string().nullable().openapi({ description: 'The value the warehouse holds after it, as PostgreSQL writes it' }),
    appliedAt: z.string().nullable(),
  })
  .openapi('CorrectionRecord');

export const CorrectionsSchema = z
  .object({
    requestId: z.uuid(),
    outcome: z.enum(['pending', 'applied', 'noData', 'ambiguous']).openapi({
      description: 'pending: not applied yet; noData: no user matches the identifiers; ambiguous: several do (staff decide)',
    }),
    items: z.array(CorrectionRecordSchema),
  })
  .openapi('Corrections');

export const correctionsRoute = createRoute({
  method: 'get',
  path: '/v1/requests/{id}/corrections',
  tags: ['Requests'],
  summary: "A rectification's corrections with the values before and after (personal data: every read is audited)",
  security: [{ bearer: [] }],
  request: { params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    200: { content: { 'application/json': { schema: CorrectionsSchema } }, description: 'The corrections, in body order' },
    ...readErrorResponses,
    404: errorResponse('No such request, or not a rectification request'),
  },
});
