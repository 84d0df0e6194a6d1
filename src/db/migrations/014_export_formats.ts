import type { MigrationBuilder } from 'node-pg-migrate';
import { EXPORT_FORMATS } from '../../domain/data-model.ts';

const oneOf = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

// The formats an access or portability request is exported in, chosen per request (or EXPORT_FORMATS at intake,
// stored so a later configuration change does not alter a request already accepted). Null: a request recorded
// before this column existed, exported in the worker's EXPORT_FORMATS as before.
// And the row limit a skipped export was over, so the request, the audit trail and the email can say it.
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    alter table dsrflow.requests
      add column export_formats text[] check (export_formats <@ array[${oneOf(EXPORT_FORMATS)}]::text[] and cardinality(export_formats) > 0);
    alter table dsrflow.exports
      add column row_limit integer check (row_limit > 0);
  `);
};
