// The vocabulary of a rights request, defined once: zod schemas, SQL checks, OpenAPI and UI derive from these.

export const REQUEST_TYPES = ['access', 'export', 'rectify', 'erasure', 'restrict', 'object', 'noSale'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export const REQUEST_STATUSES = [
  'submitted',
  'awaiting_verification',
  'verified',
  'in_assessment',
  'processing',
  'completed',
  'rejected',
  'cancelled',
  'unverified',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Statuses a request never leaves. */
export const TERMINAL_STATUSES: readonly RequestStatus[] = ['completed', 'rejected', 'cancelled', 'unverified'];

export const isTerminal = (status: RequestStatus): boolean => TERMINAL_STATUSES.includes(status);

/**
 * Where the request reached the organisation: receipt on any official channel starts the legal clock. `staff`: opened
 * by staff from a customer's profile in the console (the customer asked them directly).
 */
export const CHANNELS = ['api', 'portal', 'email', 'webhook', 'phone', 'mail', 'in_person', 'staff'] as const;
export type Channel = (typeof CHANNELS)[number];
