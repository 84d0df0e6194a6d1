import type { Context } from 'hono';
import type { Locale } from '../../locales/index.ts';
import type { Residence } from '../../domain/residence.ts';
import type { RequestRow } from '../../db/requests.ts';
import type { AppDeps } from '../deps.ts';
import type { Html } from './layout.ts';

// EXTENSION SLOTS of the Privacy Center (docs/privacy-center.md, "Extension slots"). The core form and status page
// call these and render what they return in a fixed place; each returns nothing until the extras (branch
// wp-privacy-extras) fill it in. Keep the signatures: the core passes everything a slot may need.

export interface FormSlotContext {
  c: Context;
  deps: AppDeps;
  locale: Locale;
  organizationId: string;
  residence: Residence;
  /** The right chosen on the details step. */
  type: string;
  /** What was posted (an error page re-renders the form with it). */
  values: Readonly<Record<string, string>>;
}

export interface StatusSlotContext {
  c: Context;
  deps: AppDeps;
  locale: Locale;
  request: RequestRow;
  /** The status link's token, to build the slot's own form actions under /privacy/status/{token}/... */
  token: string;
}

/** SLOT: Global Privacy Control notice, shown at the top of the form when the browser sends `Sec-GPC: 1`. */
export const gpcNotice = (_s: FormSlotContext): Html | '' => '';

/** SLOT: the authorized agent's section of the details form (agent's details, signed permission document). */
export const agentSection = (_s: FormSlotContext): Html | '' => '';

/**
 * SLOT: the form's encoding. The core form posts urlencoded; the extras return 'multipart/form-data' once the
 * agent's permission document is uploaded with it.
 */
export const formEnctype = (_s: FormSlotContext): string => 'application/x-www-form-urlencoded';

/**
 * SLOT: checks the extras' fields of a posted form before the request is recorded: problems to show (field ids
 * `f-<name>`), else nothing. Runs after the core's own checks, before anything is written.
 */
export const checkExtraFields = async (_s: FormSlotContext): Promise<ReadonlyArray<{ field: string; message: string }>> => [];

/** SLOT: after the request is recorded (same request id): store what the extras took (agent, permission file). */
export const afterRecorded = async (_s: FormSlotContext & { requestId: string }): Promise<void> => {};

/** SLOT: the identity-document upload section of the status page (when the organization or staff ask for one). */
export const identityDocumentSection = (_s: StatusSlotContext): Html | '' => '';
