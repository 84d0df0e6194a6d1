import { createRoute, z } from '@hono/zod-openapi';
import { APPEAL_DECISIONS, APPEAL_STATUSES } from '../../domain/appeals.ts';
import { instant, text } from '../fields.ts';
import { errorResponse } from '../errors.ts';

export const AppealSchema = z
  .object({
    id: z.uuid(),
    requestId: z.uuid(),
    regulation: z.string(),
    status: z.enum(APPEAL_STATUSES),
    channel: z.enum(['staff', 'subject']),
    receivedAt: z.string(),
    dueAt: z.string().openapi({ description: "The decision is due by then (the regime's period from the appeal's receipt)" }),
    overdue: z.boolean(),
    extendedAt: z.string().nullable().openapi({ description: 'When staff extended the decision deadline (once, where the law allows it); dueAt is then the extended date' }),
    decidedAt: z.string().nullable(),
    decidedBy: z.string().nullable(),
    source: z.string().openapi({ description: 'The statute that grants the appeal and sets its period', example: 'Va. Code 59.1-577(C)' }),
    workflowId: z.string(),
  })
  .openapi('Appeal');

export const FileAppealBody = z
  .object({
    statement: text({ max: 4000 }).optional().openapi({ description: "The consumer's reasons for appealing, in their words (kept in PostgreSQL, never sent to Temporal)" }),
    receivedAt: instant().optional().openapi({ description: 'When the appeal reached an official channel (default: now)' }),
  })
  .strict()
  .openapi('AppealFiling');

export const AppealDecisionBody = z
  .object({
    decision: z.enum(APPEAL_DECISIONS),
    reasons: text({ max: 4000 }).openapi({ description: 'The written explanation the law requires; sent to the consumer' }),
  })
  .strict()
  .openapi('AppealDecision');

export const AppealExtensionBody = z
  .object({
    reason: text({ max: 4000 }).openapi({ description: 'Why more time is reasonably necessary; sent to the consumer with the new date (C.R.S. 6-1-1306(3))' }),
  })
  .strict()
  .openapi('AppealExtension');

const params = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

export const fileAppealRoute = createRoute({
  method: 'post',
  path: '/v1/requests/{id}/appeal',
  tags: ['Appeals'],
  summary: "File the consumer's appeal of a refused or partly answered request (staff, on the consumer's behalf)",
  security: [{ bearer: [] }],
  request: { params, body: { content: { 'application/json': { schema: FileAppealBody } }, required: false } },
  responses: {
    201: { content: { 'application/json': { schema: AppealSchema } }, description: 'Recorded; its workflow runs the decision deadline' },
    400: errorResponse('Invalid body'),
    401: errorResponse('Missing or invalid token'),
    403: errorResponse('Role or organization may not act on this request'),
    404: errorResponse('No such request'),
    409: errorResponse('APPEAL.NOT_GRANTED: the regime grants no appeal; APPEAL.NOT_APPEALABLE: the request was not refused or partly answered; APPEAL.WINDOW_CLOSED; APPEAL.ALREADY_FILED'),
    503: errorResponse('Recorded, but Temporal was unreachable: send the same call again'),
  },
});

export const getAppealRoute = createRoute({
  method: 'get',
  path: '/v1/requests/{id}/appeal',
  tags: ['Appeals'],
  summary: "The request's appeal and its decision",
  security: [{ bearer: [] }],
  request: { params },
  responses: {
    200: { content: { 'application/json': { schema: AppealSchema } }, description: 'The appeal' },
    401: errorResponse('Missing or invalid token'),
    403: errorResponse('Role or organization may not read this request'),
    404: errorResponse('No such request, or it was not appealed'),
  },
});

export const decideAppealRoute = createRoute({
  method: 'post',
  path: '/v1/requests/{id}/appeal/decision',
  tags: ['Appeals'],
  summary: 'Grant or deny the appeal, with the written reasons told to the consumer',
  security: [{ bearer: [] }],
  request: { params, body: { content: { 'application/json': { schema: AppealDecisionBody } }, required: true } },
  responses: {
    200: { content: { 'application/json': { schema: AppealSchema } }, description: 'Decided; the consumer is told' },
    400: errorResponse('Invalid body'),
    401: errorResponse('Missing or invalid token'),
    403: errorResponse('Role or organization may not act on this request'),
    404: errorResponse('No such request, or it was not appealed'),
    409: errorResponse('APPEAL.DECIDED: already decided'),
    503: errorResponse('Temporal unreachable; nothing was decided'),
  },
});

export const extendAppealRoute = createRoute({
  method: 'post',
  path: '/v1/requests/{id}/appeal/extension',
  tags: ['Appeals'],
  summary: "Extend the appeal's decision deadline, once, where the law allows it; the consumer is told the new date and why",
  security: [{ bearer: [] }],
  request: { params, body: { content: { 'application/json': { schema: AppealExtensionBody } }, required: true } },
  responses: {
    200: { content: { 'application/json': { schema: AppealSchema } }, description: 'Extended: dueAt is the new decision deadline; the consumer is told' },
    400: errorResponse('Invalid body (the reason is required)'),
    401: errorResponse('Missing or invalid token'),
    403: errorResponse('Role or organization may not act on this request'),
    404: errorResponse('No such request, or it was not appealed'),
    409: errorResponse(
      'APPEAL.EXTENSION_NOT_GRANTED: the regime allows no extension; APPEAL.ALREADY_EXTENDED; APPEAL.DECIDED; APPEAL.EXTENSION_TOO_LATE: the initial period has ended; APPEAL.NOT_STARTED; APPEAL.EXTENSION_UNAVAILABLE: an appeal opened before extensions existed',
    ),
    503: errorResponse('TEMPORAL_UNAVAILABLE: Temporal unreachable, nothing was extended; WORKER_UNAVAILABLE: no worker took the extension in time, it may still be applied (GET the appeal before retrying)'),
  },
});
