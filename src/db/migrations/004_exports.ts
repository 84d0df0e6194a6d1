import type { MigrationBuilder } from 'node-pg-migrate';
import { EXPORT_FORMATS } from '../../domain/data-model.ts';

const oneOf = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

// Access and portability exports: one row per (request, format), the file kept in export storage under a random
// key until it expires; download links stored as hashes of random tokens.
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    create table dsrflow.exports (
      id uuid primary key,
      request_id uuid not null references dsrflow.requests (id),
      format text not null check (format in (${oneOf(EXPORT_FORMATS)})),
      status text not null default 'building' check (status in ('building', 'ready', 'skipped', 'expired')),
      -- while building: the key the attempt writes to (removed by the next attempt); once ready: the file
      storage_key text,
      sha256 text check (sha256 ~ '^[0-9a-f]{64}$'),
      bytes bigint,
      row_counts jsonb not null default '{}'::jsonb,
      skipped_reason text,
      created_at timestamptz not null default now(),
      ready_at timestamptz,
      expires_at timestamptz,
      expired_at timestamptz,
      unique (request_id, format)
    );

    create table dsrflow.download_tokens (
      token_hash text primary key,
      export_id uuid not null unique references dsrflow.exports (id),
      expires_at timestamptz not null,
      created_at timestamptz not null default now(),
      download_count integer not null default 0,
      last_downloaded_at timestamptz
    );
  `);
};
