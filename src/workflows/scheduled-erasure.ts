import { condition, continueAsNew, patched, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { ErasurePassResult } from '../activities/erasure/index.ts';
import type { Activities } from '../activities/index.ts';
import { erasureReviewSignal } from './messages.ts';

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
 *
 * Staff lifting a legal hold send `erasureReview` with signalWithStart: a sleeping run wakes and runs a pass now
 * (keyed by that instant), then sleeps to its next date; a run that had ended (nothing dated left) is started again
 * with `reviewAt` the lift's instant. Behind `patched('erasure-review-signal')`: runs from before sleep through.
 */
export async function scheduledErasure(input: ScheduledErasureInput): Promise<ScheduledErasureResult> {
  const erased: Record<string, number> = {};
  let retained: Record<string, number> = {};
  let passes = input.passes ?? 0;
  let next: string | null = input.reviewAt;
  let reviewRequested = false;
  setHandler(erasureReviewSignal, () => {
    reviewRequested = true;
  });
  const wakesOnReview = patched('erasure-review-signal');
  while (next !== null) {
    let pass: string = next;
    const wait = Date.parse(next) - Date.now();
    if (wait > 0) {
      // condition() with a timeout issues the same timer as sleep(); a review request ends it early.
      if (!wakesOnReview) await sleep(wait);
      else if (await condition(() => reviewRequested, wait)) pass = new Date(Date.now()).toISOString();
    }
    reviewRequested = false;
    // As of now: a run started again after a lift is keyed by the lift's instant (recorded by the database), which
    // may be behind the workflow's clock; the plan must see the periods that have ended since.
    const asOf = wakesOnReview && Date.now() > Date.parse(pass) ? new Date(Date.now()).toISOString() : pass;
    const result: ErasurePassResult = await eraseSubjectData({ requestId: input.requestId, pass, asOf });
    passes += 1;
    for (const [model, rows] of Object.entries(result.erased)) erased[model] = (erased[model] ?? 0) + rows;
    retained = result.retained;
    // A later review is never earlier than this one; guard anyway so a bad date cannot spin.
    next = result.nextReviewAt !== null && result.nextReviewAt > pass ? result.nextReviewAt : null;
    // A review asked for during the pass: one more pass now (the hold may have been lifted after this plan was made).
    if (reviewRequested && wakesOnReview) next = new Date(Math.max(Date.now(), Date.parse(pass) + 1)).toISOString();
    if (next !== null && workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof scheduledErasure>({ requestId: input.requestId, reviewAt: next, passes });
    }
  }
  return { requestId: input.requestId, passes, erased, retained };
}
