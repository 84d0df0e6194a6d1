import { ApplicationFailure } from '@temporalio/activity';
import { recordEvent as writeEvent, recordTransition as writeTransition, type RequestEvent, type Transition } from '../db/audit.ts';
import { findRequest } from '../db/requests.ts';
import type { RequestType } from '../domain/request.ts';
import type { ActivityDeps } from './deps.ts';

export function createTransitionActivities({ pool, logger }: Pick<ActivityDeps, 'pool' | 'logger'>) {
  const mustExist = async (requestId: string) => {
    if (!(await findRequest(pool, requestId))) throw ApplicationFailure.nonRetryable(`request ${requestId} does not exist`, 'REQUEST.NOT_FOUND');
  };
  return {
    /** Status projection + audit event in one transaction, keyed so that a retry writes nothing twice. */
    async recordTransition(t: Transition): Promise<{ recorded: boolean }> {
      await mustExist(t.requestId);
      const result = await writeTransition(pool, t);
      logger.info('request transition', { requestId: t.requestId, from: t.from, to: t.to, recorded: result.recorded });
      return result;
    },

    /** An audit event that changes no status (deadline moves, overdue, approvals), with its projection. */
    async recordEvent(e: RequestEvent): Promise<{ recorded: boolean }> {
      await mustExist(e.requestId);
      return writeEvent(pool, e);
    },

    /** The per-type processing step. Until the export, erasure and rectification work plugs in, it records the request for it. */
    async processRequest(input: { requestId: string; type: RequestType }): Promise<{ recorded: boolean }> {
      await mustExist(input.requestId);
      return writeEvent(pool, {
        requestId: input.requestId,
        eventKey: `request/${input.requestId}/processing-requested`,
        action: 'processing.requested',
        actor: 'system',
        reason: `${input.type} processing requested`,
      });
    },
  };
}
