import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

const batch = { startToCloseTimeout: '5 minutes', retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes' } } as const;
const { pushDeletionRequests } = proxyActivities<Activities>(batch);

/** Rows per transaction (and per activity): 100,000 pending rows in 11 activities instead of 101 (bench/README.md). */
export const DELETION_PUSH_BATCH = 10_000;
/** The batch of runs started before the 'deletion-push-batch-10k' patch: their histories loop on 1,000. */
const DELETION_PUSH_BATCH_BEFORE = 1000;

/** The hourly push (run by the Temporal Schedule `deletion-push`): moves pending outbox rows in batches until none are left. */
export async function deletionPush(input: { batchSize?: number } = {}): Promise<{ moved: number; batches: number }> {
  // The loop ends on the first short batch, so a run replayed with another default would issue other commands.
  const batchSize = input.batchSize ?? (patched('deletion-push-batch-10k') ? DELETION_PUSH_BATCH : DELETION_PUSH_BATCH_BEFORE);
  let moved = 0;
  let batches = 0;
  for (;;) {
    const result = await pushDeletionRequests({ batchSize });
    moved += result.moved;
    batches += 1;
    if (result.moved < batchSize) return { moved, batches };
  }
}
