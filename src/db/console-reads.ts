import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { exportRow } from './exports.ts';

// Reads only the staff console needs (the API's answers carry these differently or not yet).

export const listExports = (db: CommonQueryMethods, requestId: string) =>
  db.any(sql.type(exportRow)`select * from dsrflow.exports where request_id = ${requestId} order by format`);

const noteRow = z.object({ id: z.uuid(), author: z.string(), body: z.string(), created_at: z.string() });
export const listNotes = (db: CommonQueryMethods, requestId: string) =>
  db.any(sql.type(noteRow)`select id, author, body, created_at from dsrflow.decision_notes where request_id = ${requestId} order by created_at`);

export const listOrganizations = (db: CommonQueryMethods) =>
  db.any(sql.type(z.object({ id: z.string(), name: z.string() }))`select id, name from dsrflow.organizations order by id`);

const identityRow = z.object({ request_id: z.uuid(), outcome: z.enum(['verified', 'failed', 'expired']) });

/**
 * How each request's identity check ended, from the audit trail (one query per page): verified, failed (rejected
 * by the verification decision) or expired (not verified in the window). No row: not decided (yet).
 */
export const identityOutcomes = (db: CommonQueryMethods, requestIds: readonly string[]) =>
  requestIds.length === 0
    ? Promise.resolve([])
    : db.any(sql.type(identityRow)`
        select distinct on (request_id) request_id,
          case when to_status = 'verified' then 'verified' when to_status = 'unverified' then 'expired' else 'failed' end as outcome
        from dsrflow.audit_events
        where request_id = any(${sql.array([...requestIds], 'uuid')})
          and (to_status in ('verified', 'unverified') or (to_status = 'rejected' and reason like 'identity verification failed%'))
        order by request_id, id`);
