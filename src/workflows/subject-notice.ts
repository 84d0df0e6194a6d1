import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

// A notice to the subject that follows from a staff action outside the request's own flow: a workflow of its own, so
// the email is retried through an SMTP outage like every other, and sent once (one workflow id per request).

const { notifySubject } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumInterval: '5 minutes' } });

export const identityDocumentNoticeWorkflowId = (requestId: string) => `identity-document-notice-${requestId}`;

/** Staff asked the subject for an identity document (recorded by the API): the subject is told, in their language. */
export async function identityDocumentNotice(input: { requestId: string }): Promise<{ sent: boolean }> {
  return notifySubject({ requestId: input.requestId, kind: 'identity_document' });
}
