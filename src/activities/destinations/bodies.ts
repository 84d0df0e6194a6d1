import { ApplicationFailure } from '@temporalio/activity';
import type { CountryCode } from 'libphonenumber-js';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { DestinationEvent } from '../../domain/destinations.ts';
import { DEFAULT_DELETION_SCHEMA } from '../../warehouse/deletion-table.ts';
import { withHashes, type SubjectIdentifiers } from '../../warehouse/identifier-hashes.ts';

// The body of each destination event, read from the records by id when the event is first written (and then kept
// as sent: a retry sends the same bytes' meaning). Documented in docs/destinations.md.

const subjectRow = z.object({
  request_id: z.string(),
  regulation: z.string(),
  received_at: z.string(),
  email: z.string().nullable(),
  customer_id: z.string().nullable(),
  phone: z.string().nullable(),
  user_key: z.string().nullable(),
});

const suppressionRow = z.object({
  suppression_id: z.string(),
  request_id: z.string(),
  scope: z.string(),
  basis: z.string(),
  regulation: z.string(),
  user_key: z.string().nullable(),
  email: z.string().nullable(),
  customer_id: z.string().nullable(),
  phone: z.string().nullable(),
  effective_at: z.string(),
  lifted_at: z.string().nullable(),
  lift_reason: z.string().nullable(),
});

const subjectOf = (r: { user_key: string | null; email: string | null; customer_id: string | null; phone: string | null }) => ({
  userKey: r.user_key,
  email: r.email,
  customerId: r.customer_id,
  phone: r.phone,
});

const sentRow = z
  .object({ email: z.string().nullable(), customer_id: z.string().nullable(), phone: z.string().nullable() })
  .transform((r): SubjectIdentifiers => ({ email: r.email, customerId: r.customer_id, phone: r.phone }));

/**
 * The identifiers the erasure handed to deletion_requests (those the warehouse held, captured before it erased
 * anything): in the queue until the push, then in the table; the push moves a row in one commit, so one of the two
 * reads finds it. Null for a request never queued (several customers matched).
 */
async function identifiersSent(db: CommonQueryMethods, requestId: string, schema: string): Promise<SubjectIdentifiers | null> {
  const queued = await db.maybeOne(sql.type(sentRow)`select email, customer_id, phone from dsrflow.deletion_queue where request_id = ${requestId}`);
  if (queued) return queued;
  // The worker creates the table at start; a test that runs the activity alone may not have it.
  const tableExists = await db.oneFirst(sql.type(z.object({ e: z.boolean() }))`select to_regclass(format('%I.%I', ${schema}::text, 'deletion_requests')) is not null as e`);
  if (!tableExists) return null;
  return db.maybeOne(sql.type(sentRow)`select email, customer_id, phone from ${sql.identifier([schema, 'deletion_requests'])} where request_id = ${requestId}`);
}

export async function eventBody(
  db: CommonQueryMethods,
  e: { eventId: string; requestId: string; kind: DestinationEvent; ref: string; schema?: string | undefined; phoneDefaultCountry?: CountryCode | undefined },
): Promise<Record<string, unknown>> {
  const schema = e.schema ?? DEFAULT_DELETION_SCHEMA;
  const head = { id: e.eventId, type: e.kind, createdAt: new Date().toISOString() };
  if (e.kind === 'subject.rectified') {
    // GDPR Art. 19: recipients the data went to are told of each rectification, with the values now held.
    const row = await db.maybeOne(sql.type(subjectRow)`
      select r.id as request_id, r.regulation, r.received_at, s.email, s.customer_id, s.phone,
             (select o.user_key from dsrflow.rectification_outcomes o where o.request_id = r.id) as user_key
      from dsrflow.requests r join dsrflow.request_subjects s on s.request_id = r.id where r.id = ${e.requestId}`);
    if (!row) throw ApplicationFailure.nonRetryable(`request ${e.requestId} does not exist`, 'REQUEST.NOT_FOUND');
    const items = await db.any(sql.type(z.object({ model: z.string(), field: z.string(), row_key: z.string().nullable(), after_value: z.string().nullable() }))`
      select model, field, row_key, after_value from dsrflow.rectification_items where request_id = ${e.requestId} and applied_at is not null order by position`);
    return {
      ...head,
      requestId: row.request_id,
      regulation: row.regulation,
      requestedAt: row.received_at,
      // The identifiers as the request gave them (a correction may have changed one since).
      subject: subjectOf(row),
      corrections: items.map((i) => ({ model: i.model, field: i.field, rowKey: i.row_key, value: i.after_value })),
    };
  }
  if (e.kind === 'subject.erased') {
    const row = await db.maybeOne(sql.type(subjectRow)`
      select r.id as request_id, r.regulation, r.received_at, s.email, s.customer_id, s.phone,
             (select p.user_key from dsrflow.erasure_plans p where p.request_id = r.id and p.pass = ${e.ref}) as user_key
      from dsrflow.requests r join dsrflow.request_subjects s on s.request_id = r.id where r.id = ${e.requestId}`);
    if (!row) throw ApplicationFailure.nonRetryable(`request ${e.requestId} does not exist`, 'REQUEST.NOT_FOUND');
    const erased = await db.any(sql.type(z.object({ model: z.string(), action: z.string(), rows: z.number() }))`
      select model, action, rows from dsrflow.erasure_runs where request_id = ${e.requestId} and pass = ${e.ref} order by model`);
    // The identifiers of the deletion_requests row, with the hashes receivers match on (docs/erasure.md).
    const sent = (await identifiersSent(db, e.requestId, schema)) ?? { email: row.email, customerId: row.customer_id, phone: row.phone };
    return {
      ...head,
      requestId: row.request_id,
      regulation: row.regulation,
      requestedAt: row.received_at,
      subject: { userKey: row.user_key, ...withHashes(sent, e.phoneDefaultCountry) },
      // What dsrflow erased in the warehouse; the receiver erases what it holds on the subject.
      erasedHere: Object.fromEntries(erased.map((r) => [r.model, { action: r.action, rows: r.rows }])),
    };
  }
  const row = await db.maybeOne(sql.type(suppressionRow)`
    select suppression_id, request_id, scope, basis, regulation, user_key, email, customer_id, phone, effective_at, lifted_at, lift_reason
    from ${sql.identifier([schema, 'suppressions'])} where suppression_id = ${e.ref}`);
  if (!row) throw ApplicationFailure.nonRetryable(`suppression ${e.ref} does not exist`, 'SUPPRESSION.NOT_FOUND');
  return {
    ...head,
    requestId: row.request_id,
    regulation: row.regulation,
    suppression: {
      id: row.suppression_id,
      scope: row.scope,
      basis: row.basis,
      effectiveAt: row.effective_at,
      ...(e.kind === 'suppression.lifted' ? { liftedAt: row.lifted_at, reason: row.lift_reason } : {}),
    },
    subject: subjectOf(row),
  };
}
