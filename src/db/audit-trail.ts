import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { auditEventRow } from './audit.ts';

// Reading the hash-chained audit trail (migration 005): filtered pages in chain order, and the chain check.

export const chainedEventRow = auditEventRow.extend({
  chain_seq: z.coerce.number(),
  prev_hash: z.string(),
  hash: z.string(),
});
export type ChainedEventRow = z.infer<typeof chainedEventRow>;

export interface AuditFilter {
  requestId?: string | undefined;
  /** Only events of these organizations (a controller's view); undefined = all. */
  organizationId?: string | undefined;
  action?: string | undefined;
  actor?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Events after this chain position (cursor). */
  afterSeq?: number | undefined;
  limit: number;
}

/** A page of events in chain order; asks for one more than the limit so the caller knows whether a next page exists. */
export function listAuditEvents(db: CommonQueryMethods, f: AuditFilter) {
  const conditions = [
    f.requestId !== undefined ? sql.fragment`request_id = ${f.requestId}` : null,
    f.organizationId !== undefined ? sql.fragment`organization_id = ${f.organizationId}` : null,
    // An action filter ending in '.' matches the whole family (`request.` = every status change).
    f.action !== undefined
      ? f.action.endsWith('.')
        ? sql.fragment`starts_with(action, ${f.action})`
        : sql.fragment`action = ${f.action}`
      : null,
    f.actor !== undefined ? sql.fragment`actor = ${f.actor}` : null,
    f.from !== undefined ? sql.fragment`occurred_at >= ${f.from}::timestamptz` : null,
    f.to !== undefined ? sql.fragment`occurred_at < ${f.to}::timestamptz` : null,
    f.afterSeq !== undefined ? sql.fragment`chain_seq > ${f.afterSeq}` : null,
  ].filter((c) => c !== null);
  const where = conditions.length > 0 ? sql.fragment`where ${sql.join(conditions, sql.fragment` and `)}` : sql.fragment``;
  return db.any(sql.type(chainedEventRow)`
    select chain_seq, id, event_key, request_id, organization_id, occurred_at, actor, action, from_status, to_status, reason, details, prev_hash, hash
    from dsrflow.audit_events ${where}
    order by chain_seq
    limit ${f.limit + 1}`);
}

const brokenLinkRow = z.object({
  chain_seq: z.coerce.number(),
  id: z.coerce.number(),
  event_key: z.string(),
  problem: z.enum(['sequence_gap', 'prev_hash_mismatch', 'hash_mismatch']),
});
const summaryRow = z.object({ events: z.coerce.number(), head_seq: z.coerce.number().nullable(), head_hash: z.string().nullable() });

export interface ChainReport {
  valid: boolean;
  events: number;
  head: { chainSeq: number; hash: string } | null;
  firstBrokenLink: { chainSeq: number; eventId: number; eventKey: string; problem: 'sequence_gap' | 'prev_hash_mismatch' | 'hash_mismatch' } | null;
}

/**
 * Recomputes every event's hash from its content and the previous event's hash, in chain order, and reports
 * the first link that does not hold: an edited event (hash_mismatch), a removed or reordered one
 * (sequence_gap / prev_hash_mismatch). One pass in the database, so memory stays flat however long the trail.
 * A removed *last* event leaves no gap: compare `head` with one recorded earlier to detect that.
 */
export async function verifyAuditChain(db: CommonQueryMethods): Promise<ChainReport> {
  // One after the other: inside a transaction both run on its one connection anyway.
  const broken = await db.maybeOne(sql.type(brokenLinkRow)`
      select chain_seq, id, event_key,
        case
          when chain_seq <> coalesce(prev_seq, 0) + 1 then 'sequence_gap'
          when prev_hash <> coalesce(expected_prev, repeat('0', 64)) then 'prev_hash_mismatch'
          else 'hash_mismatch'
        end as problem
      from (
        select e.chain_seq, e.id, e.event_key, e.prev_hash, e.hash,
          lag(e.chain_seq) over w as prev_seq,
          lag(e.hash) over w as expected_prev,
          dsrflow.audit_event_hash(e.prev_hash, e) as recomputed
        from dsrflow.audit_events e
        window w as (order by e.chain_seq)
      ) chain
      where chain_seq <> coalesce(prev_seq, 0) + 1
         or prev_hash <> coalesce(expected_prev, repeat('0', 64))
         or hash <> recomputed
      order by chain_seq
      limit 1`);
  const summary = await db.one(sql.type(summaryRow)`
      select count(*) as events,
        (select chain_seq from dsrflow.audit_events order by chain_seq desc limit 1) as head_seq,
        (select hash from dsrflow.audit_events order by chain_seq desc limit 1) as head_hash
      from dsrflow.audit_events`);
  return {
    valid: broken === null,
    events: summary.events,
    head: summary.head_seq !== null && summary.head_hash !== null ? { chainSeq: summary.head_seq, hash: summary.head_hash } : null,
    firstBrokenLink: broken ? { chainSeq: broken.chain_seq, eventId: broken.id, eventKey: broken.event_key, problem: broken.problem } : null,
  };
}
