// The Temporal Schedules dsrflow keeps: the worker creates them, the API's readiness check looks for them.
export const DELETION_PUSH_SCHEDULE_ID = 'deletion-push';
export const RECORDED_REQUESTS_SWEEP_SCHEDULE_ID = 'recorded-requests-sweep';
export const SCHEDULE_IDS = [DELETION_PUSH_SCHEDULE_ID, RECORDED_REQUESTS_SWEEP_SCHEDULE_ID] as const;
