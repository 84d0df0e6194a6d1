import type { MigrationBuilder } from 'node-pg-migrate';

// Staff lifting a legal hold (POST /v1/requests/{id}/legal-holds/{basis}/lift): why, and whether the review it
// asks for has been handed to Temporal. The lift is recorded first; the review (an erasure pass now, in the
// request's scheduled erasure) is started after, again by a retry of the same call or by the sweep when Temporal
// was unreachable.
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    alter table dsrflow.legal_holds
      add column lift_reason text check (lift_reason is null or length(lift_reason) between 3 and 2000),
      add column review_started_at timestamptz;
  `);
};
