import type { MigrationBuilder } from 'node-pg-migrate';
import { LEGAL_EXCEPTIONS } from '../../domain/actions.ts';

const oneOf = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

// Erasure: the plan of each pass (the first at processing, later ones when a retention period ends), the rows each
// model's transaction erased (one row per pass and model: a retry skips what is done), and the legal holds staff
// placed in the assessment (lifted only by staff; the scheduled erasure reads them when it wakes).
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    create table dsrflow.erasure_plans (
      request_id uuid not null references dsrflow.requests (id),
      -- 'initial', or the review instant (ISO 8601) of a scheduled pass
      pass text not null,
      as_of timestamptz not null,
      outcome text not null check (outcome in ('planned', 'no_data', 'ambiguous')),
      -- the warehouse key of the subject: later passes find the rows by it once the identifiers are anonymized
      user_key text,
      plan jsonb not null,
      next_review_at timestamptz,
      created_at timestamptz not null default now(),
      completed_at timestamptz,
      primary key (request_id, pass)
    );

    create table dsrflow.erasure_runs (
      request_id uuid not null references dsrflow.requests (id),
      pass text not null,
      model text not null,
      action text not null check (action in ('delete', 'anonymize')),
      rows integer not null,
      executed_at timestamptz not null default now(),
      primary key (request_id, pass, model),
      foreign key (request_id, pass) references dsrflow.erasure_plans (request_id, pass)
    );

    create table dsrflow.legal_holds (
      request_id uuid not null references dsrflow.requests (id),
      basis text not null check (basis in (${oneOf(LEGAL_EXCEPTIONS)})),
      placed_by text not null,
      placed_at timestamptz not null default now(),
      lifted_by text,
      lifted_at timestamptz,
      primary key (request_id, basis)
    );
  `);
};
