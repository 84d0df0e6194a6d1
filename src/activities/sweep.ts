import type { Client } from '@temporalio/client';
import { listUnstartedRequests, markWorkflowStarted } from '../db/requests.ts';
import { listUnstartedAppeals, markAppealStarted } from '../db/appeals.ts';
import { listUnstartedHoldReviews } from '../db/erasure.ts';
import { listUnstartedLifts, markLiftStarted } from '../db/suppressions.ts';
import { startAppealWorkflow } from '../workflow-client/appeals.ts';
import { handOverHoldReview } from '../workflow-client/hold-review.ts';
import type { Logger } from '../platform/logger.ts';
import { startRequestWorkflow, startSuppressionLift, type WorkflowSettings } from '../workflow-client/starts.ts';
import type { ActivityDeps } from './deps.ts';

/**
 * Starts the workflow of every request (suppression lift, appeal, legal hold review) recorded while Temporal was unreachable. Runs at worker start and every
 * few minutes from the `recorded-requests-sweep` Schedule: the start is idempotent, so several at once is harmless.
 */
export async function startRecordedRequests(client: Client, deps: { pool: ActivityDeps['pool']; logger: Logger }, settings: WorkflowSettings): Promise<number> {
  const rows = await listUnstartedRequests(deps.pool);
  for (const row of rows) {
    await startRequestWorkflow(client, row, settings);
    await markWorkflowStarted(deps.pool, row.id);
    deps.logger.info('started recorded request', { requestId: row.id });
  }
  // Likewise suppression lifts staff recorded while Temporal was unreachable.
  const lifts = await listUnstartedLifts(deps.pool);
  for (const lift of lifts) {
    await startSuppressionLift(client, settings, { requestId: lift.request_id, suppressionId: lift.suppression_id });
    await markLiftStarted(deps.pool, lift.suppression_id);
  }
  // Appeals a consumer (or staff) filed while it was unreachable: the law's clock runs from their receipt.
  const appeals = await listUnstartedAppeals(deps.pool);
  for (const appeal of appeals) {
    await startAppealWorkflow(client, appeal, settings);
    await markAppealStarted(deps.pool, appeal.id);
    deps.logger.info('started recorded appeal', { requestId: appeal.request_id, appealId: appeal.id });
  }
  // And reviews of legal holds lifted while it was unreachable.
  const holds = await listUnstartedHoldReviews(deps.pool);
  for (const hold of holds) await handOverHoldReview(client, settings, deps.pool, hold);
  return rows.length + lifts.length + appeals.length + holds.length;
}


/** The sweep as an activity (the Schedule's workflow calls it); needs the worker's Temporal client. */
export function createSweepActivities(deps: Pick<ActivityDeps, 'pool' | 'logger' | 'starter'>) {
  return {
    async startRecordedRequests(): Promise<{ started: number }> {
      if (!deps.starter) throw new Error('this worker was created without a Temporal client for the sweep');
      const started = await startRecordedRequests(deps.starter.client, deps, deps.starter.settings);
      if (started > 0) deps.logger.info('sweep started recorded requests', { started });
      return { started };
    },
  };
}
