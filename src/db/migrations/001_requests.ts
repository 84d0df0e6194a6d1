import type { MigrationBuilder } from 'node-pg-migrate';
import { CHANNELS, REQUEST_STATUSES, REQUEST_TYPES } from '../../domain/request.ts';
import { REGULATION_CODES } from '../../domain/regulations.ts';

// The check constraints are derived from src/domain, the one source of truth for these vocabularies.
const oneOf = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    create schema if not exists dsrflow;

    create table dsrflow.organizations (
      id text primary key check (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
      name text not null,
      created_at timestamptz not null default now()
    );

    create table dsrflow.api_tokens (
      id uuid primary key,
      name text not null unique,
      role text not null check (role in ('owner', 'admin', 'dpo', 'controller', 'auditor')),
      organization_id text references dsrflow.organizations (id),
      token_hash text not null unique,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    );

    create table dsrflow.requests (
      id uuid primary key,
      organization_id text not null references dsrflow.organizations (id),
      type text not null check (type in (${oneOf(REQUEST_TYPES)})),
      regulation text not null check (regulation in (${oneOf(REGULATION_CODES)})),
      status text not null check (status in (${oneOf(REQUEST_STATUSES)})),
      channel text not null check (channel in (${oneOf(CHANNELS)})),
      received_at timestamptz not null,
      due_at timestamptz not null,
      acknowledge_by timestamptz,
      extended_due_at timestamptz,
      workflow_id text not null unique,
      workflow_started_at timestamptz,
      idempotency_key text,
      request_fingerprint text not null,
      created_by text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      completed_at timestamptz,
      unique (organization_id, idempotency_key)
    );
    create index requests_org_status_idx on dsrflow.requests (organization_id, status);
    create index requests_due_idx on dsrflow.requests (due_at) where completed_at is null;
    create index requests_unstarted_idx on dsrflow.requests (created_at) where workflow_started_at is null;

    -- The subject's identifiers: personal data, kept apart from the request record and never sent to Temporal.
    create table dsrflow.request_subjects (
      request_id uuid primary key references dsrflow.requests (id) on delete cascade,
      email text not null,
      customer_id text,
      full_name text,
      phone text,
      extra_identifiers jsonb not null default '{}'::jsonb
    );

    create table dsrflow.audit_events (
      id bigint generated always as identity primary key,
      event_key text not null unique,
      request_id uuid references dsrflow.requests (id),
      organization_id text references dsrflow.organizations (id),
      occurred_at timestamptz not null default now(),
      actor text not null,
      action text not null,
      from_status text,
      to_status text,
      reason text,
      details jsonb not null default '{}'::jsonb
    );
    create index audit_events_request_idx on dsrflow.audit_events (request_id, id);

    -- One row per email the workflow asked for: the key makes a retried activity send it once.
    create table dsrflow.notifications (
      notification_key text primary key,
      request_id uuid not null references dsrflow.requests (id),
      kind text not null,
      message_id text not null,
      created_at timestamptz not null default now(),
      sent_at timestamptz
    );
  `);
};
