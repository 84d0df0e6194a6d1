import { ApplicationFailure } from '@temporalio/activity';
import { recordEvent as writeEvent, recordTransition as writeTransition, type RequestEvent, type Transition } from '../db/audit.ts';
import { findRequest } from '../db/requests.ts';
import { shredDocuments } from '../db/request-documents.ts';
import { TERMINAL_STATUSES, type RequestStatus } from '../domain/request.ts';
import type { RequestType } from '../domain/request.ts';
import type { ActivityDeps } from './deps.ts';

// Uploaded documents serve the identity decision only: once it is made (verified, or the request ended), they go.
const IDENTITY_DECIDED: readonly RequestStatus[] = ['verified', ...TERMINAL_STATUSES];

export function createTransitionActivities({ pool, logger, documents }: Pick<ActivityDeps, 'pool' | 'logger' | 'documents'>) {
  const mustExist = async (requestId: string) => {
    if (!(await findRequest(pool, requestId))) throw ApplicationFailure.nonRetryable(`request ${requestId} does not exist`, 'REQUEST.NOT_FOUND');
  };
  return {
    /** Status projection + audit event in one transaction, keyed so that a retry writes nothing twice. */
    async recordTransition(t: Transition): Promise<{ recorded: boolean }> {
      await mustExist(t.requestId);
      const result = await writeTransition(pool, t);
      logger.info('request transition', { requestId: t.requestId, from: t.from, to: t.to, recorded: result.recorded });
      // Also on a retry (recorded: false): the shredding is idempotent and may have been cut short.
      if (documents && IDENTITY_DECIDED.includes(t.to)) {
        await shredDocuments(pool, documents, t.requestId, { actor: 'system', reason: `the identity was decided (${t.to}): documents are kept no longer` });
      }
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
