import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';

import { DELETION_PUSH_SCHEDULE_ID, RECORDED_REQUESTS_SWEEP_SCHEDULE_ID } from '../workflow-client/schedule-ids.ts';

export { DELETION_PUSH_SCHEDULE_ID, RECORDED_REQUESTS_SWEEP_SCHEDULE_ID };

/** The hourly push: overlap skipped (one push at a time), runs missed while the cluster was down caught up within a day. */
export function deletionPushSchedule(taskQueue: string, scheduleId: string = DELETION_PUSH_SCHEDULE_ID): ScheduleOptions {
  return {
    scheduleId,
    spec: { intervals: [{ every: '1 hour' }] },
    action: { type: 'startWorkflow', workflowType: 'deletionPush', taskQueue, workflowId: scheduleId, args: [{}] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    state: { note: 'moves queued erasure requests (dsrflow.deletion_queue) to the warehouse deletion_requests table' },
  };
}

/** Every 5 minutes: requests recorded while Temporal was unreachable are started (overlap skipped, little catch-up). */
export function recordedRequestsSweepSchedule(taskQueue: string, scheduleId: string = RECORDED_REQUESTS_SWEEP_SCHEDULE_ID): ScheduleOptions {
  return {
    scheduleId,
    spec: { intervals: [{ every: '5 minutes' }] },
    action: { type: 'startWorkflow', workflowType: 'recordedRequestsSweep', taskQueue, workflowId: scheduleId, args: [] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
    state: { note: 'starts the workflows of requests recorded while Temporal was unreachable' },
  };
}

/** Creates the schedule, or brings an existing one to this definition: idempotent, safe for several workers at once. */
export async function ensureDeletionPushSchedule(client: Client, taskQueue: string, scheduleId?: string): Promise<'created' | 'updated'> {
  return ensureSchedule(client, deletionPushSchedule(taskQueue, scheduleId));
}

export async function ensureSchedule(client: Client, options: ScheduleOptions): Promise<'created' | 'updated'> {
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(options.scheduleId).update((previous) => ({ ...previous, spec: options.spec, action: options.action, policies: options.policies }));
    return 'updated';
  }
}
