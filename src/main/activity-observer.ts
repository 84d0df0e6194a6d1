import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from '../platform/logger.ts';
import type { Metrics } from '../platform/metrics.ts';

/**
 * Every activity attempt, timed into dsrflow_activity_duration_seconds and logged as one JSON line with the
 * workflow id (a request's workflow id is `dsr-<request id>`, which ties it to the API's log lines), the
 * activity, the attempt and the outcome. Failures are logged by kind only: their text can quote personal data.
 */
export const activityObserver =
  (metrics: Metrics, logger: Logger): ActivityInterceptorsFactory =>
  (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        const { activityType, workflowExecution, attempt } = ctx.info;
        const stopTimer = metrics.activities.startTimer({ activity: activityType });
        const line = { workflowId: workflowExecution?.workflowId, activity: activityType, attempt };
        try {
          const result = await next(input);
          const seconds = stopTimer({ outcome: 'completed' });
          logger.info('activity completed', { ...line, ms: Math.round(seconds * 1000) });
          return result;
        } catch (error) {
          const seconds = stopTimer({ outcome: 'failed' });
          logger.warn('activity failed', { ...line, ms: Math.round(seconds * 1000), failure: error instanceof Error ? error.name : 'Error' });
          throw error;
        }
      },
    },
  });
