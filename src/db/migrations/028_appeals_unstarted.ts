import type { MigrationBuilder } from 'node-pg-migrate';

// The sweep (src/activities/sweep.ts) starts appeals recorded while Temporal was unreachable, as it does requests.
export const up = (pgm: MigrationBuilder) => {
  pgm.sql(`create index appeals_unstarted_idx on dsrflow.appeals (received_at) where workflow_started_at is null;`);
};
