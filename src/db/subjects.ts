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

const usableIdentifiers = (link: SubjectLinkInput) =>
  (Object.entries(link.hashes) as Array<[SubjectIdentifierKind, string[]]>).filter(([kind, hashes]) => hashes.length > 0 && (!link.warehouseAmbiguous || kind === 'email'));

/**
 * An expression that takes the locks of the request's identifiers (to the end of the transaction): requests sharing
 * an identifier link one at a time. In one order for every transaction (by lock key), so they never deadlock. The
 * statement after it sees what the previous holder committed; intake takes them in its insert (`identifiersLocked`).
 */
export const identifierLocks = (organizationId: string, link: SubjectLinkInput) => sql.fragment`(
  select count(pg_advisory_xact_lock(k)) from (
    select distinct hashtextextended(${`dsrflow.subject-identifier/${organizationId}/`} || h, 0) as k
    from unnest(${sql.array(usableIdentifiers(link).flatMap(([, hashes]) => hashes), 'text')}) as h order by k) as keys)`;

/** An audit event of the request, written with the link in one statement (an intake's `request.received` first). */
export interface RequestAuditEvent {
  key: string;
  action: string;
  toStatus?: string;
  reason: string | null;
  details: Record<string, unknown>;
}

const openSameAndEarlier = z.object({ open_same: z.string().nullable(), earlier: z.array(earlierRow) });

/**
 * Links the request to its subject and writes its audit events (`opts.events` first) and the link in the last
 * statement. Requests that share an identifier link one at a time (two concurrent ones cannot both miss each other),
 * and requests of one subject are flagged one at a time; requests of other subjects link side by side. The audit
 * chain's lock (one writer at a time until commit) is taken only by that last statement, so it is held for one
 * statement and the commit, not for the whole linking.
 */
export async function linkRequestToSubject(
  tx: CommonQueryMethods,
  request: { id: string; organizationId: string; type: RequestType; regulation: RegulationCode; receivedAt: string; createdBy: string },
  link: SubjectLinkInput,
  opts: { flags?: boolean; events?: readonly RequestAuditEvent[]; identifiersLocked?: boolean } = {},
): Promise<SubjectLinkResult> {
  const usable = usableIdentifiers(link);
  const all = usable.flatMap(([, hashes]) => hashes);
  if (!opts.identifiersLocked) await tx.query(sql.unsafe`select ${identifierLocks(request.organizationId, link)}`);
  const known = all.length === 0 ? [] : await tx.any(sql.type(identifierRow)`
    select kind, subject_id from dsrflow.subject_identifiers
    where organization_id = ${request.organizationId} and identifier_hash = any(${sql.array(all, 'text')})`);
  const byPrecedence = PRECEDENCE.flatMap((kind) => known.filter((k) => k.kind === kind).map((k) => k.subject_id));
  const candidates = [...new Set(byPrecedence)];
  const subjectId = candidates[0] ?? link.newSubjectId;
  const isNew = candidates.length === 0;
  // The subject's lock (taken last, held to commit) makes its requests' duplicate and repeat checks see each other.
  // Identifiers join the subject unless another subject holds them already (first link wins; a conflict is audited).
  await tx.query(sql.unsafe`
    with new_subject as (
      insert into dsrflow.subjects (id, organization_id) select ${subjectId}, ${request.organizationId} where ${isNew}
      on conflict (id) do nothing
    ), identifiers as (
      insert into dsrflow.subject_identifiers (organization_id, kind, identifier_hash, subject_id)
      select ${request.organizationId}, u.kind, u.hash, ${subjectId}
      from unnest(${sql.array(usable.map(([kind]) => kind), 'text')}, ${sql.array(usable.map(([, hashes]) => hashes[0]!), 'text')}) as u (kind, hash)
      on conflict do nothing
    )
    select pg_advisory_xact_lock(hashtextextended(${`dsrflow.subject/${subjectId}`}, 0))`);

  const events: RequestAuditEvent[] = [...(opts.events ?? []), ...linkEvents(subjectId, isNew, known, candidates, link)];
  if (opts.flags === false) {
    await writeLink(tx, request, sql.fragment`subject_id = ${subjectId}`, events);
    return { subjectId, duplicateOf: null, overLimit: null };
  }
  const { open_same: openSame, earlier } = await tx.one(sql.type(openSameAndEarlier)`
    select
      (select id from dsrflow.requests
       where subject_id = ${subjectId} and type = ${request.type} and id <> ${request.id}
         and status <> all(${sql.array([...TERMINAL_STATUSES], 'text')})
       order by (duplicate_of is null) desc, received_at, id
       limit 1) as open_same,
      (select coalesce(jsonb_agg(e order by e.received_at desc), '[]') from (
         select id, type, regulation, status, received_at from dsrflow.requests
         where subject_id = ${subjectId} and id <> ${request.id} and received_at < ${request.receivedAt}::timestamptz
         order by received_at desc limit 1000) as e) as earlier`);
  const overLimit = checkRepeatLimits(
    { regulation: request.regulation, type: request.type, receivedAt: new Date(request.receivedAt) },
    // As the pool reads a timestamptz column: ISO 8601 in UTC (jsonb prints the offset form).
    earlier.map((e) => ({ id: e.id, type: e.type, regulation: e.regulation, status: e.status, receivedAt: new Date(e.received_at).toISOString() })),
  );
  if (openSame) events.push({ key: 'duplicate-flagged', action: 'request.duplicate_flagged', reason: `the same subject's ${request.type} request ${openSame} is open`, details: { duplicateOf: openSame } });
  if (overLimit) {
    events.push({
      key: 'over-limit',
      action: 'request.over_limit',
      reason: `over the repeat limit of ${overLimit.regulation}: ${overLimit.rule.max} in ${overLimit.rule.window.amount} ${overLimit.rule.window.unit} (${overLimit.rule.source})`,
      details: { rule: overLimit.rule, earlierRequests: overLimit.earlierRequests },
    });
  }
  await writeLink(tx, request, sql.fragment`subject_id = ${subjectId}, duplicate_of = ${openSame}, over_limit = ${overLimit ? sql.jsonb(overLimit as never) : null}`, events);
  return { subjectId, duplicateOf: openSame, overLimit };
}

type LinkedRequest = { id: string; organizationId: string; createdBy: string };

/** The request's audit events, in order, in one statement (a request recorded without a subject link). */
export const writeRequestEvents = (tx: CommonQueryMethods, request: LinkedRequest, events: readonly RequestAuditEvent[]) => writeLink(tx, request, null, events);

/** The request's link and its audit events, in order, in one statement (the audit chain numbers them as listed). */
async function writeLink(tx: CommonQueryMethods, request: LinkedRequest, assignments: ReturnType<typeof sql.fragment> | null, events: readonly RequestAuditEvent[]) {
  const rows = events.map(
    (e) => sql.fragment`(${`request/${request.id}/${e.key}`}, ${request.id}, ${request.organizationId}, ${request.createdBy}, ${e.action}, ${e.toStatus ?? null}, ${e.reason}, ${sql.jsonb(e.details as never)})`,
  );
  await tx.query(sql.unsafe`
    ${assignments ? sql.fragment`with linked as (update dsrflow.requests set ${assignments} where id = ${request.id})` : sql.fragment``}
    insert into dsrflow.audit_events (event_key, request_id, organization_id, actor, action, to_status, reason, details)
    values ${sql.join(rows, sql.fragment`, `)}
    on conflict (event_key) do nothing`);
}

/** subject.linked with the kinds that matched (never their values), and subject.link_conflict when identifiers disagree. */
function linkEvents(subjectId: string, isNew: boolean, known: ReadonlyArray<{ kind: string; subject_id: string }>, candidates: string[], link: SubjectLinkInput): RequestAuditEvent[] {
  const matchedBy = [...new Set(known.filter((k) => k.subject_id === subjectId).map((k) => k.kind))];
  const events: RequestAuditEvent[] = [{ key: 'subject-linked', action: 'subject.linked', reason: isNew ? 'a new subject' : `known by ${matchedBy.join(', ')}`, details: { subjectId: toDid(subjectId), matchedBy, new: isNew } }];
  const others = candidates.slice(1);
  if (others.length > 0 || link.warehouseAmbiguous) {
    events.push({
      key: 'subject-conflict',
      action: 'subject.link_conflict',
      reason: link.warehouseAmbiguous ? 'the warehouse matches the identifiers to several customers: linked by the email only' : 'identifiers of this request belong to other subjects too: linked by precedence, not merged',
      details: { subjectId: toDid(subjectId), otherSubjects: others.map(toDid), warehouseAmbiguous: link.warehouseAmbiguous },
    });
  }
  return events;
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
