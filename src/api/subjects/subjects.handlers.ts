import { randomUUID } from 'node:crypto';
import type { RouteHandler } from '@hono/zod-openapi';
import {
  findSubjectRecord,
  findSubjectsByIdentifier,
  listSubjectRequests,
  openLegalHolds,
  recordSubjectEvent,
  subjectIdentifiers,
} from '../../db/subject-records.ts';
import { openSuppressions } from '../../warehouse/subject-suppressions.ts';
import type { RegulationCode } from '../../domain/regulations.ts';
import type { RequestStatus, RequestType } from '../../domain/request.ts';
import { fromDid, toDid, type SubjectIdentifierKind } from '../../domain/subjects.ts';
import { identifierHashes } from '../../platform/subject-keys.ts';
import { assertOrganization, organizationScope } from '../access.ts';
import type { AppDeps } from '../deps.ts';
import type { Actor, AuthEnv } from '../auth.ts';
import { ApiError } from '../errors.ts';
import type { findSubjectsRoute, getSubjectRoute } from './subjects.routes.ts';

const summary = (s: { id: string; organization_id: string; created_at: string }) => ({ id: toDid(s.id), organizationId: s.organization_id, createdAt: s.created_at });

export const createSubjectHandlers = (deps: AppDeps) => {
  /** Who may read is decided by `authorize` (every staff role) and here (a controller: its organization's subjects only). */
  const get: RouteHandler<typeof getSubjectRoute, AuthEnv> = async (c) => {
    const { did } = c.req.valid('param');
    const id = fromDid(did)!;
    const subject = await findSubjectRecord(deps.pool, id);
    if (!subject) throw new ApiError(404, 'SUBJECT_NOT_FOUND', `No subject ${did}`);
    const actor = c.get('actor');
    assertOrganization(actor, subject.organization_id);
    const [identifiers, requests, suppressions, holds] = await Promise.all([
      subjectIdentifiers(deps.pool, id),
      listSubjectRequests(deps.pool, [id]),
      openSuppressions(deps.pool, [id], deps.settings.warehouseSchema),
      openLegalHolds(deps.pool, id),
    ]);
    // Identifiers are personal data: the read is in the audit trail, with the reader, before it is answered.
    await recordSubjectEvent(deps.pool, {
      eventKey: `subject/${id}/viewed/${randomUUID()}`,
      organizationId: subject.organization_id,
      actor: actor.name,
      action: 'subject.viewed',
      reason: "subject record read, with the subject's identifiers",
      details: { subjectId: did, requests: requests.length },
    });
    return c.json(
      {
        ...summary(subject),
        identifiers: { emails: identifiers.emails, customerIds: identifiers.customer_ids, phones: identifiers.phones, fullNames: identifiers.full_names },
        requests: requests.map((r) => ({
          id: r.id,
          type: r.type as RequestType,
          regulation: r.regulation as RegulationCode,
          status: r.status as RequestStatus,
          receivedAt: r.received_at,
          dueAt: r.due_at,
          completedAt: r.completed_at,
          duplicateOf: r.duplicate_of,
          duplicateDecision: r.duplicate_decision,
          overLimit: r.over_limit,
        })),
        openSuppressions: suppressions.map((x) => ({ id: x.suppression_id, requestId: x.request_id, scope: x.scope, basis: x.basis, effectiveAt: x.effective_at })),
        openLegalHolds: holds.map((h) => ({ requestId: h.request_id, basis: h.basis, placedAt: h.placed_at })),
      },
      200,
    );
  };

  /** The identifier is hashed with the subject keys and looked up by hash; a controller's answer is its organization's only. */
  const find: RouteHandler<typeof findSubjectsRoute, AuthEnv> = async (c) => {
    const q = c.req.valid('query');
    const [kind, value] = (Object.entries(q).find(([, v]) => v !== undefined) ?? []) as [SubjectIdentifierKind, string];
    const found = await lookUpSubjects(deps, c.get('actor'), kind, value);
    return c.json({ items: found.map(summary) }, 200);
  };

  return { get, find };
};

/**
 * Subjects holding an identifier, found by its keyed hashes (current and previous secrets), never by scanning
 * identifiers; a controller gets its own organization's only. Audited as `subject.looked_up` with the kind, never
 * the value. Shared by the API and the staff console's search.
 */
export async function lookUpSubjects(deps: Pick<AppDeps, 'pool' | 'settings'>, actor: Actor, kind: SubjectIdentifierKind, value: string) {
  const scope = organizationScope(actor);
  const hashes = identifierHashes(deps.settings.subjectKeys, kind, value);
  const found = hashes.length === 0 ? [] : await findSubjectsByIdentifier(deps.pool, kind, hashes, scope);
  // A lookup tells the reader whether someone made requests: audited like a read.
  await recordSubjectEvent(deps.pool, {
    eventKey: `subject-lookup/${randomUUID()}`,
    organizationId: scope ?? null,
    actor: actor.name,
    action: 'subject.looked_up',
    reason: `subjects looked up by ${kind}`,
    details: { kind, found: found.map((s) => toDid(s.id)) },
  });
  return found;
}
