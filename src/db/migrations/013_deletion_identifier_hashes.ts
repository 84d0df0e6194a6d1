import type { MigrationBuilder } from 'node-pg-migrate';

// Downstream systems (ad platforms, CRMs) match on SHA-256 of the normalized email and phone: the queue carries them
// to the warehouse's deletion_requests beside the identifiers, which are now those the warehouse held for the matched
// customer (captured by the first erasure pass before anything is erased). The hashes are computed by the worker
// (src/warehouse/identifier-hashes.ts: one normalization, E.164 by libphonenumber), so they are not filled here:
// rows queued before this migration, or by a worker still on the code before it (the ledger's trigger is unchanged),
// are pushed with NULL hashes and the identifiers the requester gave, as before.
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    alter table dsrflow.deletion_queue
      add column email_sha256 text check (email_sha256 ~ '^[0-9a-f]{64}$'),
      add column phone_sha256 text check (phone_sha256 ~ '^[0-9a-f]{64}$');
  `);
};
