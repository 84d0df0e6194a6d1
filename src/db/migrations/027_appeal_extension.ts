import type { MigrationBuilder } from 'node-pg-migrate';

// An appeal's decision deadline extended once where the law allows it (C.R.S. 6-1-1306(3), docs/appeals.md): who did
// it and when, and the reasons for the delay told to the consumer, as a decision note (never sent to Temporal). The
// new date is the row's due_at; the initial one follows from received_at and the regime's period.
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    alter table dsrflow.appeals
      add column extended_at timestamptz,
      add column extended_by text,
      add column extension_note_id uuid references dsrflow.decision_notes (id);
  `);
};
