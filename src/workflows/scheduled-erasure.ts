import { continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { ErasurePassResult } from '../activities/erasure/index.ts';
import type { Activities } from '../activities/index.ts';

// An erasure pass deletes for minutes on a large subject; retried as a whole (each model's transaction is skipped once done).
const erasurePass = { startToCloseTimeout: '1 hour', retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' } } as const;
const { eraseSubjectData } = proxyActivities<Activities>(erasurePass);

export interface ScheduledErasureInput {
  requestId: string;
  /** When the first retained group's period ends. */
  reviewAt: string;
  /** Passes run before a continue-as-new (history stays short over years of reviews). */
  passes?: number;
}

export interface ScheduledErasureResult {
  requestId: string;
  passes: number;
  /** Rows erased per model over every pass of this run. */
  erased: Record<string, number>;
  /** Rows still kept after the last pass (open-ended: a hold, an open contract). */
  retained: Record<string, number>;
}

export const scheduledErasureWorkflowId = (requestId: string) => `erasure-${requestId}`;

/**
 * The erasure of what a request had to keep: sleeps until a retention period ends (years), then re-evaluates the
 * policy as of that moment (a legal hold placed by staff may still apply) and erases what has become eligible.
 * Each pass is recorded with the request; it ends when nothing retained has a date left.
 */
export async function scheduledErasure(input: ScheduledErasureInput): Promise<ScheduledErasureResult> {
  const erased: Record<string, number> = {};
  let retained: Record<string, number> = {};
  let passes = input.passes ?? 0;
  let next: string | null = input.reviewAt;
  while (next !== null) {
    const wait = Date.parse(next) - Date.now();
    if (wait > 0) await sleep(wait);
    const result: ErasurePassResult = await eraseSubjectData({ requestId: input.requestId, pass: next, asOf: next });
    passes += 1;
    for (const [model, rows] of Object.entries(result.erased)) erased[model] = (erased[model] ?? 0) + rows;
    retained = result.retained;
    // A later review is never earlier than this one; guard anyway so a bad date cannot spin.
    next = result.nextReviewAt !== null && result.nextReviewAt > next ? result.nextReviewAt : null;
    if (next !== null && workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof scheduledErasure>({ requestId: input.requestId, reviewAt: next, passes });
    }
  }
  return { requestId: input.requestId, passes, erased, retained };
}
