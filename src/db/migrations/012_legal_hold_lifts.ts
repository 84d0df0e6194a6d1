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
    -- Holds lifted before this column existed (by hand): their review is not due now; the sweep must not start it.
    update dsrflow.legal_holds set review_started_at = lifted_at where lifted_at is not null;
  `);
};
