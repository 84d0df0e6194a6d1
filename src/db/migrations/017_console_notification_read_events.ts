import type { MigrationBuilder } from 'node-pg-migrate';

// A notification read on its own (docs/console.md): besides each staff member's marker (everything up to an event
// is read), the events read one by one above it. Marking all read moves the marker and drops these rows below it.
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    create table dsrflow.console_notification_read_events (
      token_id uuid not null references dsrflow.api_tokens (id) on delete cascade,
      -- No foreign key into the append-only trail: rows are only written for a notice the reader may see.
      event_id bigint not null,
      read_at timestamptz not null default now(),
      primary key (token_id, event_id)
    );
  `);
};
