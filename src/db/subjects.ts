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
  opts: { flags: boolean } = { flags: true },
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

  if (!opts.flags) {
    await tx.query(sql.unsafe`update dsrflow.requests set subject_id = ${subjectId} where id = ${request.id}`);
    await linkEvents(tx, request, subjectId, isNew, known, candidates, link);
    return { subjectId, duplicateOf: null, overLimit: null };
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

  await linkEvents(tx, request, subjectId, isNew, known, candidates, link);
  const audit = auditFor(tx, request);
  if (openSame) await audit('duplicate-flagged', 'request.duplicate_flagged', `the same subject's ${request.type} request ${openSame} is open`, { duplicateOf: openSame });
  if (overLimit) {
    await audit('over-limit', 'request.over_limit', `over the repeat limit of ${overLimit.regulation}: ${overLimit.rule.max} in ${overLimit.rule.window.amount} ${overLimit.rule.window.unit} (${overLimit.rule.source})`, {
      rule: overLimit.rule,
      earlierRequests: overLimit.earlierRequests,
    });
  }
  return { subjectId, duplicateOf: openSame, overLimit };
}

type LinkedRequest = { id: string; organizationId: string; createdBy: string };

const auditFor = (tx: CommonQueryMethods, request: LinkedRequest) => (key: string, action: string, reason: string | null, details: Record<string, unknown>) =>
  tx.query(sql.unsafe`
    insert into dsrflow.audit_events (event_key, request_id, organization_id, actor, action, reason, details)
    values (${`request/${request.id}/${key}`}, ${request.id}, ${request.organizationId}, ${request.createdBy}, ${action}, ${reason}, ${sql.jsonb(details as never)})
    on conflict (event_key) do nothing`);

/** subject.linked with the kinds that matched (never their values), and subject.link_conflict when identifiers disagree. */
async function linkEvents(tx: CommonQueryMethods, request: LinkedRequest, subjectId: string, isNew: boolean, known: ReadonlyArray<{ kind: string; subject_id: string }>, candidates: string[], link: SubjectLinkInput) {
  const audit = auditFor(tx, request);
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
}

const unlinkedRow = z.object({
  id: z.string(),
  organization_id: z.string(),
  type: z.enum(REQUEST_TYPES),
  regulation: z.string(),
  received_at: z.string(),
  email: z.string(),
  customer_id: z.string().nullable(),
  phone: z.string().nullable(),
});

/** Requests recorded before subjects existed, oldest first (their identifiers, to link them). */
export const listUnlinkedRequests = (db: CommonQueryMethods, limit: number) =>
  db.any(sql.type(unlinkedRow)`
    select r.id, r.organization_id, r.type, r.regulation, r.received_at, s.email, s.customer_id, s.phone
    from dsrflow.requests r join dsrflow.request_subjects s on s.request_id = r.id
    where r.subject_id is null order by r.received_at, r.id limit ${limit}`);

/** Links one earlier request, unless another process did meanwhile; no duplicate or repeat flags after the fact. */
export async function linkEarlierRequest(db: CommonQueryMethods, r: z.infer<typeof unlinkedRow>, link: SubjectLinkInput): Promise<boolean> {
  return db.transaction(async (tx) => {
    const still = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`select id from dsrflow.requests where id = ${r.id} and subject_id is null for update`);
    if (!still) return false;
    const request = { id: r.id, organizationId: r.organization_id, type: r.type, regulation: r.regulation as RegulationCode, receivedAt: r.received_at, createdBy: 'system' };
    await linkRequestToSubject(tx, request, link, { flags: false });
    return true;
  });
}
