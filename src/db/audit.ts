import { randomUUID } from 'node:crypto';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { isTerminal, type RequestStatus } from '../domain/request.ts';
import { projectionAssignments, type DeadlineProjection } from './requests.ts';

export const auditEventRow = z.object({
  id: z.coerce.number(),
  event_key: z.string(),
  request_id: z.string().nullable(),
  organization_id: z.string().nullable(),
  occurred_at: z.string(),
  actor: z.string(),
  action: z.string(),
  from_status: z.string().nullable(),
  to_status: z.string().nullable(),
  reason: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEventRow = z.infer<typeof auditEventRow>;

export interface Transition {
  requestId: string;
  /** Natural key of the transition: a retried activity writes nothing twice. */
  eventKey: string;
  from: RequestStatus;
  to: RequestStatus;
  actor: string;
  reason: string | null;
  details?: Record<string, unknown>;
}

/** Writes the audit event and the status projection in one transaction; a repeat is a no-op. */
export async function recordTransition(db: CommonQueryMethods, t: Transition): Promise<{ recorded: boolean }> {
  return db.transaction(async (tx) => {
    const inserted = await tx.maybeOneFirst(sql.type(z.object({ id: z.coerce.number() }))`
      insert into dsrflow.audit_events (event_key, request_id, organization_id, actor, action, from_status, to_status, reason, details)
      select ${t.eventKey}, r.id, r.organization_id, ${t.actor}, ${'request.' + t.to}, ${t.from}, ${t.to}, ${t.reason}, ${sql.jsonb((t.details ?? {}) as never)}
      from dsrflow.requests r where r.id = ${t.requestId}
      on conflict (event_key) do nothing
      returning id`);
    if (inserted === null) return { recorded: false };
    await tx.query(sql.unsafe`
      update dsrflow.requests
      set status = ${t.to}, updated_at = now(), completed_at = ${isTerminal(t.to) ? sql.fragment`now()` : sql.fragment`null`}
      where id = ${t.requestId}`);
    return { recorded: true };
  });
}

export const listRequestEvents = (db: CommonQueryMethods, requestId: string) =>
  db.any(sql.type(auditEventRow)`select * from dsrflow.audit_events where request_id = ${requestId} order by id`);

export interface RequestEvent {
  requestId: string;
  eventKey: string;
  action: string;
  actor: string;
  reason: string | null;
  details?: Record<string, unknown>;
  projection?: DeadlineProjection;
}

/** An event that changes no status (extension, reminder, overdue, clock stop), with its projection, in one transaction. */
export async function recordEvent(db: CommonQueryMethods, e: RequestEvent): Promise<{ recorded: boolean }> {
  return db.transaction(async (tx) => {
    const inserted = await tx.maybeOneFirst(sql.type(z.object({ id: z.coerce.number() }))`
      insert into dsrflow.audit_events (event_key, request_id, organization_id, actor, action, reason, details)
      select ${e.eventKey}, r.id, r.organization_id, ${e.actor}, ${e.action}, ${e.reason}, ${sql.jsonb((e.details ?? {}) as never)}
      from dsrflow.requests r where r.id = ${e.requestId}
      on conflict (event_key) do nothing
      returning id`);
    if (inserted === null) return { recorded: false };
    const sets = projectionAssignments(e.projection ?? {});
    if (sets.length > 0) {
      await tx.query(sql.unsafe`update dsrflow.requests set ${sql.join([...sets, sql.fragment`updated_at = now()`], sql.fragment`, `)} where id = ${e.requestId}`);
    }
    return { recorded: true };
  });
}

export type CodecAction = 'temporal.payloads_decoded' | 'temporal.payloads_encoded';

/**
 * Staff opened (or sealed) Temporal payloads through the codec server: who, how many, from which namespace and by
 * which way in (API token or console session); never what the payloads hold.
 */
export async function recordCodecUse(db: CommonQueryMethods, u: { actor: string; action: CodecAction; payloads: number; namespace: string | null; via: 'token' | 'console-session' }): Promise<void> {
  await db.query(sql.unsafe`
    insert into dsrflow.audit_events (event_key, actor, action, details)
    values (${`codec:${randomUUID()}`}, ${u.actor}, ${u.action}, ${sql.jsonb({ payloads: u.payloads, namespace: u.namespace, via: u.via })})`);
}
