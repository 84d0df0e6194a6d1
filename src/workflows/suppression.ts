import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { announce } from './destinations.ts';
import type { RequestRun } from './request-context.ts';

const quick = { startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumInterval: '5 minutes' } } as const;
const { applySuppression, liftSuppression } = proxyActivities<Activities>(quick);

/** Restriction, objection, opt-out of sale: the suppressions are written (once per scope) and every destination told. */
export async function suppressForSubject(run: RequestRun): Promise<{ suppressions: number }> {
  const requestId = run.input.requestId;
  const { suppressionIds } = await applySuppression({ requestId });
  for (const id of suppressionIds) await announce(requestId, 'suppression.created', id);
  return { suppressions: suppressionIds.length };
}

export const suppressionLiftWorkflowId = (suppressionId: string) => `suppression-lift-${suppressionId}`;

/** Staff lifted a suppression (recorded with the reason by the API): the warehouse row is lifted and destinations told. */
export async function suppressionLift(input: { requestId: string; suppressionId: string }): Promise<{ lifted: boolean }> {
  const { lifted } = await liftSuppression({ suppressionId: input.suppressionId });
  await announce(input.requestId, 'suppression.lifted', input.suppressionId);
  return { lifted };
}
