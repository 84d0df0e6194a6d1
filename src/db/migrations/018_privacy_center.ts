import type { MigrationBuilder } from 'node-pg-migrate';

// Written out rather than imported: a migration must keep meaning what it meant when it ran.
const LOCALES_018 = ['en', 'de', 'fr', 'es'];
const IDENTIFIERS_018 = ['customerId', 'fullName', 'phone'];

// The Privacy Center (docs/privacy-center.md): self-service requests from data subjects.
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    -- The language the subject used: every later email to them is written in it (null: recorded before, English).
    alter table dsrflow.requests add column locale text check (locale in (${LOCALES_018.map((l) => `'${l}'`).join(', ')}));

    -- Where the subject said they live ('DE', 'US-CA'): it chose the regulation. Personal data, so beside the
    -- other identifiers, not on the request.
    alter table dsrflow.request_subjects add column residence text check (residence ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$');

    -- Private links to a request's status page, one per email sent (each email carries a fresh one). Only the hash
    -- is stored; a link opens that one request and nothing else.
    create table dsrflow.status_links (
      token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
      request_id uuid not null references dsrflow.requests (id) on delete cascade,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    );
    create index status_links_request_idx on dsrflow.status_links (request_id);

    -- Per organization: which identifiers besides the email its form asks for (all optional to the person).
    create table dsrflow.privacy_center_settings (
      organization_id text primary key references dsrflow.organizations (id) on delete cascade,
      identifiers text[] not null default '{customerId,fullName}'
        check (identifiers <@ array[${IDENTIFIERS_018.map((i) => `'${i}'`).join(', ')}]::text[]),
      updated_at timestamptz not null default now()
    );
  `);
};

