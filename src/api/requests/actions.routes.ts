import { createRoute, z } from '@hono/zod-openapi';
import { text } from '../fields.ts';
import { CANCELLATION_REASONS, EXTENSION_REASONS, LEGAL_EXCEPTIONS, REJECTION_REASONS, VERIFICATION_METHODS } from '../../domain/actions.ts';
import { REQUEST_STATUSES } from '../../domain/request.ts';
import { errorResponse } from '../errors.ts';

const note = text({ max: 4000 }).optional().openapi({ description: 'Free text kept in PostgreSQL (told to the subject where relevant), never sent to Temporal' });

export const VerificationBody = z.object({ outcome: z.enum(['verified', 'failed']), method: z.enum(VERIFICATION_METHODS) }).strict().openapi('VerificationDecision');
export const AssessmentBody = z
  .object({
    decision: z.enum(['approve', 'reject']),
    rejectionReason: z.enum(REJECTION_REASONS).optional(),
    legalExceptions: z.array(z.enum(LEGAL_EXCEPTIONS)).max(LEGAL_EXCEPTIONS.length).optional(),
    note,
  })
  .strict()
  .openapi('AssessmentDecision');
export const ExtensionBody = z.object({ reason: z.enum(EXTENSION_REASONS), note }).strict().openapi('ExtensionRequest');
export const CancellationBody = z.object({ reason: z.enum(CANCELLATION_REASONS), note }).strict().openapi('CancellationRequest');
export const CompletionBody = z.object({ note }).strict().openapi('CompletionRequest');

export const LiveStateSchema = z
  .object({
    status: z.enum(REQUEST_STATUSES),
    dueAt: z.string(),
    originalDueAt: z.string(),
    overdue: z.boolean(),
    extended: z.boolean(),
    extensionsUsed: z.number(),
    pausedDays: z.number(),
    acknowledgedAt: z.string().nullable(),
    verification: z.object({ outcome: z.string(), method: z.string(), actor: z.string() }).nullable(),
    assessment: z.object({ decision: z.string(), actor: z.string(), legalExceptions: z.array(z.string()) }).nullable(),
  })
  .openapi('LiveState');

export const ActionResultSchema = z
  .object({
    id: z.uuid(),
    accepted: z.literal(true),
    queued: z.boolean().openapi({
      description:
        'false: `state` is the request after the decision was acted on. true: the decision is accepted and waits behind the step under way (e.g. an email being retried); it will be applied without another call, and `state` is the request as it stands now',
    }),
    state: LiveStateSchema,
  })
  .openapi('ActionResult');

const actionRoute = <B extends z.ZodType>(path: string, summary: string, body: B) =>
  createRoute({
    method: 'post',
    path: `/v1/requests/{id}/${path}`,
    tags: ['Request actions'],
    summary,
    security: [{ bearer: [] }],
    request: {
      params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }),
      headers: z.object({
        'idempotency-key': text({ max: 200, trim: false }).optional().openapi({ description: 'A retry with the same key returns the first call’s result instead of a 409' }),
      }),
      body: { content: { 'application/json': { schema: body } }, required: true },
    },
    responses: {
      200: { content: { 'application/json': { schema: ActionResultSchema } }, description: 'Accepted and recorded in the request history' },
      400: errorResponse('Invalid body'),
      401: errorResponse('Missing or invalid token'),
      404: errorResponse('No such request'),
      409: errorResponse('Not valid in the request’s current state; the reason says why'),
      503: errorResponse('TEMPORAL_UNAVAILABLE: Temporal unreachable, nothing was changed; WORKER_UNAVAILABLE: no worker took the decision in time, it may still be applied (retry with the same Idempotency-Key)'),
    },
  });

export const verificationRoute = actionRoute('verification', 'Record the identity decision (staff verification)', VerificationBody);
export const assessmentRoute = actionRoute('assessment', 'Approve or reject the request', AssessmentBody);
export const extensionRoute = actionRoute('extension', 'Extend the response period (with a reason, before the original due date)', ExtensionBody);
export const cancellationRoute = actionRoute('cancellation', 'Cancel the request (e.g. withdrawn by the subject)', CancellationBody);
export const completionRoute = actionRoute('completion', 'Mark the request completed by staff', CompletionBody);
