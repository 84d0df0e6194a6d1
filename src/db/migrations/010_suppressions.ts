import type { MigrationBuilder } from 'node-pg-migrate';

// Staff lifting a suppression: recorded here first (with who and why), then carried out by the suppressionLift
// workflow, which updates the warehouse row and tells the destinations. A lift whose workflow could not start
// (Temporal down) is started again by a retry of the same call or at worker start.
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`
    create table dsrflow.suppression_lifts (
      suppression_id uuid primary key,
      request_id uuid not null references dsrflow.requests (id),
      reason text not null check (length(reason) between 3 and 2000),
      lifted_by text not null,
      requested_at timestamptz not null default now(),
      workflow_started_at timestamptz,
      applied_at timestamptz
    );
  `);
};
