import { condition, proxyActivities, upsertSearchAttributes, workflowInfo, setHandler, allHandlersFinished } from '@temporalio/workflow';
import type { RequestStatus } from '../domain/request.ts';
import type { Activities } from '../activities/index.ts';
import {
  stateQuery,
  verificationSignal,
  type RequestState,
  type RightsRequestInput,
  type RightsRequestResult,
  type VerificationDecision,
} from './messages.ts';
import { dsrDueAt, dsrOrganization, dsrRegulation, dsrStatus, dsrType } from './search-attributes.ts';

const quick = { startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumInterval: '1 minute' } } as const;
const { recordTransition, notifySubject } = proxyActivities<Activities>(quick);

const DAY_MS = 24 * 60 * 60 * 1000;

/** One rights request, from receipt to its last obligation. */
export async function rightsRequest(input: RightsRequestInput): Promise<RightsRequestResult> {
  const state: RequestState = {
    requestId: input.requestId,
    status: 'submitted',
    type: input.type,
    regulation: input.regulation,
    dueAt: input.dueAt,
    verification: null,
  };
  let transitions = 0;

  setHandler(stateQuery, () => state);
  setHandler(verificationSignal, (decision: VerificationDecision) => {
    // The first decision wins; later ones are recorded by the API as invalid transitions.
    if (state.verification === null && state.status === 'awaiting_verification') state.verification = decision;
  });

  upsertSearchAttributes([
    { key: dsrType, value: input.type },
    { key: dsrRegulation, value: input.regulation },
    { key: dsrOrganization, value: input.organizationId },
    { key: dsrDueAt, value: new Date(input.dueAt) },
    { key: dsrStatus, value: state.status },
  ]);

  const moveTo = async (to: RequestStatus, actor: string, reason?: string) => {
    const from = state.status;
    transitions += 1;
    await recordTransition({
      requestId: input.requestId,
      eventKey: `${workflowInfo().workflowId}/${transitions}`,
      from,
      to,
      actor,
      reason: reason ?? null,
    });
    state.status = to;
    upsertSearchAttributes([{ key: dsrStatus, value: to }]);
  };

  await notifySubject({ requestId: input.requestId, kind: 'acknowledgement' });

  if (input.verification === 'required') {
    await moveTo('awaiting_verification', 'system');
    const decided = await condition(() => state.verification !== null, input.verificationWindowDays * DAY_MS);
    if (!decided) {
      await moveTo('unverified', 'system', `identity not verified within ${input.verificationWindowDays} days`);
      await notifySubject({ requestId: input.requestId, kind: 'unverified' });
      return finish();
    }
    const decision = state.verification!;
    if (decision.outcome === 'failed') {
      await moveTo('rejected', decision.actor, `identity verification failed (${decision.method})`);
      await notifySubject({ requestId: input.requestId, kind: 'rejected' });
      return finish();
    }
    await moveTo('verified', decision.actor, `identity verified (${decision.method})`);
  }

  // Processing is filled in per type by the export, erasure and rectification work; for now it is recorded.
  await moveTo('processing', 'system', `${input.type} processing requested`);
  await moveTo('completed', 'system');
  await notifySubject({ requestId: input.requestId, kind: 'completed' });
  return finish();

  async function finish(): Promise<RightsRequestResult> {
    await condition(allHandlersFinished);
    return { requestId: input.requestId, status: state.status };
  }
}
