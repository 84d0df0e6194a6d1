import type { MigrationBuilder } from 'node-pg-migrate';
import { DESTINATION_EVENTS } from '../../domain/destinations.ts';

const oneOf = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

// Events for downstream destinations (signed webhooks) and the delivery of each to each destination. The event body
// holds the subject's identifiers (the receiver needs them to act), so it lives here and never in Temporal: the
// delivery workflow carries the event id and the destination's name. One event per (request, kind, ref): a retried
// activity or a replayed workflow finds the first. The erasure plan staff see before approving is kept beside.
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    create table dsrflow.destination_events (
      id uuid primary key,
      request_id uuid not null references dsrflow.requests (id),
      kind text not null check (kind in (${oneOf(DESTINATION_EVENTS)})),
      -- what the event is about within the request: 'initial' for an erasure, the suppression id for a suppression
      ref text not null,
      body jsonb not null,
      created_at timestamptz not null default now(),
      unique (request_id, kind, ref)
    );

    create table dsrflow.destination_deliveries (
      event_id uuid not null references dsrflow.destination_events (id),
      destination text not null,
      status text not null default 'pending' check (status in ('pending', 'delivered', 'abandoned')),
      attempts integer not null default 0,
      last_status_code integer,
      last_error text,
      last_attempt_at timestamptz,
      delivered_at timestamptz,
      abandoned_at timestamptz,
      primary key (event_id, destination)
    );
    create index destination_deliveries_open_idx on dsrflow.destination_deliveries (destination) where status = 'pending';

    create table dsrflow.erasure_previews (
      request_id uuid primary key references dsrflow.requests (id),
      as_of timestamptz not null,
      outcome text not null check (outcome in ('planned', 'no_data', 'ambiguous')),
      plan jsonb not null,
      created_at timestamptz not null default now()
    );
  `);
};
