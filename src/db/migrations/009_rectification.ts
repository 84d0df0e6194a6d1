import type { MigrationBuilder } from 'node-pg-migrate';
import { SUPPRESSION_SCOPES } from '../../domain/suppression.ts';

const oneOf = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

// Rectification: the corrections a request asks for (personal data: kept here, Temporal carries the request id),
// with the value each replaced and the value it left, for the auditor; and the outcome of the one run that applied
// them (a retry returns it instead of looking the subject up again: a corrected email no longer finds them).
// Also the suppression scopes a restriction or objection names (read by the suppression step).
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    alter table dsrflow.requests
      add column suppression_scopes text[] check (suppression_scopes <@ array[${oneOf(SUPPRESSION_SCOPES)}]::text[]);

    create table dsrflow.rectification_items (
      request_id uuid not null references dsrflow.requests (id) on delete cascade,
      -- the item's index in the request body's corrections array (corrections[0] is position 0)
      position integer not null check (position >= 0),
      model text not null,
      field text not null,
      -- the warehouse key of the row to correct; null for the users model (the subject's own row)
      row_key text,
      new_value text,
      before_value text,
      after_value text,
      applied_at timestamptz,
      primary key (request_id, position)
    );

    create table dsrflow.rectification_outcomes (
      request_id uuid primary key references dsrflow.requests (id) on delete cascade,
      outcome text not null check (outcome in ('applied', 'no_data', 'ambiguous')),
      user_key text,
      applied integer not null check (applied >= 0),
      decided_at timestamptz not null default now()
    );
  `);
};
