import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { RegulationCode } from '../domain/regulations.ts';
import { REQUEST_STATUSES, REQUEST_TYPES, TERMINAL_STATUSES, type RequestType } from '../domain/request.ts';
import { checkRepeatLimits, toDid, type OverLimit, type SubjectIdentifierKind } from '../domain/subjects.ts';

// Linking a request to its subject, inside the transaction that records the request (docs/subjects.md).

/** What intake computed before the transaction: keyed hashes (current secret first) and the warehouse's answer. */
export interface SubjectLinkInput {
  /** The id a new subject gets: the keyed hash of the normalized email. */
  newSubjectId: string;
  hashes: Partial<Record<SubjectIdentifierKind, string[]>>;
  /** The warehouse matched the identifiers to several customers: they disagree, so only the email links. */
  warehouseAmbiguous: boolean;
}

export interface SubjectLinkResult {
  subjectId: string;
  duplicateOf: string | null;
  overLimit: OverLimit | null;
}

const identifierRow = z.object({ kind: z.string(), subject_id: z.string() });
const earlierRow = z.object({ id: z.string(), type: z.enum(REQUEST_TYPES), regulation: z.string(), status: z.enum(REQUEST_STATUSES), received_at: z.string() });

/** Order of trust when identifiers point at different subjects: the email the person wrote, then the warehouse's customer. */
const PRECEDENCE: readonly SubjectIdentifierKind[] = ['email', 'warehouseKey', 'customerId', 'phone'];

export async function linkRequestToSubject(
  tx: CommonQueryMethods,
  request: { id: string; organizationId: string; type: RequestType; regulation: RegulationCode; receivedAt: string; createdBy: string },
  link: SubjectLinkInput,
): Promise<SubjectLinkResult> {
  // One organization's intake links one request at a time, so two concurrent requests cannot both miss each other.
  await tx.query(sql.unsafe`select pg_advisory_xact_lock(hashtextextended(${`dsrflow.subjects/${request.organizationId}`}, 0))`);
  const usable = (Object.entries(link.hashes) as Array<[SubjectIdentifierKind, string[]]>).filter(
    ([kind, hashes]) => hashes.length > 0 && (!link.warehouseAmbiguous || kind === 'email'),
  );
  const all = usable.flatMap(([, hashes]) => hashes);
  const known = all.length === 0 ? [] : await tx.any(sql.type(identifierRow)`
    select kind, subject_id from dsrflow.subject_identifiers
    where organization_id = ${request.organizationId} and identifier_hash = any(${sql.array(all, 'text')})`);
  const byPrecedence = PRECEDENCE.flatMap((kind) => known.filter((k) => k.kind === kind).map((k) => k.subject_id));
  const candidates = [...new Set(byPrecedence)];
  const subjectId = candidates[0] ?? link.newSubjectId;
  const isNew = candidates.length === 0;
  if (isNew) {
    await tx.query(sql.unsafe`insert into dsrflow.subjects (id, organization_id) values (${subjectId}, ${request.organizationId}) on conflict (id) do nothing`);
  }
  // Identifiers join the subject unless another subject holds them already (first link wins; a conflict is audited).
  for (const [kind, hashes] of usable) {
    await tx.query(sql.unsafe`
      insert into dsrflow.subject_identifiers (organization_id, kind, identifier_hash, subject_id)
      values (${request.organizationId}, ${kind}, ${hashes[0]!}, ${subjectId}) on conflict do nothing`);
  }

  const openSame = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
    select id from dsrflow.requests
    where subject_id = ${subjectId} and type = ${request.type} and id <> ${request.id}
      and status <> all(${sql.array([...TERMINAL_STATUSES], 'text')})
    order by (duplicate_of is null) desc, received_at, id
    limit 1`);
  const earlier = await tx.any(sql.type(earlierRow)`
    select id, type, regulation, status, received_at from dsrflow.requests
    where subject_id = ${subjectId} and id <> ${request.id} and received_at < ${request.receivedAt}::timestamptz
    order by received_at desc limit 1000`);
  const overLimit = checkRepeatLimits(
    { regulation: request.regulation, type: request.type, receivedAt: new Date(request.receivedAt) },
    earlier.map((e) => ({ id: e.id, type: e.type, regulation: e.regulation, status: e.status, receivedAt: e.received_at })),
  );
  await tx.query(sql.unsafe`
    update dsrflow.requests set subject_id = ${subjectId}, duplicate_of = ${openSame}, over_limit = ${overLimit ? sql.jsonb(overLimit as never) : null}
    where id = ${request.id}`);

  const audit = (key: string, action: string, reason: string | null, details: Record<string, unknown>) =>
    tx.query(sql.unsafe`
      insert into dsrflow.audit_events (event_key, request_id, organization_id, actor, action, reason, details)
      values (${`request/${request.id}/${key}`}, ${request.id}, ${request.organizationId}, ${request.createdBy}, ${action}, ${reason}, ${sql.jsonb(details as never)})
      on conflict (event_key) do nothing`);
  const matchedBy = [...new Set(known.filter((k) => k.subject_id === subjectId).map((k) => k.kind))];
  await audit('subject-linked', 'subject.linked', isNew ? 'a new subject' : `known by ${matchedBy.join(', ')}`, { subjectId: toDid(subjectId), matchedBy, new: isNew });
  const others = candidates.slice(1);
  if (others.length > 0 || link.warehouseAmbiguous) {
    await audit('subject-conflict', 'subject.link_conflict', link.warehouseAmbiguous ? 'the warehouse matches the identifiers to several customers: linked by the email only' : 'identifiers of this request belong to other subjects too: linked by precedence, not merged', {
      subjectId: toDid(subjectId),
      otherSubjects: others.map(toDid),
      warehouseAmbiguous: link.warehouseAmbiguous,
    });
  }
  if (openSame) await audit('duplicate-flagged', 'request.duplicate_flagged', `the same subject's ${request.type} request ${openSame} is open`, { duplicateOf: openSame });
  if (overLimit) {
    await audit('over-limit', 'request.over_limit', `over the repeat limit of ${overLimit.regulation}: ${overLimit.rule.max} in ${overLimit.rule.window.amount} ${overLimit.rule.window.unit} (${overLimit.rule.source})`, {
      rule: overLimit.rule,
      earlierRequests: overLimit.earlierRequests,
    });
  }
  return { subjectId, duplicateOf: openSame, overLimit };
}
