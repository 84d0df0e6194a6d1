import { createHash, randomUUID } from 'node:crypto';
import type { z } from '@hono/zod-openapi';
import { DEFAULT_EXPORT_FORMATS, type ExportFormat } from '../../domain/data-model.ts';
import { localDateOf } from '../../domain/dates.ts';
import { chooseCalendar, computeDeadlines } from '../../domain/deadlines.ts';
import { isDomainError } from '../../domain/errors.ts';
import { isTypeAllowed, type RegulationCode } from '../../domain/regulations.ts';
import { toDid } from '../../domain/subjects.ts';
import { establishmentCalendar } from '../../db/organizations.ts';
import { insertRequest, markWorkflowStarted, type RequestRow } from '../../db/requests.ts';
import { calendarForRequest } from '../../platform/holiday-calendars.ts';
import { startRequestWorkflow, workflowIdFor } from '../../workflow-client/starts.ts';
import { assertOrganization } from '../access.ts';
import type { AppDeps } from '../deps.ts';
import type { Actor } from '../auth.ts';
import { ApiError, validationError } from '../errors.ts';
import { subjectLinkFor } from '../subjects/intake.ts';
import { checkCorrections, checkScopes } from './corrections.ts';
import type { CreateRequestSchema } from './requests.routes.ts';

const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** The request as every route answers it: whitelisted fields, never the subject or internal columns. */
export const toRequestBody = (r: RequestRow) => ({
  id: r.id,
  organizationId: r.organization_id,
  type: r.type,
  regulation: r.regulation as RegulationCode,
  status: r.status,
  channel: r.channel,
  receivedAt: r.received_at,
  dueAt: r.extended_due_at ?? r.due_at,
  acknowledgeBy: r.acknowledge_by,
  calendarId: typeof r.holiday_calendar?.id === 'string' ? r.holiday_calendar.id : null,
  workflowId: r.workflow_id,
  subjectId: r.subject_id ? toDid(r.subject_id) : null,
  duplicateOf: r.duplicate_of,
  overLimit: r.over_limit !== null,
});

/**
 * Access and export: the formats named, or the configured default, stored with the request so a later change of
 * EXPORT_FORMATS does not alter a request already accepted. Other types name none (400).
 */
export function checkFormats(body: z.infer<typeof CreateRequestSchema>, configured: readonly ExportFormat[] | undefined): ExportFormat[] | undefined {
  if (body.type !== 'access' && body.type !== 'export') {
    if (body.formats !== undefined) throw validationError([{ field: 'formats', message: `only access and export requests name formats, not ${body.type}` }]);
    return undefined;
  }
  return [...(body.formats ?? configured ?? DEFAULT_EXPORT_FORMATS)];
}

// Canonical JSON of the body: the same Idempotency-Key with another body is a client bug, answered 409.
const fingerprint = (body: z.infer<typeof CreateRequestSchema>) => {
  const canonical = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)]))
      : v;
  return createHash('sha256').update(JSON.stringify(canonical(body))).digest('hex');
};

/**
 * The legal clock runs from receivedAt, counted with the calendar of the request, else of the organization's
 * establishment, else of the regulation; the calendar is made here, from the holiday library, and stored with the
 * request. A calendar the regulation does not allow is the client's `calendarId`.
 */
async function deadlinesFrom(deps: AppDeps, body: z.infer<typeof CreateRequestSchema>, organizationId: string, receivedAt: Date) {
  let choice;
  try {
    choice = chooseCalendar(body.regulation, { requested: body.calendarId, established: await establishmentCalendar(deps.pool, organizationId) });
  } catch (error) {
    if (isDomainError(error)) throw validationError([{ field: 'calendarId', message: error.message }]);
    throw error;
  }
  const calendar = calendarForRequest(choice.calendarId, localDateOf(receivedAt, choice.timeZone));
  try {
    return { calendar, deadlines: computeDeadlines({ regulation: body.regulation, type: body.type, receivedAt, calendar }) };
  } catch (error) {
    if (isDomainError(error)) throw validationError([{ field: 'receivedAt', message: `no deadline can be computed from it: ${error.message}` }]);
    throw error;
  }
}

async function recordRequest(deps: AppDeps, request: Parameters<typeof insertRequest>[1]) {
  try {
    return await insertRequest(deps.pool, request);
  } catch (error) {
    if (isDomainError(error) && error.code === 'ORGANIZATION.UNKNOWN') throw validationError([{ field: 'organizationId', message: error.message }]);
    throw error;
  }
}

export interface OpenRequestOptions {
  actor: Actor;
  /** When the request reached the API: the `receivedAt` when the body gives none. */
  arrivedAt: Date;
  idempotencyKey: string | null;
  external?: { source: string; externalId: string };
  /** Privacy Center: the subject's language (later emails use it) and residence (it chose the regulation). */
  locale?: string;
  residence?: string;
}

/**
 * The one way a request is opened (staff API and connected systems alike): check the body against the law and the
 * actor's organization, record the request, then start its workflow. A replay (same Idempotency-Key, or same
 * external id from the same source) returns the first request and starts it if it never started.
 */
export async function openRequest(deps: AppDeps, body: z.infer<typeof CreateRequestSchema>, opts: OpenRequestOptions): Promise<{ row: RequestRow; created: boolean }> {
  const { actor, idempotencyKey } = opts;
  const now = deps.now();
  const receivedAt = body.receivedAt ? new Date(body.receivedAt) : opts.arrivedAt;
  if (receivedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    throw validationError([{ field: 'receivedAt', message: 'must not be in the future' }]);
  }
  if (!isTypeAllowed(body.regulation, body.type)) {
    throw validationError([{ field: 'type', message: `${body.type} requests are not a right under ${body.regulation}` }]);
  }
  const organizationId = body.organizationId ?? actor.organizationId ?? deps.settings.defaultOrganization;
  assertOrganization(actor, organizationId);
  const suppressionScopes = checkScopes(body);
  const exportFormats = checkFormats(body, deps.settings.exportFormats);
  const corrections = await checkCorrections(deps, body);
  const { deadlines, calendar } = await deadlinesFrom(deps, body, organizationId, receivedAt);
  const id = randomUUID();
  const print = fingerprint(body);
  const subjectLink = await subjectLinkFor(deps, organizationId, body.subject);
  const { row, created } = await recordRequest(deps, {
    id,
    organizationId,
    type: body.type,
    regulation: body.regulation,
    channel: body.channel,
    receivedAt: receivedAt.toISOString(),
    dueAt: deadlines.dueAt.toISOString(),
    acknowledgeBy: deadlines.acknowledgeBy?.toISOString() ?? null,
    workflowId: workflowIdFor(id),
    idempotencyKey,
    fingerprint: print,
    createdBy: actor.name,
    subject: { email: body.subject.email, customerId: body.subject.customerId, fullName: body.subject.fullName, phone: body.subject.phone },
    external: opts.external,
    corrections,
    suppressionScopes: suppressionScopes ?? undefined,
    subjectLink,
    exportFormats,
    locale: opts.locale,
    residence: opts.residence,
    holidayCalendar: calendar,
  });
  if (!created && idempotencyKey !== null && row.request_fingerprint !== print) {
    throw new ApiError(409, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body', { requestId: row.id });
  }
  if (!row.workflow_started_at) {
    try {
      await startRequestWorkflow(deps.temporal.client, row, deps.workflows);
    } catch (error) {
      deps.logger.warn('workflow start failed; the request is recorded and starts when the worker restarts or the call is retried', {
        requestId: row.id,
        error: (error as Error).name,
      });
      throw new ApiError(503, 'WORKFLOW_START_FAILED', `Request ${row.id} was recorded but its workflow could not be started yet; retry with the same Idempotency-Key, or it starts when the worker restarts`, { requestId: row.id });
    }
    try {
      await markWorkflowStarted(deps.pool, row.id);
    } catch (error) {
      // Recorded and running: only the bookkeeping is behind. The sweep (or a replay) starts it again, which Temporal
      // answers "already started", and marks it then. The client has what it asked for.
      deps.logger.warn('workflow started but not yet marked as started; the sweep marks it', { requestId: row.id, error: (error as Error).name });
    }
  }
  return { row, created };
}
