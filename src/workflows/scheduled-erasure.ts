import { condition, continueAsNew, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ErasurePassResult } from '../activities/erasure/index.ts';
import type { Activities } from '../activities/index.ts';
import { erasureReviewSignal } from './messages.ts';

// An erasure pass deletes for minutes on a large subject; retried as a whole (each model's transaction is skipped once done).
const erasurePass = { startToCloseTimeout: '1 hour', retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' } } as const;
const { eraseSubjectData } = proxyActivities<Activities>(erasurePass);

export interface ScheduledErasureInput {
  requestId: string;
  /** The first review: when a retained group's period ends or an open condition is looked at again. */
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
 * Staff lifting a legal hold send `erasureReview` with signalWithStart (docs/erasure.md, "Lifting a legal hold"):
 * - a sleeping run wakes and runs a pass now, keyed by that instant, then sleeps to its next date;
 * - a run that had ended is started again with `reviewAt` the lift's instant, and runs that pass at once (its key
 *   is the lift's, so a repeated start reuses the stored plan);
 * - a lift already served by this run is ignored (a retried call, the sweep);
 * - a review asked for during a pass gets one more pass after it.
 * condition() with a timeout issues the same timer command as the sleep() of earlier code, so runs from before
 * wake too; `patched('erasure-review-signal')` only moves their passes' asOf to the workflow's now.
 */
export async function scheduledErasure(input: ScheduledErasureInput): Promise<ScheduledErasureResult> {
  const erased: Record<string, number> = {};
  let retained: Record<string, number> = {};
  let passes = input.passes ?? 0;
  let next: string | null = input.reviewAt;
  let reviewRequested = false;
  let startedByLift = false;
  const served = new Set<string>();
  setHandler(erasureReviewSignal, (review) => {
    const key = `${review.basis}@${review.liftedAt}`;
    if (served.has(key)) return;
    served.add(key);
    reviewRequested = true;
    if (passes === (input.passes ?? 0) && review.liftedAt === input.reviewAt) startedByLift = true;
  });
  const asOfNow = patched('erasure-review-signal');
  while (next !== null) {
    let pass: string = next;
    const wait = Date.parse(next) - Date.now();
    // A run started by a lift goes at once, whatever the two clocks say (the lift's instant is the database's).
    if (wait > 0 && !(startedByLift && pass === input.reviewAt)) {
      if (await condition(() => reviewRequested, wait)) pass = new Date(Date.now()).toISOString();
    }
    reviewRequested = false;
    startedByLift = false;
    // As of now, never ahead: a pass woken early or keyed by a lift sees the periods ended by now, no later.
    const asOf = asOfNow ? new Date(Date.now()).toISOString() : pass;
    const result: ErasurePassResult = await eraseSubjectData({ requestId: input.requestId, pass, asOf });
    passes += 1;
    for (const [model, rows] of Object.entries(result.erased)) erased[model] = (erased[model] ?? 0) + rows;
    retained = result.retained;
    // A later review is never earlier than this one; guard anyway so a bad date cannot spin.
    next = result.nextReviewAt !== null && result.nextReviewAt > pass ? result.nextReviewAt : null;
    // A review asked for during the pass: one more pass now (the hold may have been lifted after this plan was made).
    if (reviewRequested) next = new Date(Math.max(Date.now(), Date.parse(pass) + 1)).toISOString();
    if (next !== null && workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof scheduledErasure>({ requestId: input.requestId, reviewAt: next, passes });
    }
  }
  return { requestId: input.requestId, passes, erased, retained };
}
