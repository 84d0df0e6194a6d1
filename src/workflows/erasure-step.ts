import { ParentClosePolicy, patched, proxyActivities, startChild } from '@temporalio/workflow';
import { announce } from './destinations.ts';
import type { Activities } from '../activities/index.ts';
import { activities, type RequestRun } from './request-context.ts';
import { scheduledErasure, scheduledErasureWorkflowId } from './scheduled-erasure.ts';

const erasurePass = { startToCloseTimeout: '1 hour', retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' } } as const;
const { eraseSubjectData } = proxyActivities<Activities>(erasurePass);

export type ErasureOutcome = { outcome: 'erased'; scheduledUntil: string | null } | { outcome: 'noData' | 'ambiguous' };

/**
 * Erasure: plan and erase what the policy allows now, schedule the rest for when its retention ends, and tell the
 * subject what was kept, why and until when. An ambiguous match goes back to staff (as for access).
 */
export async function eraseForSubject(run: RequestRun): Promise<ErasureOutcome> {
  const requestId = run.input.requestId;
  const assessment = run.state.assessment;
  const result = await eraseSubjectData({
    requestId,
    pass: 'initial',
    asOf: new Date().toISOString(),
    legalExceptions: assessment?.legalExceptions ?? [],
    actor: assessment?.actor ?? 'system',
  });
  if (result.outcome === 'ambiguous') return { outcome: 'ambiguous' };
  if (result.outcome === 'erased' && result.nextReviewAt !== null) {
    // Outlives the request (ABANDON): the request completes now; its retained records are erased years later.
    await startChild(scheduledErasure, {
      workflowId: scheduledErasureWorkflowId(requestId),
      args: [{ requestId, reviewAt: result.nextReviewAt }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `scheduled erasure of records request ${requestId} had to keep`,
    });
  }
  // Downstream destinations hear of it too (found or not: they may hold data we do not); requests started before
  // destinations existed replay without it.
  if (patched('erasure-destinations')) await announce(requestId, 'subject.erased', 'initial');
  await activities.notifyErasureOutcome({ requestId });
  return result.outcome === 'erased' ? { outcome: 'erased', scheduledUntil: result.nextReviewAt } : { outcome: 'noData' };
}
