import { createRoute, z } from '@hono/zod-openapi';
import { instant, organizationId } from '../fields.ts';
import { REGULATION_CODES } from '../../domain/regulations.ts';
import { REQUEST_STATUSES, REQUEST_TYPES } from '../../domain/request.ts';
import { readErrorResponses } from '../errors.ts';
import { CursorParam, LimitParam } from '../pagination.ts';
import { RequestSchema } from './requests.routes.ts';


export const ListRequestsQuery = z
  .object({
    status: z.enum(REQUEST_STATUSES).optional(),
    type: z.enum(REQUEST_TYPES).optional(),
    regulation: z.enum(REGULATION_CODES).optional(),
    organization: organizationId().optional().openapi({ description: 'Controllers always see their own organization only' }),
    overdue: z.enum(['true', 'false']).optional().openapi({ description: 'Open and past its (extended) due date' }),
    dueBefore: instant().optional(),
    receivedFrom: instant().optional().openapi({ description: 'Inclusive' }),
    receivedTo: instant().optional().openapi({ description: 'Exclusive' }),
    subject: z.string().regex(/^did:dsrflow:[0-9a-f]{32}$/, 'a subject id: did:dsrflow: and 32 hex digits').optional().openapi({ description: "One subject's requests" }),
    duplicate: z.enum(['true', 'false']).optional().openapi({ description: 'Flagged duplicateOf an open request of the same subject and type' }),
    duplicateUndecided: z.enum(['true']).optional().openapi({ description: 'Flagged duplicates staff have not merged or kept yet' }),
    overLimit: z.enum(['true', 'false']).optional().openapi({ description: 'Over a repeat limit of its regulation' }),
    cursor: CursorParam,
    limit: LimitParam(200, 50),
  })
  .strict();

export const RequestSummarySchema = RequestSchema.extend({ overdue: z.boolean(), completedAt: z.string().nullable() }).openapi('RequestSummary');
export const RequestPageSchema = z
  .object({ items: z.array(RequestSummarySchema), nextCursor: z.string().nullable() })
  .openapi('RequestPage');

const errorResponses = readErrorResponses;

export const listRequestsRoute = createRoute({
  method: 'get',
  path: '/v1/requests',
  tags: ['Requests'],
  summary: 'List requests, newest received first, with filters and cursor pagination',
  security: [{ bearer: [] }],
  request: { query: ListRequestsQuery },
  responses: {
    200: { content: { 'application/json': { schema: RequestPageSchema } }, description: 'A page of requests' },
    ...errorResponses,
  },
});

export const StatsQuery = z
  .object({
    organization: organizationId().optional(),
    receivedFrom: instant().optional().openapi({ description: 'Inclusive, e.g. the first day of the quarter' }),
    receivedTo: instant().optional().openapi({ description: 'Exclusive' }),
  })
  .strict();

const countsBy = (keys: readonly string[]) => z.object(Object.fromEntries(keys.map((k) => [k, z.number().int()]))) as z.ZodObject;
const FiguresSchema = z.object({
  total: z.number().int(),
  byStatus: countsBy(REQUEST_STATUSES),
  byType: countsBy(REQUEST_TYPES),
  overdue: z.number().int().openapi({ description: 'Open and past the (extended) due date now' }),
  medianDaysToComplete: z.number().nullable().openapi({ description: 'From receipt to completion, completed requests only' }),
  duplicates: z.number().int().openapi({ description: 'Flagged duplicateOf another request (merged, kept or undecided)' }),
  duplicatesUndecided: z.number().int().openapi({ description: 'Flagged duplicates staff have not decided on' }),
  overLimit: z.number().int().openapi({ description: 'Over a repeat limit of their regulation' }),
});
export const StatsSchema = FiguresSchema.extend({
  byRegulation: z.array(FiguresSchema.extend({ regulation: z.enum(REGULATION_CODES) })),
}).openapi('Stats');

export const statsRoute = createRoute({
  method: 'get',
  path: '/v1/stats',
  tags: ['Reporting'],
  summary: 'Counts by status and type, overdue, median days to complete, per regulation',
  security: [{ bearer: [] }],
  request: { query: StatsQuery },
  responses: {
    200: { content: { 'application/json': { schema: StatsSchema } }, description: 'The figures' },
    ...errorResponses,
  },
});
