import { createRoute, z } from '@hono/zod-openapi';
import { instant, text } from '../fields.ts';
import { errorResponse, readErrorResponses } from '../errors.ts';
import { CursorParam, LimitParam } from '../pagination.ts';

export const AuditEventSchema = z
  .object({
    seq: z.number().int().openapi({ description: 'Position in the hash chain' }),
    id: z.number().int(),
    eventKey: z.string(),
    requestId: z.string().nullable(),
    organizationId: z.string().nullable(),
    occurredAt: z.string(),
    actor: z.string().openapi({ description: 'Token name, "subject", or "system"' }),
    action: z.string(),
    fromStatus: z.string().nullable(),
    toStatus: z.string().nullable(),
    reason: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi('AuditEvent');

export const AuditPageSchema = z.object({ items: z.array(AuditEventSchema), nextCursor: z.string().nullable() }).openapi('AuditPage');

const format = z.enum(['json', 'csv']).default('json').openapi({ description: 'csv streams every matching event (no paging)' });

export const AuditQuery = z
  .object({
    requestId: z.uuid().optional(),
    action: text({ max: 100 }).optional().openapi({ description: 'Exact action, or a family ending in "." (request.)' }),
    actor: text({ max: 200 }).optional(),
    from: instant().optional().openapi({ description: 'Inclusive' }),
    to: instant().optional().openapi({ description: 'Exclusive' }),
    cursor: CursorParam,
    limit: LimitParam(1000, 100),
    format,
  })
  .strict();

export const RequestAuditQuery = z.object({ cursor: CursorParam, limit: LimitParam(1000, 100), format }).strict();

export const ChainReportSchema = z
  .object({
    valid: z.boolean(),
    events: z.number().int(),
    head: z.object({ chainSeq: z.number().int(), hash: z.string() }).nullable().openapi({ description: 'Record it elsewhere: a later head must extend it' }),
    firstBrokenLink: z
      .object({ chainSeq: z.number().int(), eventId: z.number().int(), eventKey: z.string(), problem: z.enum(['sequence_gap', 'prev_hash_mismatch', 'hash_mismatch']) })
      .nullable(),
  })
  .openapi('AuditChainReport');

const errors = readErrorResponses;

const page = {
  content: { 'application/json': { schema: AuditPageSchema }, 'text/csv': { schema: z.string() } },
  description: 'Events in chain order (oldest first)',
} as const;

export const listAuditRoute = createRoute({
  method: 'get',
  path: '/v1/audit',
  tags: ['Audit'],
  summary: 'The audit trail, filtered; JSON pages or a CSV export',
  security: [{ bearer: [] }],
  request: { query: AuditQuery },
  responses: { 200: page, ...errors },
});

export const requestAuditRoute = createRoute({
  method: 'get',
  path: '/v1/requests/{id}/audit',
  tags: ['Audit'],
  summary: "One request's audit events",
  security: [{ bearer: [] }],
  request: { params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }), query: RequestAuditQuery },
  responses: { 200: page, ...errors, 404: errorResponse('No such request') },
});

export const verifyAuditRoute = createRoute({
  method: 'get',
  path: '/v1/audit/verify',
  tags: ['Audit'],
  summary: 'Recompute the hash chain and report the first broken link',
  security: [{ bearer: [] }],
  responses: { 200: { content: { 'application/json': { schema: ChainReportSchema } }, description: 'The chain report (valid or not)' }, ...errors },
});
