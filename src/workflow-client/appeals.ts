import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { AppealRow } from '../db/appeals.ts';
import type { RegulationCode } from '../domain/regulations.ts';
import type { AppealInput } from '../workflows/messages.ts';
import { dsrDueAt, dsrOrganization, dsrRegulation, dsrStatus, dsrType } from '../workflows/search-attributes.ts';
import type { WorkflowSettings } from './starts.ts';

/** Appeal workflow ids derive from the appeal id, never from personal data. */
export const appealWorkflowIdFor = (appealId: string) => `appeal-${appealId}`;

/** Starts the appeal's workflow; idempotent like startRequestWorkflow (a workflow already under this id counts). */
export async function startAppealWorkflow(client: Client, row: AppealRow, settings: WorkflowSettings): Promise<'started' | 'already-started'> {
  const input: AppealInput = {
    appealId: row.id,
    requestId: row.request_id,
    organizationId: row.organization_id,
    regulation: row.regulation as RegulationCode,
    receivedAt: row.received_at,
    dueAt: row.due_at,
    reminderDaysBefore: settings.reminderDaysBefore,
  };
  try {
    await client.connection.withDeadline(Date.now() + (settings.startTimeoutMs ?? 5000), () =>
      client.workflow.start('appeal', {
        taskQueue: settings.taskQueue,
        workflowId: row.workflow_id,
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `appeal of request ${row.request_id} under ${row.regulation} (${row.organization_id})`,
        typedSearchAttributes: [
          { key: dsrType, value: 'appeal' },
          { key: dsrRegulation, value: row.regulation },
          { key: dsrOrganization, value: row.organization_id },
          { key: dsrStatus, value: row.status },
          { key: dsrDueAt, value: new Date(row.due_at) },
        ],
      }),
    );
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already-started';
    throw error;
  }
}
