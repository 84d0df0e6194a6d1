import type { MigrationBuilder } from 'node-pg-migrate';

// Written out rather than imported: a migration must keep meaning what it meant when it ran.
const CHANNELS_016 = ['api', 'portal', 'email', 'webhook', 'phone', 'mail', 'in_person', 'staff'];

// The staff console (docs/console.md). A session is opened with an API token and acts with that token's role and
// organization; only a hash of the session id is stored (the cookie holds the id), so a copy of this table signs
// nobody in. Revoking the token ends its sessions (the foreign key is checked on every page).
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    create table dsrflow.console_sessions (
      id_hash text primary key check (id_hash ~ '^[0-9a-f]{64}$'),
      token_id uuid not null references dsrflow.api_tokens (id) on delete cascade,
      -- Synchronizer token for every form of this session (not secret from its holder, only from other sites).
      csrf_token text not null check (length(csrf_token) between 32 and 100),
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      expires_at timestamptz not null
    );
    create index console_sessions_expiry_idx on dsrflow.console_sessions (expires_at);

    -- One-time sign-in links made by 'npm run token -- signin-link': the link's secret is stored hashed, used once.
    create table dsrflow.console_signin_links (
      token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
      token_id uuid not null references dsrflow.api_tokens (id) on delete cascade,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz
    );

    -- A console form submitted once: its Idempotency-Key and where it led, so a refresh or a second click replays
    -- the answer instead of acting again (the workflow also dedupes the Update by an id derived from the key).
    create table dsrflow.console_submissions (
      idempotency_key text primary key check (length(idempotency_key) between 16 and 100),
      token_id uuid not null references dsrflow.api_tokens (id) on delete cascade,
      request_id uuid not null references dsrflow.requests (id),
      action text not null,
      outcome text not null,
      created_at timestamptz not null default now()
    );

    -- The notification centre is the audit trail's staff-facing events (new request, awaiting assessment, every
    -- email to STAFF_NOTIFY_EMAIL); each staff member (token) has read them up to an event id.
    create table dsrflow.console_notification_reads (
      token_id uuid primary key references dsrflow.api_tokens (id) on delete cascade,
      read_up_to bigint not null,
      read_at timestamptz not null default now()
    );
    create index audit_events_console_notice_idx on dsrflow.audit_events (id)
      where action in ('request.received', 'request.in_assessment') or (action = 'notice.sent' and starts_with(details ->> 'kind', 'staff_'));

    -- The console's work queue: soonest (extended) due date first, the id breaking ties (its cursor's order).
    create index requests_effective_due_idx on dsrflow.requests ((coalesce(extended_due_at, due_at)), id);

    -- Requests opened by staff from a customer's profile in the console come in on channel 'staff'.
    alter table dsrflow.requests drop constraint requests_channel_check,
      add constraint requests_channel_check check (channel in (${CHANNELS_016.map((c) => `'${c}'`).join(', ')}));
  `);
};
