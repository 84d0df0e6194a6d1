import type { MigrationBuilder } from 'node-pg-migrate';

// What the rights-request workflow projects into PostgreSQL besides the status, and what the API keeps out of Temporal.
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    alter table dsrflow.requests
      add column overdue boolean not null default false,
      add column extensions_used integer not null default 0,
      add column paused_days integer not null default 0,
      add column acknowledged_at timestamptz;

    -- Free text from staff (reasons told to the subject, notes): personal data at worst, so Temporal carries only the id.
    create table dsrflow.decision_notes (
      id uuid primary key,
      request_id uuid not null references dsrflow.requests (id),
      author text not null,
      body text not null check (length(body) between 1 and 4000),
      created_at timestamptz not null default now()
    );

    -- The subject's email verification link: stored hashed, single use, expiring, with limited attempts.
    create table dsrflow.verification_tokens (
      request_id uuid primary key references dsrflow.requests (id),
      token_hash text not null unique,
      expires_at timestamptz not null,
      used_at timestamptz,
      attempts integer not null default 0,
      created_at timestamptz not null default now()
    );
  `);
};
