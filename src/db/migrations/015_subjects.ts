import type { MigrationBuilder } from 'node-pg-migrate';
import { SUBJECT_IDENTIFIER_KINDS } from '../../domain/subjects.ts';

const oneOf = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

// Data subjects as records (docs/subjects.md). A subject is a person at one organization, known by a pseudonymous
// id (a keyed hash: the key is not in the database). Its identifiers are stored as keyed hashes only, for lookups;
// the identifiers themselves stay where they were, with each request in request_subjects.
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    create table dsrflow.subjects (
      id text primary key check (id ~ '^[0-9a-f]{32}$'),
      organization_id text not null references dsrflow.organizations (id),
      created_at timestamptz not null default now()
    );

    create table dsrflow.subject_identifiers (
      organization_id text not null references dsrflow.organizations (id),
      kind text not null check (kind in (${oneOf(SUBJECT_IDENTIFIER_KINDS)})),
      identifier_hash text not null check (identifier_hash ~ '^[0-9a-f]{64}$'),
      subject_id text not null references dsrflow.subjects (id),
      created_at timestamptz not null default now(),
      primary key (organization_id, kind, identifier_hash)
    );
    create index subject_identifiers_subject_idx on dsrflow.subject_identifiers (subject_id);
    -- Lookups by identifier across organizations (GET /v1/subjects?email=) for roles that see them all.
    create index subject_identifiers_hash_idx on dsrflow.subject_identifiers (kind, identifier_hash);

    alter table dsrflow.requests
      add column subject_id text references dsrflow.subjects (id),
      -- The open request of the same type by the same subject when this one was recorded; staff merge or keep it.
      add column duplicate_of uuid references dsrflow.requests (id),
      add column duplicate_decision text check (duplicate_decision in ('merged', 'kept')),
      add column duplicate_decided_by text,
      add column duplicate_decided_at timestamptz,
      -- The repeat limit this request is over, with the earlier requests counted (ids only).
      add column over_limit jsonb,
      add constraint requests_duplicate_decided_when_flagged check (duplicate_decision is null or duplicate_of is not null);
    create index requests_subject_idx on dsrflow.requests (subject_id, received_at) where subject_id is not null;
    create index requests_duplicate_idx on dsrflow.requests (duplicate_of) where duplicate_of is not null;
    create index requests_over_limit_idx on dsrflow.requests (received_at) where over_limit is not null;
  `);
};
