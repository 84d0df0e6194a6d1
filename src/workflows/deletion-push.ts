import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

const batch = { startToCloseTimeout: '5 minutes', retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes' } } as const;
const { pushDeletionRequests } = proxyActivities<Activities>(batch);
// A drain stops taking batches after DRAIN_SECONDS (120 s); a batch is ~0.05 s, so 10 minutes leaves room for a
// slow database. It heartbeats after every batch: a worker that died is noticed within a minute.
const { drainDeletionQueue } = proxyActivities<Activities>({ ...batch, startToCloseTimeout: '10 minutes', heartbeatTimeout: '1 minute' });

/** Rows per transaction: 100,000 pending rows in 11 batches instead of 101 (bench/README.md). */
export const DELETION_PUSH_BATCH = 10_000;
/** The batch of runs started before the 'deletion-push-batch-10k' patch: their histories loop on 1,000. */
const DELETION_PUSH_BATCH_BEFORE = 1000;

/**
 * The hourly push (run by the Temporal Schedule `deletion-push`): moves the queued rows to the warehouse table in
 * batches until none are left. One activity drains the queue (calling again while it reports `more`); runs started
 * before the 'deletion-push-drain' patch called one activity per batch and replay that way.
 */
export async function deletionPush(input: { batchSize?: number; drainSeconds?: number } = {}): Promise<{ moved: number; batches: number }> {
  let moved = 0;
  let batches = 0;
  if (patched('deletion-push-drain')) {
    const batchSize = input.batchSize ?? DELETION_PUSH_BATCH;
    for (;;) {
      const result = await drainDeletionQueue({ batchSize, ...(input.drainSeconds !== undefined ? { seconds: input.drainSeconds } : {}) });
      moved += result.moved;
      batches += result.batches;
      if (!result.more) return { moved, batches };
    }
  }
  // The loop ends on the first short batch, so a run replayed with another default would issue other commands.
  const batchSize = input.batchSize ?? (patched('deletion-push-batch-10k') ? DELETION_PUSH_BATCH : DELETION_PUSH_BATCH_BEFORE);
  for (;;) {
    const result = await pushDeletionRequests({ batchSize });
    moved += result.moved;
    batches += 1;
    if (result.moved < batchSize) return { moved, batches };
  }
}
