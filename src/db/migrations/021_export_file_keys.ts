import type { MigrationBuilder } from 'node-pg-migrate';

// Export files encrypted at rest (docs/exports.md, "At rest"): each file's own data key, sealed under the key ring,
// kept here beside the file's record and never next to the file. The expiry destroys it (crypto-shredding) in the
// same transaction that marks the export expired, so nothing ever reads that file again.
// data_key null on a ready export: a file written before this migration, in plaintext, readable until it expires.
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    alter table dsrflow.exports
      add column data_key bytea check (octet_length(data_key) between 32 and 200),
      -- the ring key that sealed it: which files a retired key still opens (docs/deployment.md, rotation)
      add column data_key_id text check (data_key_id ~ '^[A-Za-z0-9_.-]{1,40}$'),
      add constraint exports_data_key_sealed_check check ((data_key is null) = (data_key_id is null));
    create index exports_data_key_id_idx on dsrflow.exports (data_key_id) where data_key_id is not null;
  `);
};
