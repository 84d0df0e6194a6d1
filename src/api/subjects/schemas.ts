import { z } from '@hono/zod-openapi';
import { REGULATION_CODES } from '../../domain/regulations.ts';
import { REQUEST_STATUSES, REQUEST_TYPES } from '../../domain/request.ts';

// Shapes of the subject record and of the repeat-limit flag, shared by the subjects and requests routes.

export const RepeatLimitRuleSchema = z
  .object({
    types: z.array(z.enum(REQUEST_TYPES)).openapi({ description: 'Request types counted together' }),
    max: z.number().int().openapi({ description: 'Requests within the window the law asks to be answered (free of charge)' }),
    window: z.object({ amount: z.number().int(), unit: z.enum(['calendarMonths', 'calendarDays']) }),
    then: z.enum(['refuse', 'fee', 'nothing']).openapi({ description: 'What the law allows beyond it; never applied automatically' }),
    source: z.string(),
  })
  .openapi('RepeatLimitRule');

export const OverLimitSchema = z
  .object({
    regulation: z.enum(REGULATION_CODES),
    rule: RepeatLimitRuleSchema,
    windowStart: z.string().openapi({ description: 'Requests received after this instant (exclusive) and before this one count' }),
    earlierRequests: z.array(z.uuid()).openapi({ description: 'The earlier requests counted' }),
    rejectionReason: z.literal('excessive').openapi({ description: 'The assessment reason that matches, should staff refuse' }),
  })
  .openapi('OverLimit');

export const SubjectRequestSchema = z
  .object({
    id: z.uuid(),
    type: z.enum(REQUEST_TYPES),
    regulation: z.enum(REGULATION_CODES),
    status: z.enum(REQUEST_STATUSES),
    receivedAt: z.string(),
    dueAt: z.string(),
    completedAt: z.string().nullable(),
    duplicateOf: z.uuid().nullable(),
    duplicateDecision: z.enum(['merged', 'kept']).nullable(),
    overLimit: z.boolean(),
  })
  .openapi('SubjectRequest');

export const SubjectSummarySchema = z
  .object({ id: z.string().openapi({ example: 'did:dsrflow:3f2a9c0d4b1e8f7a6c5d4e3f2a1b0c9d' }), organizationId: z.string(), createdAt: z.string() })
  .openapi('SubjectSummary');

export const SubjectRecordSchema = SubjectSummarySchema.extend({
  identifiers: z
    .object({ emails: z.array(z.string()), customerIds: z.array(z.string()), phones: z.array(z.string()), fullNames: z.array(z.string()) })
    .openapi({ description: "What the subject's requests gave (personal data: every read is audited)" }),
  requests: z.array(SubjectRequestSchema).openapi({ description: 'Newest received first' }),
  openSuppressions: z.array(z.object({ id: z.uuid(), requestId: z.uuid(), scope: z.string(), basis: z.string(), effectiveAt: z.string() })),
  openLegalHolds: z.array(z.object({ requestId: z.uuid(), basis: z.string(), placedAt: z.string() })),
}).openapi('SubjectRecord');
