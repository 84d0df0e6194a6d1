import { ApplicationFailure } from '@temporalio/activity';
import { recordTransition as writeTransition, type Transition } from '../db/audit.ts';
import { findRequest } from '../db/requests.ts';
import type { ActivityDeps } from './index.ts';

export function createTransitionActivities({ pool, logger }: Pick<ActivityDeps, 'pool' | 'logger'>) {
  return {
    /** Status projection + audit event in one transaction, keyed so that a retry writes nothing twice. */
    async recordTransition(t: Transition): Promise<{ recorded: boolean }> {
      const request = await findRequest(pool, t.requestId);
      if (!request) throw ApplicationFailure.nonRetryable(`request ${t.requestId} does not exist`, 'REQUEST.NOT_FOUND');
      const result = await writeTransition(pool, t);
      logger.info('request transition', { requestId: t.requestId, from: t.from, to: t.to, recorded: result.recorded });
      return result;
    },
  };
}
