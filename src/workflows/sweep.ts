import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

const { startRecordedRequests } = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry: { initialInterval: '5 seconds', maximumAttempts: 3 } });

/**
 * Run every few minutes by the Schedule `recorded-requests-sweep`: starts the workflow of every request (and
 * suppression lift, legal hold review) recorded while Temporal was unreachable, so none waits for the next worker restart.
 */
export async function recordedRequestsSweep(): Promise<{ started: number }> {
  return startRecordedRequests();
}
