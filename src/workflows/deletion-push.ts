import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

const batch = { startToCloseTimeout: '5 minutes', retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes' } } as const;
const { pushDeletionRequests } = proxyActivities<Activities>(batch);

export const DELETION_PUSH_BATCH = 1000;

/** The hourly push (run by the Temporal Schedule `deletion-push`): moves pending outbox rows in batches until none are left. */
export async function deletionPush(input: { batchSize?: number } = {}): Promise<{ moved: number; batches: number }> {
  const batchSize = input.batchSize ?? DELETION_PUSH_BATCH;
  let moved = 0;
  let batches = 0;
  for (;;) {
    const result = await pushDeletionRequests({ batchSize });
    moved += result.moved;
    batches += 1;
    if (result.moved < batchSize) return { moved, batches };
  }
}
