import { createRoute, z } from '@hono/zod-openapi';
import { emailAddress, instant, organizationId, text } from '../fields.ts';
import { LEGAL_EXCEPTIONS } from '../../domain/actions.ts';
import { EXPORT_FORMATS } from '../../domain/data-model.ts';
import { CALENDAR_IDS } from '../../domain/calendars.ts';
import { REGULATION_CODES } from '../../domain/regulations.ts';
import { CHANNELS, REQUEST_STATUSES, REQUEST_TYPES } from '../../domain/request.ts';
import { SUPPRESSION_SCOPES } from '../../domain/suppression.ts';
import { errorResponse } from '../errors.ts';
import { OverLimitSchema } from '../subjects/schemas.ts';

export const SubjectSchema = z
  .object({
    email: emailAddress().openapi({ example: 'jane@example.com' }),
    customerId: text({ max: 200 }).optional(),
    fullName: text({ max: 300 }).optional(),
    phone: text({ min: 3, max: 50 }).optional(),
  })
  .strict()
  .openapi('Subject');

export const CorrectionSchema = z
  .object({
    model: text({ max: 63, trim: false }).openapi({ description: 'A model of the data model (users, orders, ...)', example: 'users' }),
    field: text({ max: 63, trim: false }).openapi({ description: "A column of the model's table; not computed, not its key, not a link to other records", example: 'last_name' }),
    newValue: text({ min: 0, max: 10_000, trim: false })
      .nullable()
      .openapi({ description: "The correct value as text, parsed as the column's type (a date as YYYY-MM-DD); null clears a column that may be empty", example: 'García López' }),
    rowKey: text({ max: 200 })
      .optional()
      .openapi({ description: "Related models only (required there): the key of the record to correct. The users record is the subject's own.", example: '4711' }),
  })
  .strict()
  .openapi('Correction');

export const CreateRequestSchema = z
  .object({
    type: z.enum(REQUEST_TYPES),
    regulation: z.enum(REGULATION_CODES),
    subject: SubjectSchema,
    receivedAt: instant()
      .optional()
      .openapi({ description: 'When the request reached an official channel; defaults to now. Starts the legal clock.' }),
    channel: z.enum(CHANNELS).default('api'),
    calendarId: z
      .enum(CALENDAR_IDS)
      .optional()
      .openapi({ description: "The holiday calendar the deadlines count with, where the regulation allows a choice (GDPR: the member state where the controller is established). Default: the organization's establishment, else the regulation's own.", example: 'FR' }),
    organizationId: organizationId().optional().openapi({ description: 'An organization known to dsrflow (npm run token creates it); default: the token’s own, else DEFAULT_ORGANIZATION' }),
    corrections: z
      .array(CorrectionSchema)
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: 'rectify only, and required there: each checked against the data model and the live warehouse (400 naming the item)' }),
    scopes: z
      .array(z.enum(SUPPRESSION_SCOPES))
      .min(1)
      .max(SUPPRESSION_SCOPES.length)
      .optional()
      .openapi({ description: "restrict and object only: what to suppress (restrict: all_processing; object: all_processing, marketing, profiling). Default: the type's usual scopes." }),
    formats: z
      .array(z.enum(EXPORT_FORMATS))
      .min(1)
      .max(EXPORT_FORMATS.length)
      .refine((formats) => new Set(formats).size === formats.length, 'each format at most once')
      .optional()
      .openapi({
        description: 'access and export only: the formats of the export, one file each. Default: EXPORT_FORMATS when the request is recorded (stored with it).',
        example: ['csv', 'docx'],
        uniqueItems: true,
      }),
  })
  .strict()
  .openapi('CreateRequest');

export const RequestSchema = z
  .object({
    id: z.uuid(),
    organizationId: z.string(),
    type: z.enum(REQUEST_TYPES),
    regulation: z.enum(REGULATION_CODES),
    status: z.enum(REQUEST_STATUSES),
    channel: z.enum(CHANNELS),
    receivedAt: z.string(),
    dueAt: z.string(),
    acknowledgeBy: z.string().nullable(),
    calendarId: z.string().nullable().openapi({ description: 'The holiday calendar the deadlines count with; null for a request recorded before calendars were stored' }),
    workflowId: z.string(),
    subjectId: z
      .string()
      .nullable()
      .openapi({ description: "The data subject's pseudonymous id (did:dsrflow:...); null only for a request recorded before subjects existed", example: 'did:dsrflow:3f2a9c0d4b1e8f7a6c5d4e3f2a1b0c9d' }),
    duplicateOf: z.uuid().nullable().openapi({ description: 'The same subject’s open request of the same type when this one was recorded; staff merge or keep it' }),
    overLimit: z.boolean().openapi({ description: "Over a repeat limit of the regulation (the request's detail says which rule)" }),
  })
  .openapi('Request');

export const TimelineEventSchema = z
  .object({
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    fromStatus: z.string().nullable(),
    toStatus: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .openapi('TimelineEvent');

export const ErasureSummarySchema = z
  .object({
    legalHolds: z.array(z.string()).openapi({ description: 'legal holds in force (named in the assessment, placed by the first pass)' }),
    liftedHolds: z
      .array(z.object({ basis: z.enum(LEGAL_EXCEPTIONS), liftedAt: z.string(), liftedBy: z.string(), reason: z.string().nullable() }))
      .openapi({ description: 'legal holds staff lifted (POST /v1/requests/{id}/legal-holds/{basis}/lift): when, by whom, why' }),
    erased: z.record(z.string(), z.number()).openapi({ description: 'rows deleted or anonymized per model, over every pass' }),
    retained: z.array(
      z.object({
        model: z.string(),
        rows: z.number(),
        bases: z.array(z.string()),
        eligibleAt: z.string().nullable().openapi({ description: 'when every reason has ended; null while a hold or condition applies' }),
        reviewAt: z.string().nullable().openapi({ description: 'when the scheduled erasure looks at it again' }),
      }),
    ),
    nextReviewAt: z.string().nullable().openapi({ description: 'when the scheduled erasure looks again: a retention period ends (erased then unless a hold applies) or an open condition is re-checked; null when nothing kept has a date' }),
    passes: z.number(),
    stage: z.enum(['preview', 'preview_no_data', 'preview_ambiguous', 'executed']).openapi({
      description: 'preview*: the plan for staff to read before they decide, nothing erased yet; executed: erasure has run',
    }),
    planAsOf: z.string().openapi({ description: 'the instant the plan shown was evaluated at' }),
    wouldErase: z.record(z.string(), z.number()).optional().openapi({ description: 'preview only: rows per model that approval would erase now' }),
  })
  .openapi('ErasureSummary');

export const SuppressionSchema = z
  .object({
    id: z.uuid(),
    scope: z.string(),
    basis: z.string(),
    effectiveAt: z.string(),
    liftedAt: z.string().nullable(),
    liftedBy: z.string().nullable(),
    liftReason: z.string().nullable(),
  })
  .openapi('Suppression');

export const ExportsSummarySchema = z
  .object({
    files: z
      .array(
        z.object({
          format: z.enum(EXPORT_FORMATS),
          status: z.enum(['building', 'ready', 'skipped', 'expired']),
          bytes: z.number().nullable(),
          readyAt: z.string().nullable(),
          expiresAt: z.string().nullable().openapi({ description: 'when the download link stops working and the file is deleted' }),
        }),
      )
      .openapi({ description: 'one per format: the formats asked for, and CSV when none of them could be written' }),
    skipped: z
      .array(
        z.object({
          format: z.enum(EXPORT_FORMATS),
          reason: z.string().openapi({ example: 'ROW_LIMIT: 50001 rows is over the 50000 rows a DOCX file holds; use CSV, JSON or XML' }),
          rows: z.number().openapi({ description: "the subject's rows in the export" }),
          limit: z.number().nullable().openapi({ description: 'the most rows the format holds' }),
        }),
      )
      .openapi({ description: 'formats asked for but not written (over their row limit); the subject is told in the download email' }),
  })
  .openapi('ExportsSummary');

export const DestinationDeliverySchema = z
  .object({
    event: z.string(),
    destination: z.string(),
    status: z.enum(['pending', 'delivered', 'abandoned']),
    attempts: z.number(),
    lastStatusCode: z.number().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: z.string().nullable(),
  })
  .openapi('DestinationDelivery');

export const RequestDetailSchema = RequestSchema.extend({
  subject: SubjectSchema,
  completedAt: z.string().nullable(),
  timeline: z.array(TimelineEventSchema),
  workflowUrl: z.string().optional(),
  /** Erasure requests: what was erased, what is kept and until when (pending future deletions). */
  erasure: ErasureSummarySchema.optional(),
  /** Restriction and objection requests that named their scopes. */
  scopes: z.array(z.enum(SUPPRESSION_SCOPES)).optional(),
  /** Restriction, objection and opt-out requests: the suppressions written (and lifted). */
  suppressions: z.array(SuppressionSchema).optional(),
  /** Access and export requests: the formats asked for (or EXPORT_FORMATS at intake); absent on requests recorded before. */
  formats: z.array(z.enum(EXPORT_FORMATS)).optional(),
  /** Access and export requests once exported: each file, and each format skipped with its reason. */
  exports: ExportsSummarySchema.optional(),
  /** Signed events sent to downstream destinations for this request, and how each delivery stands. */
  destinationDeliveries: z.array(DestinationDeliverySchema).optional(),
  /** Staff's decision on a request flagged duplicateOf (POST /v1/requests/{id}/duplicate); null while undecided. */
  duplicateDecision: z.enum(['merged', 'kept']).nullable(),
  /** The repeat limit the request is over, with the earlier requests counted; the assessment may reject as excessive. */
  repeatLimit: OverLimitSchema.nullable(),
}).openapi('RequestDetail');

const errors = {
  400: errorResponse('Invalid input; names the fields'),
  401: errorResponse('Missing or invalid token'),
} as const;

export const createRequestRoute = createRoute({
  method: 'post',
  path: '/v1/requests',
  tags: ['Requests'],
  summary: 'Record a rights request and start its workflow',
  security: [{ bearer: [] }],
  request: {
    headers: z.object({ 'idempotency-key': text({ max: 200, trim: false }).optional() }),
    body: { content: { 'application/json': { schema: CreateRequestSchema } }, required: true },
  },
  responses: {
    201: { content: { 'application/json': { schema: RequestSchema } }, description: 'Recorded and started (or the first request for this Idempotency-Key)' },
    ...errors,
    409: errorResponse('Idempotency-Key reused with a different body'),
    503: errorResponse('Recorded, but the workflow could not be started yet'),
  },
});

export const getRequestRoute = createRoute({
  method: 'get',
  path: '/v1/requests/{id}',
  tags: ['Requests'],
  summary: 'A request with its timeline',
  security: [{ bearer: [] }],
  request: { params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    200: { content: { 'application/json': { schema: RequestDetailSchema } }, description: 'The request' },
    ...errors,
    404: errorResponse('No such request'),
  },
});
