import { createRoute, z } from '@hono/zod-openapi';
import { LEGAL_EXCEPTIONS } from '../../domain/actions.ts';
import { errorResponse, reasonText } from '../errors.ts';

export const HoldLiftBody = z
  .object({
    reason: reasonText('Why the hold ends (e.g. the claim was settled on 2026-11-02); kept in the audit trail'),
  })
  .strict()
  .openapi('LegalHoldLift');

export const HoldLiftResultSchema = z
  .object({
    requestId: z.uuid(),
    basis: z.enum(LEGAL_EXCEPTIONS),
    liftedAt: z.string(),
    liftedBy: z.string(),
    review: z.enum(['started', 'nothing_kept']).openapi({
      description: 'started: the scheduled erasure runs a pass now and erases what no other reason keeps; nothing_kept: the first pass found no one (or several) in the warehouse, so only the lift is recorded',
    }),
    workflowId: z.string().nullable(),
  })
  .openapi('LegalHoldLiftResult');

export const liftLegalHoldRoute = createRoute({
  method: 'post',
  path: '/v1/requests/{id}/legal-holds/{basis}/lift',
  tags: ['Request actions'],
  summary: 'Lift a legal hold named in the assessment of an erasure request that has ended, with the reason',
  description:
    "Recorded first (who, when, why, in the audit trail as legal_hold.lifted), then the request's scheduled erasure runs a pass at once: what the hold kept and no other reason keeps (a tax period, an open order) is erased now, the rest stays until its own date. The request detail lists the lift under erasure.liftedHolds.",
  security: [{ bearer: [] }],
  request: {
    params: z.object({
      id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
      basis: z.enum(LEGAL_EXCEPTIONS).openapi({ param: { name: 'basis', in: 'path' } }),
    }),
    body: { content: { 'application/json': { schema: HoldLiftBody } }, required: true },
  },
  responses: {
    202: { content: { 'application/json': { schema: HoldLiftResultSchema } }, description: 'Lift recorded (or, for a lift recorded while Temporal was unreachable, its review handed over now); the review is under way, or nothing was kept' },
    400: errorResponse('Invalid body or basis'),
    401: errorResponse('Missing or invalid token'),
    403: errorResponse('Role or organization may not act on this request'),
    404: errorResponse('No such request, or no such hold on it'),
    409: errorResponse('The hold was already lifted (the message says when and by whom), or the request is still running'),
    503: errorResponse('Recorded, but Temporal is unreachable: retry the same call, or the sweep starts the review within minutes'),
  },
});
