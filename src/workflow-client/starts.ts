import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { RequestRow } from '../db/requests.ts';
import { checkedCalendar } from '../domain/holidays.ts';
import { verificationPolicy, type RegulationCode } from '../domain/regulations.ts';
import type { RequestType } from '../domain/request.ts';
import type { LegalException } from '../domain/actions.ts';
import { erasureReviewSignal, type ErasureReviewRequest, type RightsRequestInput } from '../workflows/messages.ts';
import { scheduledErasureWorkflowId, type scheduledErasure } from '../workflows/scheduled-erasure.ts';
import { identityDocumentNoticeWorkflowId } from '../workflows/subject-notice.ts';
import proto from '@temporalio/proto';
import { dsrDueAt, dsrOrganization, dsrRegulation, dsrStatus, dsrType, SEARCH_ATTRIBUTES } from '../workflows/search-attributes.ts';

/** Workflow ids derive from the request id, never from personal data. */
export const workflowIdFor = (requestId: string) => `dsr-${requestId}`;

/** How requests are run: set once from configuration, the same for the API and the worker. */
export interface WorkflowSettings {
  taskQueue: string;
  verificationWindowDays: number;
  reminderDaysBefore: number[];
  autoApproveTypes: RequestType[];
  startTimeoutMs?: number;
  /** How long the API waits for the workflow to act on an accepted decision before answering that it is queued. */
  decisionWaitMs?: number;
}

/**
 * Starts the request's workflow; idempotent: a workflow already running (or finished) under this id counts
 * as started, so the API, a client retry and the worker's start-up sweep can all call it safely.
 */
export async function startRequestWorkflow(client: Client, row: RequestRow, settings: WorkflowSettings): Promise<'started' | 'already-started'> {
  const input: RightsRequestInput = {
    requestId: row.id,
    organizationId: row.organization_id,
    type: row.type,
    regulation: row.regulation as RegulationCode,
    receivedAt: row.received_at,
    dueAt: row.due_at,
    acknowledgeBy: row.acknowledge_by,
    verification: verificationPolicy(row.regulation as RegulationCode, row.type),
    verificationWindowDays: settings.verificationWindowDays,
    reminderDaysBefore: settings.reminderDaysBefore,
    // Staff decide the identity: no policy approval, and (in the workflow) no emailed link verifies it.
    autoApprove: settings.autoApproveTypes.includes(row.type) && !row.staff_verifies,
    ...(row.staff_verifies ? { staffVerifies: true } : {}),
    ...(row.holiday_calendar ? { calendar: checkedCalendar(row.holiday_calendar) } : {}),
  };
  return startOnce(client, settings, 'rightsRequest', {
    workflowId: row.workflow_id,
    args: [input],
    summary: `${row.type} request under ${row.regulation} (${row.organization_id})`,
    searchAttributes: { type: row.type, regulation: row.regulation, organizationId: row.organization_id, status: row.status, dueAt: row.due_at },
  });
}

/** Starts the lift of a suppression staff recorded; idempotent like startRequestWorkflow (one lift per suppression). */
export async function startSuppressionLift(client: Client, settings: WorkflowSettings, lift: { requestId: string; suppressionId: string }): Promise<'started' | 'already-started'> {
  try {
    await client.connection.withDeadline(Date.now() + (settings.startTimeoutMs ?? 5000), () =>
      client.workflow.start('suppressionLift', {
        taskQueue: settings.taskQueue,
        workflowId: `suppression-lift-${lift.suppressionId}`,
        args: [lift],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `lift of suppression ${lift.suppressionId} (request ${lift.requestId})`,
      }),
    );
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already-started';
    throw error;
  }
}

/** Tells the subject staff asked for an identity document; idempotent (one notice per request, ids only). */
export async function startIdentityDocumentNotice(client: Client, settings: WorkflowSettings, row: RequestRow): Promise<'started' | 'already-started'> {
  return startOnce(client, settings, 'identityDocumentNotice', {
    workflowId: identityDocumentNoticeWorkflowId(row.id),
    args: [{ requestId: row.id }],
    summary: `identity document asked for, request ${row.id}`,
    searchAttributes: { type: row.type, regulation: row.regulation, organizationId: row.organization_id, status: row.status, dueAt: row.due_at },
  });
}

/**
 * Asks the request's scheduled erasure (`erasure-<request id>`) for a pass now, after staff lifted a legal hold:
 * signalWithStart wakes a sleeping run, or starts a new one when the last has ended (nothing dated was left). A new
 * run's first pass is keyed by the lift's instant, so a retried start runs the same stored plan.
 */
export async function requestErasureReview(client: Client, settings: WorkflowSettings, review: { requestId: string; basis: LegalException; liftedAt: string }): Promise<void> {
  await client.connection.withDeadline(Date.now() + (settings.startTimeoutMs ?? 5000), () =>
    client.workflow.signalWithStart<typeof scheduledErasure, [ErasureReviewRequest]>('scheduledErasure', {
      taskQueue: settings.taskQueue,
      workflowId: scheduledErasureWorkflowId(review.requestId),
      args: [{ requestId: review.requestId, reviewAt: review.liftedAt }],
      signal: erasureReviewSignal,
      signalArgs: [{ reason: 'legal_hold_lifted', basis: review.basis, liftedAt: review.liftedAt }],
      staticSummary: `scheduled erasure of request ${review.requestId}`,
    }),
  );
}

/** The Temporal Web UI page of a workflow, for links from the API and the dashboard. */
export const workflowUiUrl = (uiBase: string | undefined, namespace: string, workflowId: string) =>
  uiBase ? `${uiBase}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}` : undefined;

/**
 * Registers our search attributes through the operator API (self-hosted clusters and the time-skipping
 * test server; the dev server takes them as flags, Temporal Cloud through its own console or tcld).
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const { IndexedValueType } = proto.temporal.api.enums.v1;
  const types: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
    KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  };
  const searchAttributes = Object.fromEntries(SEARCH_ATTRIBUTES.map((key) => [key.name, types[key.type]!]));
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}

/**
 * Starts a workflow under its own id, once: a workflow already under this id counts as started (the start is
 * retried after a lost answer). A caller is waiting (an API request): it gives up after a few seconds rather than
 * retry for long. The search attributes are the ones operators filter on (ids and codes only).
 */
export async function startOnce(
  client: Client,
  settings: Pick<WorkflowSettings, 'taskQueue' | 'startTimeoutMs'>,
  workflowType: string,
  w: { workflowId: string; args: unknown[]; summary: string; searchAttributes: { type: string; regulation: string; organizationId: string; status: string; dueAt: string } },
): Promise<'started' | 'already-started'> {
  const a = w.searchAttributes;
  try {
    await client.connection.withDeadline(Date.now() + (settings.startTimeoutMs ?? 5000), () =>
      client.workflow.start(workflowType, {
        taskQueue: settings.taskQueue,
        workflowId: w.workflowId,
        args: w.args,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: w.summary,
        typedSearchAttributes: [
          { key: dsrType, value: a.type },
          { key: dsrRegulation, value: a.regulation },
          { key: dsrOrganization, value: a.organizationId },
          { key: dsrStatus, value: a.status },
          { key: dsrDueAt, value: new Date(a.dueAt) },
        ],
      }),
    );
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already-started';
    throw error;
  }
}
