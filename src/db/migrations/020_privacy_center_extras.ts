import type { MigrationBuilder } from 'node-pg-migrate';

// Written out rather than imported: a migration must keep meaning what it meant when it ran.
const TYPES_020 = ['access', 'export', 'rectify', 'erasure', 'restrict', 'object', 'noSale'];
const oneOf = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');
const HEX64 = `~ '^[0-9a-f]{64}$'`;

// The Privacy Center's embedding, Global Privacy Control forwarding, authorized agents and uploaded documents
// (docs/privacy-center.md), and console CSRF tokens derived from the session id instead of stored (docs/security.md).
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    -- Per organization, beside the form's identifiers (migration 018): the origins that may embed its Privacy Center
    -- (exact origins, e.g. https://www.acme.com), and the request types that need an identity document.
    alter table dsrflow.privacy_center_settings
      add column embed_origins text[] not null default '{}'
        check (cardinality(embed_origins) <= 20 and array_to_string(embed_origins, ' ') ~ '^(https?://[a-z0-9.-]+(:[0-9]{1,5})?( |$))*$'),
      add column identity_document_types text[] not null default '{}'
        check (identity_document_types <@ array[${oneOf(TYPES_020)}]::text[]);

    -- Staff decide the identity (an authorized agent's permission, an identity document): no emailed link verifies the
    -- request and no policy approves it.
    alter table dsrflow.requests add column staff_verifies boolean not null default false;

    -- The authorized agent who filed a request for the consumer (CCPA 11 CCR 7063): personal data, never sent to Temporal.
    create table dsrflow.request_agents (
      request_id uuid primary key references dsrflow.requests (id),
      name text not null check (length(name) between 1 and 200),
      email text not null check (length(email) between 3 and 320),
      created_at timestamptz not null default now()
    );

    -- Staff (or the organization's settings) asked the subject of a request for an identity document.
    create table dsrflow.identity_document_asks (
      request_id uuid primary key references dsrflow.requests (id),
      asked_by text not null,
      asked_at timestamptz not null default now()
    );

    -- Documents a person uploaded: the bytes are encrypted in the document store under a data key of their own, kept
    -- here wrapped; deleting a document destroys the key and the file and keeps this row (sizes, dates) as the record.
    create table dsrflow.request_documents (
      id uuid primary key,
      request_id uuid not null references dsrflow.requests (id),
      kind text not null check (kind in ('agent_permission', 'identity')),
      media_type text not null check (media_type in ('application/pdf', 'image/png', 'image/jpeg')),
      bytes integer not null check (bytes > 0),
      sha256 text not null check (sha256 ${HEX64}),
      storage_key text,
      wrapped_key bytea,
      uploaded_at timestamptz not null default now(),
      deleted_at timestamptz,
      check ((deleted_at is null) = (wrapped_key is not null and storage_key is not null))
    );
    create index request_documents_request_idx on dsrflow.request_documents (request_id);

    -- Signed deliveries accepted (GPC forwarded by an organization's site): the same signature twice is a replay.
    create table dsrflow.signed_deliveries (
      signature_hash text primary key check (signature_hash ${HEX64}),
      source text not null,
      received_at timestamptz not null default now()
    );
    create index signed_deliveries_received_idx on dsrflow.signed_deliveries (received_at);

    -- The console's CSRF token is now an HMAC of the session id (which only the cookie holds): nothing secret is stored.
    alter table dsrflow.console_sessions drop column csrf_token;
  `);
};
