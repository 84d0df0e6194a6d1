import { ActivityFailure, ApplicationFailure, ParentClosePolicy, proxyActivities, startChild, TimeoutFailure } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { DestinationEvent } from '../domain/destinations.ts';

const quick = { startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumInterval: '5 minutes' } } as const;
const { prepareDestinationEvent, abandonDelivery } = proxyActivities<Activities>(quick);

export interface DestinationDeliveryInput {
  requestId: string;
  eventId: string;
  destination: string;
  giveUpAfterDays: number;
  retryInitialSeconds: number;
}

export const deliveryWorkflowId = (eventId: string, destination: string) => `delivery-${eventId}-${destination}`;

/**
 * One event to one destination: retried by Temporal with exponential backoff (doubling from the destination's first
 * delay up to an hour) for the destination's whole window, then given up: recorded, audited, staff alerted.
 */
export async function destinationDelivery(input: DestinationDeliveryInput): Promise<{ delivered: boolean }> {
  const { deliverToDestination } = proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    // The activity answers gaveUp itself once the destination's window has passed; this is the backstop.
    scheduleToCloseTimeout: `${input.giveUpAfterDays + 1} days`,
    retry: { initialInterval: `${input.retryInitialSeconds} seconds`, backoffCoefficient: 2, maximumInterval: '1 hour' },
  });
  try {
    const result = await deliverToDestination({ eventId: input.eventId, destination: input.destination });
    if (result.gaveUp) {
      await abandonDelivery({ eventId: input.eventId, destination: input.destination, reason: `still failing after ${input.giveUpAfterDays} day(s) of retries` });
      return { delivered: false };
    }
    return { delivered: result.delivered };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const reason =
      error.cause instanceof TimeoutFailure
        ? `still failing after ${input.giveUpAfterDays} day(s) of retries`
        : error.cause instanceof ApplicationFailure && error.cause.type
          ? error.cause.type
          : 'delivery failed';
    await abandonDelivery({ eventId: input.eventId, destination: input.destination, reason });
    return { delivered: false };
  }
}

/**
 * Tells every destination that takes `kind`: the event is written once (by id; its body never enters Temporal) and
 * each delivery runs as its own workflow that outlives the caller (ABANDON), so none waits on another.
 */
export async function announce(requestId: string, kind: DestinationEvent, ref: string): Promise<number> {
  const { deliveries } = await prepareDestinationEvent({ requestId, kind, ref });
  for (const d of deliveries) {
    await startChild(destinationDelivery, {
      workflowId: deliveryWorkflowId(d.eventId, d.destination),
      args: [{ requestId, ...d }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `${kind} for request ${requestId} to ${d.destination}`,
    });
  }
  return deliveries.length;
}
