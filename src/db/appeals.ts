import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { APPEAL_STATUSES } from '../domain/appeals.ts';

// Appeals of a refused or partly answered request (docs/appeals.md): the record, its audit events, the appeal link.

export const appealRow = z.object({
  id: z.uuid(),
  request_id: z.uuid(),
  organization_id: z.string(),
  regulation: z.string(),
  status: z.enum(APPEAL_STATUSES),
  channel: z.enum(['staff', 'subject']),
  received_at: z.string(),
  due_at: z.string(),
  overdue: z.boolean(),
  workflow_id: z.string(),
  workflow_started_at: z.string().nullable(),
  statement_note_id: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
  decided_at: z.string().nullable(),
  decided_by: z.string().nullable(),
  decision_note_id: z.string().nullable(),
  extended_at: z.string().nullable(),
  extended_by: z.string().nullable(),
  extension_note_id: z.string().nullable(),
});
export type AppealRow = z.infer<typeof appealRow>;

export interface NewAppeal {
  id: string;
  requestId: string;
  organizationId: string;
  regulation: string;
  channel: 'staff' | 'subject';
  receivedAt: string;
  dueAt: string;
  workflowId: string;
  createdBy: string;
  statement?: { noteId: string; body: string } | undefined;
}

/**
 * Records the appeal (and the consumer's statement as a note) with its audit event, once per request: a second
 * appeal of the same request returns the first with created false.
 */
export function insertAppeal(db: CommonQueryMethods, a: NewAppeal): Promise<{ row: AppealRow; created: boolean }> {
  return db.transaction(async (tx) => {
    if (a.statement) {
      await tx.query(sql.unsafe`insert into dsrflow.decision_notes (id, request_id, author, body) values (${a.statement.noteId}, ${a.requestId}, ${a.createdBy}, ${a.statement.body}) on conflict (id) do nothing`);
    }
    const inserted = await tx.maybeOne(sql.type(appealRow)`
      insert into dsrflow.appeals (id, request_id, organization_id, regulation, status, channel, received_at, due_at, workflow_id, statement_note_id, created_by)
      values (${a.id}, ${a.requestId}, ${a.organizationId}, ${a.regulation}, 'received', ${a.channel}, ${a.receivedAt}, ${a.dueAt}, ${a.workflowId},
              ${a.statement?.noteId ?? null}, ${a.createdBy})
      on conflict (request_id) do nothing
      returning *`);
    if (!inserted) return { row: await tx.one(sql.type(appealRow)`select * from dsrflow.appeals where request_id = ${a.requestId}`), created: false };
    await tx.query(sql.unsafe`
      insert into dsrflow.audit_events (event_key, request_id, organization_id, actor, action, details)
      values (${`appeal/${a.id}/received`}, ${a.requestId}, ${a.organizationId}, ${a.createdBy}, 'appeal.received',
              ${sql.jsonb({ appealId: a.id, channel: a.channel, receivedAt: a.receivedAt, dueAt: a.dueAt })})`);
    return { row: inserted, created: true };
  });
}

export const findAppealOfRequest = (db: CommonQueryMethods, requestId: string) =>
  db.maybeOne(sql.type(appealRow)`select * from dsrflow.appeals where request_id = ${requestId}`);

export const findAppeal = (db: CommonQueryMethods, id: string) => db.maybeOne(sql.type(appealRow)`select * from dsrflow.appeals where id = ${id}`);

/** Appeals recorded whose workflow start did not go through (Temporal was unreachable): the sweep starts them. */
export const listUnstartedAppeals = (db: CommonQueryMethods, limit = 500) =>
  db.any(sql.type(appealRow)`select * from dsrflow.appeals where workflow_started_at is null order by received_at limit ${limit}`);

export async function markAppealStarted(db: CommonQueryMethods, id: string): Promise<void> {
  await db.query(sql.unsafe`update dsrflow.appeals set workflow_started_at = coalesce(workflow_started_at, now()) where id = ${id}`);
}

/** What the workflow records: an audit event on the appealed request and the appeal's projection, in one transaction. */
export async function recordAppealEvent(
  db: CommonQueryMethods,
  e: {
    appealId: string;
    eventKey: string;
    action: string;
    actor: string;
    reason: string | null;
    details?: Record<string, unknown>;
    projection?: {
      overdue?: boolean;
      decision?: { status: 'granted' | 'denied'; by: string; noteId: string };
      extension?: { dueAt: string; by: string; noteId: string };
    };
  },
): Promise<void> {
  await db.transaction(async (tx) => {
    const appeal = await tx.one(sql.type(appealRow)`select * from dsrflow.appeals where id = ${e.appealId}`);
    const inserted = await tx.maybeOne(sql.type(z.object({ id: z.bigint() }))`
      insert into dsrflow.audit_events (event_key, request_id, organization_id, actor, action, reason, details)
      values (${e.eventKey}, ${appeal.request_id}, ${appeal.organization_id}, ${e.actor}, ${e.action}, ${e.reason}, ${sql.jsonb({ appealId: appeal.id, ...(e.details ?? {}) } as never)})
      on conflict (event_key) do nothing returning id`);
    if (!inserted) return;
    if (e.projection?.overdue !== undefined) await tx.query(sql.unsafe`update dsrflow.appeals set overdue = ${e.projection.overdue} where id = ${appeal.id}`);
    const x = e.projection?.extension;
    if (x) {
      await tx.query(sql.unsafe`
        update dsrflow.appeals set due_at = ${x.dueAt}, extended_at = now(), extended_by = ${x.by}, extension_note_id = ${x.noteId} where id = ${appeal.id}`);
    }
    const d = e.projection?.decision;
    if (d) {
      await tx.query(sql.unsafe`
        update dsrflow.appeals set status = ${d.status}, decided_at = now(), decided_by = ${d.by}, decision_note_id = ${d.noteId} where id = ${appeal.id}`);
    }
  });
}

/**
 * A completed request answered only in part: approved with legal exceptions named, or an erasure that kept rows
 * under an exception. Read from the audit trail, where both are recorded.
 */
export const isPartialAnswer = (db: CommonQueryMethods, requestId: string) =>
  db.exists(sql.type(z.object({ id: z.bigint() }))`
    select id from dsrflow.audit_events
    where request_id = ${requestId}
      and ((action = 'assessment.approved' and jsonb_array_length(coalesce(details -> 'legalExceptions', '[]'::jsonb)) > 0)
           or action = 'erasure.rows_retained')
    limit 1`);

/** When the request was refused or answered: the status change to rejected or completed. */
export const closedAt = (db: CommonQueryMethods, requestId: string) =>
  db.maybeOneFirst(sql.type(z.object({ occurred_at: z.string() }))`
    select occurred_at from dsrflow.audit_events where request_id = ${requestId} and to_status in ('rejected', 'completed') order by id desc limit 1`);

export const appealTokenRow = z.object({ request_id: z.uuid(), used_at: z.string().nullable(), attempts: z.number() });

/** Stores the hash of a new appeal link for the request (a resent notice replaces the earlier link). */
export async function storeAppealToken(db: CommonQueryMethods, requestId: string, tokenHash: string): Promise<void> {
  await db.query(sql.unsafe`
    insert into dsrflow.appeal_tokens (request_id, token_hash) values (${requestId}, ${tokenHash})
    on conflict (request_id) do update set token_hash = excluded.token_hash, used_at = null, attempts = 0`);
}

export const findAppealToken = (db: CommonQueryMethods, tokenHash: string) =>
  db.maybeOne(sql.type(appealTokenRow)`select request_id, used_at, attempts from dsrflow.appeal_tokens where token_hash = ${tokenHash}`);
