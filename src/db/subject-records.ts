import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { SubjectIdentifierKind } from '../domain/subjects.ts';

// Reading a subject's record (GET /v1/subjects/...) and recording staff's duplicate decisions.

export const subjectRecordRow = z.object({ id: z.string(), organization_id: z.string(), created_at: z.string() });

export const findSubjectRecord = (db: CommonQueryMethods, id: string) =>
  db.maybeOne(sql.type(subjectRecordRow)`select id, organization_id, created_at from dsrflow.subjects where id = ${id}`);

/** Subjects holding one of these identifier hashes (an index lookup: identifiers are never scanned or compared in clear). */
export const findSubjectsByIdentifier = (db: CommonQueryMethods, kind: SubjectIdentifierKind, hashes: string[], organizationId: string | undefined) =>
  db.any(sql.type(subjectRecordRow)`
    select distinct s.id, s.organization_id, s.created_at from dsrflow.subject_identifiers i join dsrflow.subjects s on s.id = i.subject_id
    where i.kind = ${kind} and i.identifier_hash = any(${sql.array(hashes, 'text')})
      ${organizationId !== undefined ? sql.fragment`and i.organization_id = ${organizationId}` : sql.fragment``}
    order by s.organization_id, s.id`);

/** Subjects holding any of these identifiers (each kind with its hashes), in every organization: one index lookup each. */
export const findSubjectsByIdentifiers = (db: CommonQueryMethods, probes: ReadonlyArray<{ kind: SubjectIdentifierKind; hashes: readonly string[] }>) => {
  const pairs = probes.flatMap((p) => p.hashes.map((h) => [p.kind, h] as const));
  return pairs.length === 0
    ? Promise.resolve([])
    : db.any(sql.type(subjectRecordRow)`
        select distinct s.id, s.organization_id, s.created_at
        from unnest(${sql.array(pairs.map((p) => p[0]), 'text')}, ${sql.array(pairs.map((p) => p[1]), 'text')}) as probe (kind, identifier_hash)
        join dsrflow.subject_identifiers i on i.kind = probe.kind and i.identifier_hash = probe.identifier_hash
        join dsrflow.subjects s on s.id = i.subject_id
        order by s.organization_id, s.id`);
};

export const subjectRequestRow = z.object({
  id: z.string(),
  organization_id: z.string(),
  type: z.string(),
  regulation: z.string(),
  status: z.string(),
  received_at: z.string(),
  due_at: z.string(),
  completed_at: z.string().nullable(),
  duplicate_of: z.string().nullable(),
  duplicate_decision: z.enum(['merged', 'kept']).nullable(),
  over_limit: z.boolean(),
  /** The calendar the request's dates count in (null before calendars were stored). */
  holiday_calendar: z.record(z.string(), z.unknown()).nullish(),
});

/** The requests of these subjects (one person's, or the same person at several organizations), newest first. */
export const listSubjectRequests = (db: CommonQueryMethods, subjectIds: readonly string[], limit = 1000) =>
  db.any(sql.type(subjectRequestRow)`
    select id, organization_id, type, regulation, status, received_at, coalesce(extended_due_at, due_at) as due_at, completed_at,
           duplicate_of, duplicate_decision, over_limit is not null as over_limit, holiday_calendar
    from dsrflow.requests where subject_id = any(${sql.array([...subjectIds], 'text')}) order by received_at desc, id desc limit ${limit}`);

const identifiersRow = z.object({
  emails: z.array(z.string()),
  customer_ids: z.array(z.string()),
  phones: z.array(z.string()),
  full_names: z.array(z.string()),
});

/** The identifiers the subject's requests gave, each once (personal data: the read is audited by the caller). */
export const subjectIdentifiers = (db: CommonQueryMethods, subjectId: string) =>
  db.one(sql.type(identifiersRow)`
    select coalesce(array_agg(distinct lower(trim(s.email))) filter (where s.email is not null), '{}') as emails,
           coalesce(array_agg(distinct s.customer_id) filter (where s.customer_id is not null), '{}') as customer_ids,
           coalesce(array_agg(distinct s.phone) filter (where s.phone is not null), '{}') as phones,
           coalesce(array_agg(distinct s.full_name) filter (where s.full_name is not null), '{}') as full_names
    from dsrflow.request_subjects s join dsrflow.requests r on r.id = s.request_id where r.subject_id = ${subjectId}`);

const holdRow = z.object({ request_id: z.string(), basis: z.string(), placed_at: z.string() });
export const openLegalHolds = (db: CommonQueryMethods, subjectId: string) =>
  db.any(sql.type(holdRow)`
    select h.request_id, h.basis, h.placed_at from dsrflow.legal_holds h join dsrflow.requests r on r.id = h.request_id
    where r.subject_id = ${subjectId} and h.lifted_at is null order by h.placed_at`);

/** An audit event about a subject (a read of its record, a lookup by identifier) or a duplicate decision on a request. */
export const recordSubjectEvent = (
  db: CommonQueryMethods,
  e: { eventKey: string; requestId?: string; organizationId: string | null; actor: string; action: string; reason: string; details: Record<string, unknown> },
) =>
  db.query(sql.unsafe`
    insert into dsrflow.audit_events (event_key, request_id, organization_id, actor, action, reason, details)
    values (${e.eventKey}, ${e.requestId ?? null}, ${e.organizationId}, ${e.actor}, ${e.action}, ${e.reason}, ${sql.jsonb(e.details as never)})
    on conflict (event_key) do nothing`);

const duplicateRow = z.object({
  id: z.string(),
  organization_id: z.string(),
  status: z.string(),
  duplicate_of: z.string().nullable(),
  duplicate_decision: z.enum(['merged', 'kept']).nullable(),
  duplicate_decided_by: z.string().nullable(),
  duplicate_decided_at: z.string().nullable(),
  original_status: z.string().nullable(),
});

export const findDuplicate = (db: CommonQueryMethods, requestId: string) =>
  db.maybeOne(sql.type(duplicateRow)`
    select r.id, r.organization_id, r.status, r.duplicate_of, r.duplicate_decision, r.duplicate_decided_by, r.duplicate_decided_at, o.status as original_status
    from dsrflow.requests r left join dsrflow.requests o on o.id = r.duplicate_of where r.id = ${requestId}`);

/** Takes staff's decision once: false when another decision was recorded first. */
export async function recordDuplicateDecision(db: CommonQueryMethods, requestId: string, decision: 'merged' | 'kept', actor: string): Promise<boolean> {
  const row = await db.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
    update dsrflow.requests set duplicate_decision = ${decision}, duplicate_decided_by = ${actor}, duplicate_decided_at = now()
    where id = ${requestId} and duplicate_of is not null and duplicate_decision is null returning id`);
  return row !== null;
}

/** A merge the workflow refused (the request closed meanwhile) is undone: the request was not closed as a duplicate. */
export const clearDuplicateDecision = (db: CommonQueryMethods, requestId: string) =>
  db.query(sql.unsafe`update dsrflow.requests set duplicate_decision = null, duplicate_decided_by = null, duplicate_decided_at = null where id = ${requestId} and duplicate_decision = 'merged'`);
