import type { MigrationBuilder } from 'node-pg-migrate';

// Consumer appeals (docs/appeals.md): one appeal per request, decided by staff within the regime's period. The
// consumer's statement and staff's reasons are decision notes (personal data at worst, never sent to Temporal).
// The appeal link emailed with a refusal or partial answer is stored hashed, like the verification link.
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    create table dsrflow.appeals (
      id uuid primary key,
      request_id uuid not null unique references dsrflow.requests (id),
      organization_id text not null references dsrflow.organizations (id),
      regulation text not null,
      status text not null check (status in ('received', 'granted', 'denied')),
      channel text not null check (channel in ('staff', 'subject')),
      received_at timestamptz not null,
      due_at timestamptz not null,
      overdue boolean not null default false,
      workflow_id text not null unique,
      workflow_started_at timestamptz,
      statement_note_id uuid references dsrflow.decision_notes (id),
      created_by text not null,
      created_at timestamptz not null default now(),
      decided_at timestamptz,
      decided_by text,
      decision_note_id uuid references dsrflow.decision_notes (id)
    );
    create index appeals_open_idx on dsrflow.appeals (due_at) where decided_at is null;

    create table dsrflow.appeal_tokens (
      request_id uuid primary key references dsrflow.requests (id),
      token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
      created_at timestamptz not null default now(),
      used_at timestamptz,
      attempts integer not null default 0
    );
  `);
};
