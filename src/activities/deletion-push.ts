import { activityContext } from './activity-context.ts';
import type { ActivityDeps } from './deps.ts';
import { DEFAULT_DELETION_SCHEMA, pushDeletionBatch } from '../warehouse/deletion-table.ts';

// The hourly push as activities: batches of src/warehouse/deletion-table.ts, counted and heartbeated.

/** A drain stops taking new batches after this long, so one activity (one history event) stays short after an outage. */
export const DRAIN_SECONDS = 120;

export interface DrainProgress {
  moved: number;
  batches: number;
}

export function createDeletionTableActivities(deps: Pick<ActivityDeps, 'pool' | 'logger' | 'deletionRequestsSchema'>) {
  const schema = deps.deletionRequestsSchema ?? DEFAULT_DELETION_SCHEMA;
  return {
    /** One batch of the hourly push; counts only. Runs started before 'deletion-push-drain' call it per batch. */
    async pushDeletionRequests(input: { batchSize: number }): Promise<{ moved: number }> {
      const moved = await pushDeletionBatch(deps.pool, schema, input.batchSize, deps.logger);
      if (moved > 0) deps.logger.info('deletion requests pushed', { moved, schema });
      return { moved };
    },

    /**
     * The hourly push's work: batches until one comes back short (the queue is empty) or `seconds` have passed
     * (`more`: the workflow calls again). Each batch commits on its own, so a retry after a crash goes on with
     * what is left; the counts carry over through the heartbeat. One activity instead of one per batch: each
     * activity costs a workflow task and two history events (bench/README.md, "Deletion push").
     */
    async drainDeletionQueue(input: { batchSize: number; seconds?: number }): Promise<DrainProgress & { more: boolean }> {
      const ctx = activityContext();
      const progress: DrainProgress = { moved: 0, batches: 0, ...(ctx?.info.heartbeatDetails as DrainProgress | undefined) };
      const until = performance.now() + (input.seconds ?? DRAIN_SECONDS) * 1000;
      for (;;) {
        const moved = await pushDeletionBatch(deps.pool, schema, input.batchSize, deps.logger);
        progress.moved += moved;
        progress.batches += 1;
        ctx?.heartbeat({ ...progress });
        if (moved < input.batchSize || performance.now() >= until || ctx?.cancellationSignal.aborted) {
          if (progress.moved > 0) deps.logger.info('deletion requests pushed', { ...progress, schema });
          if (moved === input.batchSize && ctx?.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new Error('push cancelled');
          return { ...progress, more: moved === input.batchSize };
        }
      }
    },
  };
}
