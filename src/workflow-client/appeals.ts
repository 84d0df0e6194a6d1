import type { Client } from '@temporalio/client';
import type { AppealRow } from '../db/appeals.ts';
import type { RegulationCode } from '../domain/regulations.ts';
import type { AppealInput } from '../workflows/messages.ts';
import { startOnce, type WorkflowSettings } from './starts.ts';

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
  return startOnce(client, settings, 'appeal', {
    workflowId: row.workflow_id,
    args: [input],
    summary: `appeal of request ${row.request_id} under ${row.regulation} (${row.organization_id})`,
    searchAttributes: { type: 'appeal', regulation: row.regulation, organizationId: row.organization_id, status: row.status, dueAt: row.due_at },
  });
}
