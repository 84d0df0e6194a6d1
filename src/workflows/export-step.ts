import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { activities, type RequestRun } from './request-context.ts';

// Collection streams rows for minutes on a large subject: it heartbeats, and a retry resumes from what is written.
// No attempt limit: a warehouse outage must delay the request, not fail it (the overdue timer still escalates).
// A worker that dies mid-export is noticed when its heartbeats stop: 30 s (was 2 minutes) before another worker
// takes over; heartbeats come every 5,000 rows or MiB, seconds apart even for PDF on a loaded machine.
const longExport = { startToCloseTimeout: '2 hours', heartbeatTimeout: '30 seconds', retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' } } as const;
const { exportSubjectData } = proxyActivities<Activities>(longExport);

export type ExportOutcome = { delivered: true; exportIds: string[]; expiresAt: string } | { delivered: false; outcome: 'noData' | 'ambiguous' };

/**
 * Access and portability: export everything held on the subject and email a 7-day link. An ambiguous match
 * (several customers fit the identifiers) goes back to staff; a subject we hold nothing on gets the
 * documented "no data" answer.
 */
export async function exportForSubject(run: RequestRun): Promise<ExportOutcome> {
  const requestId = run.input.requestId;
  const result = await exportSubjectData({ requestId });
  if (result.outcome === 'noData') {
    await activities.sendNoDataResponse({ requestId });
    return { delivered: false, outcome: 'noData' };
  }
  if (result.outcome === 'ambiguous') return { delivered: false, outcome: 'ambiguous' };
  const { expiresAt } = await activities.issueDownloadLink({ requestId, exportIds: result.exportIds });
  return { delivered: true, exportIds: result.exportIds, expiresAt };
}

/** The last obligation of an access request: after 7 days the files are deleted (a durable timer, not a cron job). */
export async function expireWhenDue(delivered: { exportIds: string[]; expiresAt: string }): Promise<void> {
  await sleep(Math.max(1, Date.parse(delivered.expiresAt) - Date.now()));
  for (const exportId of delivered.exportIds) await activities.expireExport({ exportId });
}
