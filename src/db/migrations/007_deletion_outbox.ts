import type { MigrationBuilder } from 'node-pg-migrate';

// Erasure requests waiting to be pushed to the warehouse's deletion_requests table (downstream systems read it).
// The identifiers are not copied: the push joins dsrflow.request_subjects, so they live in one place until pushed.
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    create table dsrflow.deletion_outbox (
      request_id uuid primary key references dsrflow.requests (id),
      user_key text,
      regulation text not null,
      requested_at timestamptz not null,
      enqueued_at timestamptz not null default now(),
      pushed_at timestamptz
    );
    create index deletion_outbox_pending_idx on dsrflow.deletion_outbox (enqueued_at, request_id) where pushed_at is null;
  `);
};
