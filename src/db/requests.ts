import { ForeignKeyIntegrityConstraintViolationError, sql, type CommonQueryMethods, type ValueExpression } from 'slonik';
import { DomainError } from '../domain/errors.ts';
import { z } from 'zod';
import type { HolidayCalendar } from '../domain/holidays.ts';
import type { RegulationCode } from '../domain/regulations.ts';
import { EXPORT_FORMATS, type ExportFormat } from '../domain/data-model.ts';
import { CHANNELS, REQUEST_STATUSES, REQUEST_TYPES } from '../domain/request.ts';
import { SUPPRESSION_SCOPES, type SuppressionScope } from '../domain/suppression.ts';
import { insertCorrections, type NewCorrection } from './rectification.ts';
import { identifierLocks, linkRequestToSubject, writeRequestEvents, type RequestAuditEvent, type SubjectLinkInput } from './subjects.ts';

export const requestRow = z.object({
  id: z.uuid(),
  organization_id: z.string(),
  type: z.enum(REQUEST_TYPES),
  regulation: z.string(),
  status: z.enum(REQUEST_STATUSES),
  channel: z.enum(CHANNELS),
  received_at: z.string(),
  due_at: z.string(),
  acknowledge_by: z.string().nullable(),
  extended_due_at: z.string().nullable(),
  workflow_id: z.string(),
  workflow_started_at: z.string().nullable(),
  idempotency_key: z.string().nullable(),
  request_fingerprint: z.string(),
  created_by: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  completed_at: z.string().nullable(),
  overdue: z.boolean(),
  extensions_used: z.number(),
  paused_days: z.number(),
  acknowledged_at: z.string().nullable(),
  /** Restriction and objection: the scopes the request named (null: none named, the type's defaults apply). */
  suppression_scopes: z.array(z.enum(SUPPRESSION_SCOPES)).nullable(),
  /** The data subject (docs/subjects.md); null only for requests recorded before subjects existed, until linked. */
  // Defaults: a database migrated only up to an earlier migration (tests of a data migration) has no such columns.
  subject_id: z.string().nullable().default(null),
  duplicate_of: z.string().nullable().default(null),
  duplicate_decision: z.enum(['merged', 'kept']).nullable().default(null),
  /** The repeat limit the request is over, with the earlier requests counted (domain/subjects.ts OverLimit). */
  over_limit: z.record(z.string(), z.unknown()).nullable().default(null),
  /** Access and portability: the formats to export in (null: recorded before they were stored; absent before migration 014). */
  export_formats: z.array(z.enum(EXPORT_FORMATS)).nullish(),
  /** The subject's language for every email (Privacy Center requests; null or absent before migration 018: English). */
  locale: z.string().nullish(),
  /** Staff decide the identity (an authorized agent, an identity document): no emailed link, no approval by policy (migration 020). */
  staff_verifies: z.boolean().default(false),
  /** The holiday calendar the request counts with (domain/holidays.ts HolidayCalendar); null before migration 023. */
  holiday_calendar: z.record(z.string(), z.unknown()).nullish(),
});
export type RequestRow = z.infer<typeof requestRow>;

export const subjectRow = z.object({
  request_id: z.uuid(),
  email: z.string(),
  customer_id: z.string().nullable(),
  full_name: z.string().nullable(),
  phone: z.string().nullable(),
  extra_identifiers: z.record(z.string(), z.string()),
});
export type SubjectRow = z.infer<typeof subjectRow>;

export interface NewRequest {
  id: string;
  organizationId: string;
  type: RequestRow['type'];
  regulation: string;
  channel: RequestRow['channel'];
  receivedAt: string;
  dueAt: string;
  acknowledgeBy: string | null;
  workflowId: string;
  idempotencyKey: string | null;
  fingerprint: string;
  createdBy: string;
  subject: { email: string; customerId?: string | undefined; fullName?: string | undefined; phone?: string | undefined; extra?: Record<string, string> | undefined };
  /** A connected system's own id for the request: the same (source, externalId) returns the first request. */
  external?: { source: string; externalId: string } | undefined;
  /** Rectification: the corrections, stored with the request (personal data, never sent to Temporal). */
  corrections?: readonly NewCorrection[] | undefined;
  /** Restriction and objection: the scopes named in the request, checked by the API. */
  suppressionScopes?: readonly SuppressionScope[] | undefined;
  /** The subject the request links to, found from keyed hashes of its identifiers (api/subjects/intake.ts). */
  subjectLink?: SubjectLinkInput | undefined;
  /** Access and portability: the formats to export in, as chosen or defaulted at intake. */
  exportFormats?: readonly ExportFormat[] | undefined;
  /** Privacy Center: the subject's language and where they live (it chose the regulation). */
  locale?: string | undefined;
  residence?: string | undefined;
  /** Staff decide the identity (authorized agent, identity document required): set before the workflow starts. */
  staffVerifies?: boolean | undefined;
  /** The holiday calendar the due dates were counted with, stored whole (docs/deadlines.md, "Determinism"). */
  holidayCalendar?: HolidayCalendar | undefined;
}

/**
 * Inserts the request, its subject and its corrections in one transaction; with an idempotency key already used,
 * inserts nothing and returns the first. An organization that does not exist is ORGANIZATION.UNKNOWN.
 */
export async function insertRequest(db: CommonQueryMethods, r: NewRequest): Promise<{ row: RequestRow; created: boolean }> {
  try {
    return await insertRequestRows(db, r);
  } catch (error) {
    // Checked by the key itself rather than looked up first: no race with an organization created meanwhile.
    if (error instanceof ForeignKeyIntegrityConstraintViolationError && error.constraint?.includes('organization_id')) {
      throw new DomainError('ORGANIZATION.UNKNOWN', `No organization '${r.organizationId}'; a token made with npm run token -- create --org ${r.organizationId} creates it`);
    }
    throw error;
  }
}

function insertRequestRows(db: CommonQueryMethods, r: NewRequest): Promise<{ row: RequestRow; created: boolean }> {
  return db.transaction(async (tx) => {
    if (r.external) {
      // Serialize deliveries of the same external id, so two concurrent retries cannot both open a request.
      await tx.query(sql.unsafe`select pg_advisory_xact_lock(hashtextextended(${`${r.external.source}\n${r.external.externalId}`}, 0))`);
      const first = await tx.maybeOne(sql.type(requestRow)`
        select r.* from dsrflow.request_sources s join dsrflow.requests r on r.id = s.request_id
        where s.source = ${r.external.source} and s.external_id = ${r.external.externalId}`);
      if (first) return { row: first, created: false };
    }
    // Optional columns only when given, so intake still runs on a schema before their migration (014, 018, 020, 023).
    const optional = [
      r.exportFormats ? (['export_formats', sql.array([...r.exportFormats], 'text')] as const) : null,
      r.holidayCalendar ? (['holiday_calendar', sql.jsonb({ ...r.holidayCalendar, holidays: [...r.holidayCalendar.holidays] })] as const) : null,
      r.locale ? (['locale', r.locale] as const) : null,
      r.staffVerifies ? (['staff_verifies', true] as const) : null,
    ].filter((c) => c !== null);
    const columns = (cs: ReadonlyArray<readonly [string, unknown]>) => (cs.length === 0 ? sql.fragment`` : sql.join(cs.map(([name]) => sql.fragment`, ${sql.identifier([name])}`), sql.fragment``));
    const values = (cs: ReadonlyArray<readonly [string, ValueExpression]>) => (cs.length === 0 ? sql.fragment`` : sql.join(cs.map(([, value]) => sql.fragment`, ${value}`), sql.fragment``));
    const residence = r.residence ? [['residence', r.residence] as const] : [];
    // The request and its subject in one statement (the subject's row only when the request is new), taking the
    // identifiers' locks for the link below.
    const inserted = await tx.maybeOne(sql.type(requestRow)`
      with inserted as (
        insert into dsrflow.requests (id, organization_id, type, regulation, status, channel, received_at, due_at, acknowledge_by,
                                      workflow_id, idempotency_key, request_fingerprint, created_by, suppression_scopes${columns(optional)})
        values (${r.id}, ${r.organizationId}, ${r.type}, ${r.regulation}, 'submitted', ${r.channel}, ${r.receivedAt}, ${r.dueAt},
                ${r.acknowledgeBy}, ${r.workflowId}, ${r.idempotencyKey}, ${r.fingerprint}, ${r.createdBy},
                ${r.suppressionScopes ? sql.array([...r.suppressionScopes], 'text') : null}${values(optional)})
        on conflict (organization_id, idempotency_key) do nothing
        returning *
      ), subject as (
        insert into dsrflow.request_subjects (request_id, email, customer_id, full_name, phone, extra_identifiers${columns(residence)})
        select id, ${r.subject.email}, ${r.subject.customerId ?? null}, ${r.subject.fullName ?? null}, ${r.subject.phone ?? null},
               ${sql.jsonb(r.subject.extra ?? {})}${values(residence)}
        from inserted
      )
      select inserted.* from inserted${r.subjectLink ? sql.fragment`, ${identifierLocks(r.organizationId, r.subjectLink)} as locked` : sql.fragment``}`);
    if (!inserted) {
      const first = await tx.one(sql.type(requestRow)`
        select * from dsrflow.requests where organization_id = ${r.organizationId} and idempotency_key = ${r.idempotencyKey}`);
      return { row: first, created: false };
    }
    if (r.external) {
      await tx.query(sql.unsafe`
        insert into dsrflow.request_sources (source, external_id, request_id) values (${r.external.source}, ${r.external.externalId}, ${r.id})`);
    }
    await insertCorrections(tx, r.id, r.corrections ?? []);
    const received: RequestAuditEvent = {
      key: 'received',
      action: 'request.received',
      toStatus: 'submitted',
      reason: null,
      details: { type: r.type, regulation: r.regulation, channel: r.channel, receivedAt: r.receivedAt, dueAt: r.dueAt, ...(r.holidayCalendar ? { calendarId: r.holidayCalendar.id } : {}), ...(r.exportFormats ? { exportFormats: [...r.exportFormats] } : {}) },
    };
    // The audit events last (with the subject's link): the audit chain's lock is held from the first to the commit.
    if (!r.subjectLink) {
      await writeRequestEvents(tx, { id: r.id, organizationId: r.organizationId, createdBy: r.createdBy }, [received]);
      return { row: inserted, created: true };
    }
    const linked = await linkRequestToSubject(tx, { id: r.id, organizationId: r.organizationId, type: r.type, regulation: r.regulation as RegulationCode, receivedAt: r.receivedAt, createdBy: r.createdBy }, r.subjectLink, { events: [received], identifiersLocked: true });
    return { row: { ...inserted, subject_id: linked.subjectId, duplicate_of: linked.duplicateOf, over_limit: linked.overLimit as RequestRow['over_limit'] }, created: true };
  });
}

export const findRequest = (db: CommonQueryMethods, id: string) =>
  db.maybeOne(sql.type(requestRow)`select * from dsrflow.requests where id = ${id}`);

export const findSubject = (db: CommonQueryMethods, requestId: string) =>
  db.maybeOne(sql.type(subjectRow)`select * from dsrflow.request_subjects where request_id = ${requestId}`);

export async function markWorkflowStarted(db: CommonQueryMethods, id: string): Promise<void> {
  await db.query(sql.unsafe`update dsrflow.requests set workflow_started_at = coalesce(workflow_started_at, now()) where id = ${id}`);
}

/** Requests recorded whose workflow start did not go through (Temporal was down): started again at worker start. */
export const listUnstartedRequests = (db: CommonQueryMethods, limit = 500) =>
  db.any(sql.type(requestRow)`select * from dsrflow.requests where workflow_started_at is null order by created_at limit ${limit}`);

/** The deadline facts the workflow projects; each field is written only when given. */
export interface DeadlineProjection {
  dueAt?: string;
  extendedDueAt?: string;
  extensionsUsed?: number;
  pausedDays?: number;
  overdue?: boolean;
  acknowledgedAt?: string;
}

export function projectionAssignments(p: DeadlineProjection) {
  const sets = [
    p.dueAt !== undefined ? sql.fragment`due_at = ${p.dueAt}` : null,
    p.extendedDueAt !== undefined ? sql.fragment`extended_due_at = ${p.extendedDueAt}` : null,
    p.extensionsUsed !== undefined ? sql.fragment`extensions_used = ${p.extensionsUsed}` : null,
    p.pausedDays !== undefined ? sql.fragment`paused_days = ${p.pausedDays}` : null,
    p.overdue !== undefined ? sql.fragment`overdue = ${p.overdue}` : null,
    p.acknowledgedAt !== undefined ? sql.fragment`acknowledged_at = coalesce(acknowledged_at, ${p.acknowledgedAt})` : null,
  ].filter((f) => f !== null);
  return sets;
}

export const insertNote = (db: CommonQueryMethods, note: { id: string; requestId: string; author: string; body: string }) =>
  db.query(sql.unsafe`insert into dsrflow.decision_notes (id, request_id, author, body) values (${note.id}, ${note.requestId}, ${note.author}, ${note.body}) on conflict (id) do nothing`);

export const findNote = (db: CommonQueryMethods, id: string) =>
  db.maybeOneFirst(sql.type(z.object({ body: z.string() }))`select body from dsrflow.decision_notes where id = ${id}`);
