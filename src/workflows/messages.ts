import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RequestStatus, RequestType } from '../domain/request.ts';

// Side-effect free: the API, the tests and the workflow all import these. Ids and decisions only.

export const VERIFICATION_METHODS = ['email_link', 'account_authentication', 'document_check'] as const;
export type VerificationMethod = (typeof VERIFICATION_METHODS)[number];

export interface RightsRequestInput {
  requestId: string;
  organizationId: string;
  type: RequestType;
  regulation: string;
  receivedAt: string;
  dueAt: string;
  acknowledgeBy: string | null;
  verification: 'required' | 'notAllowed';
  verificationWindowDays: number;
}

export interface VerificationDecision {
  outcome: 'verified' | 'failed';
  method: VerificationMethod;
  /** Token name of the staff member, or `subject` for the email link. */
  actor: string;
}

export interface RequestState {
  requestId: string;
  status: RequestStatus;
  type: RequestType;
  regulation: string;
  dueAt: string;
  verification: VerificationDecision | null;
}

export interface RightsRequestResult {
  requestId: string;
  status: RequestStatus;
}

export const verificationSignal = defineSignal<[VerificationDecision]>('verification');
export const stateQuery = defineQuery<RequestState>('state');
