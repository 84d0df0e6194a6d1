import { randomUUID } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import type { Destination, DestinationEvent } from '../../domain/destinations.ts';
import { recordEvent } from '../../db/audit.ts';
import { signWebhook } from '../../platform/signing.ts';
import type { ActivityDeps } from '../deps.ts';
import { sendOnce } from '../notifications.ts';
import { eventBody } from './bodies.ts';

// Signed webhooks to downstream destinations. An event (its body holds the subject's identifiers: the receiver
// needs them) is written once to dsrflow.destination_events with one delivery row per subscribed destination; each
// delivery is its own workflow (destinationDelivery), so a destination failing for days holds up neither the others
// nor the request. Temporal's retry policy does the backoff; every attempt's outcome lands in the delivery row.

export const SIGNATURE_HEADER = 'dsrflow-signature';
export const EVENT_HEADER = 'dsrflow-event';
export const DELIVERY_HEADER = 'dsrflow-delivery';
const REQUEST_TIMEOUT_MS = 10_000;
const DAY_MS = 86_400_000;

export type DestinationDeps = Pick<ActivityDeps, 'pool' | 'logger' | 'mailer' | 'publicUrl' | 'staffEmail' | 'deletionRequestsSchema' | 'phoneDefaultCountry'> & {
  destinations?: readonly Destination[];
};

/** What the workflow learns about a delivery to start: ids, the destination's name and its retry settings. */
export interface PlannedDelivery {
  eventId: string;
  destination: string;
  giveUpAfterDays: number;
  retryInitialSeconds: number;
}

const deliveryRow = z.object({ status: z.enum(['pending', 'delivered', 'abandoned']), attempts: z.number() });

/** Attempts audited one by one; after that one failure a day (the delivery row always has the latest). */
const auditAttempt = (attempt: number) => attempt <= 5 || attempt % 24 === 0;

export function createDestinationActivities(deps: DestinationDeps) {
  const destinations = new Map((deps.destinations ?? []).map((d) => [d.name, d]));
  const subscribed = (kind: DestinationEvent) => [...destinations.values()].filter((d) => d.events.includes(kind));

  async function recordOutcome(db: CommonQueryMethods, requestId: string, key: string, action: string, reason: string | null, details: Record<string, unknown>) {
    await recordEvent(db, { requestId, eventKey: key, action, actor: 'system', reason, details });
  }

  return {
    /**
     * Writes the event once (its body read from the records by id) with a pending delivery per destination that
     * takes this kind, and returns the deliveries still pending. No destination takes it: nothing is written.
     */
    async prepareDestinationEvent(input: { requestId: string; kind: DestinationEvent; ref: string }): Promise<{ deliveries: PlannedDelivery[] }> {
      const targets = subscribed(input.kind);
      if (targets.length === 0) return { deliveries: [] };
      const eventId = await deps.pool.transaction(async (tx) => {
        const existing = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
          select id from dsrflow.destination_events where request_id = ${input.requestId} and kind = ${input.kind} and ref = ${input.ref}`);
        if (existing) return existing;
        const id = randomUUID();
        const body = await eventBody(tx, { ...input, eventId: id, schema: deps.deletionRequestsSchema, phoneDefaultCountry: deps.phoneDefaultCountry });
        await tx.query(sql.unsafe`
          insert into dsrflow.destination_events (id, request_id, kind, ref, body)
          values (${id}, ${input.requestId}, ${input.kind}, ${input.ref}, ${sql.jsonb(body as never)})`);
        return id;
      });
      await deps.pool.query(sql.unsafe`
        insert into dsrflow.destination_deliveries (event_id, destination)
        select ${eventId}, name from unnest(${sql.array(targets.map((d) => d.name), 'text')}) as name
        on conflict do nothing`);
      const pending = new Set(
        await deps.pool.anyFirst(sql.type(z.object({ destination: z.string() }))`
          select destination from dsrflow.destination_deliveries where event_id = ${eventId} and status = 'pending'`),
      );
      return {
        deliveries: targets
          .filter((d) => pending.has(d.name))
          .map((d) => ({ eventId, destination: d.name, giveUpAfterDays: d.giveUpAfterDays, retryInitialSeconds: d.retryInitialSeconds })),
      };
    },

    /**
     * One attempt: POSTs the event, signed, to the destination. 2xx is delivered (audited); anything else is recorded
     * on the delivery row and thrown, so Temporal retries it with backoff - until the destination's window has passed
     * (measured on Temporal's clock), when it answers `gaveUp` for the workflow to abandon. Already delivered: nothing is sent.
     */
    async deliverToDestination(input: { eventId: string; destination: string }): Promise<{ statusCode: number | null; delivered: boolean; gaveUp?: boolean }> {
      const destination = destinations.get(input.destination);
      if (!destination) throw ApplicationFailure.nonRetryable(`destination ${input.destination} is no longer configured`, 'DESTINATION.UNKNOWN');
      const row = await deps.pool.maybeOne(sql.type(deliveryRow.extend({ request_id: z.string(), kind: z.string(), body: z.unknown() }))`
        select d.status, d.attempts, e.request_id, e.kind, e.body
        from dsrflow.destination_deliveries d join dsrflow.destination_events e on e.id = d.event_id
        where d.event_id = ${input.eventId} and d.destination = ${input.destination}`);
      if (!row) throw ApplicationFailure.nonRetryable(`no delivery of event ${input.eventId} to ${input.destination}`, 'DESTINATION.NO_DELIVERY');
      if (row.status !== 'pending') return { statusCode: null, delivered: row.status === 'delivered' };

      const { attempt } = Context.current().info;
      const raw = JSON.stringify(row.body);
      let statusCode: number | null = null;
      let problem: string | null = null;
      try {
        const response = await fetch(destination.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signWebhook(destination.secret, raw, Math.floor(Date.now() / 1000)),
            [EVENT_HEADER]: row.kind,
            // The receiver's idempotency key: a retry after a lost answer carries the same one.
            [DELIVERY_HEADER]: input.eventId,
          },
          body: raw,
          redirect: 'manual',
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        statusCode = response.status;
        await response.body?.cancel();
        if (statusCode < 200 || statusCode > 299) problem = `answered HTTP ${statusCode}`;
      } catch (error) {
        const e = error as Error & { cause?: { code?: string } };
        // Codes only: a network error's message may carry the URL, which may carry a token.
        problem = e.name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : `could not be reached (${e.cause?.code ?? e.name})`;
      }

      const base = `destination/${input.eventId}/${input.destination}`;
      if (problem === null) {
        await deps.pool.transaction(async (tx) => {
          await tx.query(sql.unsafe`
            update dsrflow.destination_deliveries
            set status = 'delivered', attempts = attempts + 1, last_status_code = ${statusCode}, last_error = null, last_attempt_at = now(), delivered_at = now()
            where event_id = ${input.eventId} and destination = ${input.destination} and status = 'pending'`);
          await recordOutcome(tx, row.request_id, `${base}/delivered`, 'destination.delivered', `${row.kind} delivered to ${input.destination}`, {
            destination: input.destination,
            event: row.kind,
            eventId: input.eventId,
            attempt,
            statusCode,
          });
        });
        deps.logger.info('destination delivery', { destination: input.destination, eventId: input.eventId, attempt, statusCode });
        return { statusCode, delivered: true };
      }
      await deps.pool.query(sql.unsafe`
        update dsrflow.destination_deliveries
        set attempts = attempts + 1, last_status_code = ${statusCode}, last_error = ${problem}, last_attempt_at = now()
        where event_id = ${input.eventId} and destination = ${input.destination} and status = 'pending'`);
      if (auditAttempt(attempt)) {
        await recordOutcome(deps.pool, row.request_id, `${base}/attempt/${attempt}`, 'destination.attempt_failed', `${input.destination} ${problem}; retried with backoff`, {
          destination: input.destination,
          event: row.kind,
          eventId: input.eventId,
          attempt,
          statusCode,
        });
      }
      deps.logger.warn('destination delivery failed', { destination: input.destination, eventId: input.eventId, attempt, statusCode });
      // The window is measured on Temporal's clock (first schedule to this attempt), so a restart or a paused
      // worker does not extend it.
      const info = Context.current().info;
      if (info.currentAttemptScheduledTimestampMs - info.scheduledTimestampMs >= destination.giveUpAfterDays * DAY_MS) {
        return { statusCode, delivered: false, gaveUp: true };
      }
      throw ApplicationFailure.retryable(`destination ${input.destination} ${problem}`, 'DESTINATION.FAILED');
    },

    /** The delivery is given up (retried for the destination's whole window, or no longer configured): recorded, audited, staff told. */
    async abandonDelivery(input: { eventId: string; destination: string; reason: string }): Promise<void> {
      const row = await deps.pool.maybeOne(sql.type(z.object({ request_id: z.string(), kind: z.string(), attempts: z.number(), last_error: z.string().nullable() }))`
        update dsrflow.destination_deliveries d set status = 'abandoned', abandoned_at = coalesce(abandoned_at, now())
        from dsrflow.destination_events e
        where e.id = d.event_id and d.event_id = ${input.eventId} and d.destination = ${input.destination} and d.status <> 'delivered'
        returning e.request_id, e.kind, d.attempts, d.last_error`);
      if (!row) return;
      const key = `destination/${input.eventId}/${input.destination}/abandoned`;
      const reason = `${row.kind} to ${input.destination} given up after ${row.attempts} attempt(s): ${input.reason}${row.last_error ? ` (last: ${row.last_error})` : ''}`;
      await recordOutcome(deps.pool, row.request_id, key, 'destination.abandoned', reason, { destination: input.destination, event: row.kind, eventId: input.eventId, attempts: row.attempts });
      await sendOnce(deps, {
        key: `${row.request_id}/${key}`,
        requestId: row.request_id,
        kind: 'staff_destination_abandoned',
        to: deps.staffEmail,
        subject: `[dsrflow] ${input.destination} was not told of ${row.kind} for request ${row.request_id}`,
        text: `${reason}.\nTell ${input.destination} by hand, or fix it and re-send: the event id is ${input.eventId}.\n`,
        audit: { kind: 'staff_destination_abandoned', destination: input.destination, eventId: input.eventId },
      });
    },
  };
}
