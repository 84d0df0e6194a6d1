import type { Html } from './layout.ts';
import type { FormSlotContext, StatusSlotContext } from './slot-context.ts';
import { askForIdentityDocument } from '../../db/request-documents.ts';
import { privacyCenterExtras } from '../../db/privacy-center-settings.ts';
import * as agent from './agent.ts';
import * as gpc from './gpc-notice.ts';
import * as identity from './identity-document.ts';

// EXTENSION SLOTS of the Privacy Center (docs/privacy-center.md, "Extension slots"). The core form and status page
// call these and render what they return in a fixed place; each returns nothing until the extras (branch
// wp-privacy-extras) fill it in. Keep the signatures: the core passes everything a slot may need.

export type { FormSlotContext, StatusSlotContext } from './slot-context.ts';

/** SLOT: Global Privacy Control notice, shown at the top of the form when the browser sends `Sec-GPC: 1`. */
export const gpcNotice = (s: FormSlotContext): Html | '' => gpc.gpcNotice(s);

/** SLOT: the authorized agent's section of the details form (agent's details, signed permission document). */
export const agentSection = (s: FormSlotContext): Html | '' => agent.agentSection(s);

/**
 * SLOT: the form's encoding. The core form posts urlencoded; the extras return 'multipart/form-data' once the
 * agent's permission document is uploaded with it.
 */
export const formEnctype = (s: FormSlotContext): string => (agent.offersAgent(s) ? 'multipart/form-data' : 'application/x-www-form-urlencoded');

/**
 * SLOT: checks the extras' fields of a posted form before the request is recorded: problems to show (field ids
 * `f-<name>`), else nothing. Runs after the core's own checks, before anything is written.
 */
export const checkExtraFields = async (s: FormSlotContext): Promise<ReadonlyArray<{ field: string; message: string }>> => agent.checkAgent(s);

/** SLOT: after the request is recorded (same request id): store what the extras took (agent, permission file). */
export const afterRecorded = async (s: FormSlotContext & { requestId: string }): Promise<void> => {
  await agent.storeAgent(s);
  await gpc.recordBrowserSignal(s);
  if (await needsIdentityDocument(s)) await askForIdentityDocument(s.deps.pool, s.requestId, 'organization settings');
};

const needsIdentityDocument = async (s: FormSlotContext) => (await privacyCenterExtras(s.deps.pool, s.organizationId)).identityDocumentTypes.includes(s.type);

/**
 * SLOT: options of the request as it is recorded (before its workflow starts): staff decide the identity of an
 * authorized agent's request, and of one whose type needs an identity document under the organization's settings.
 */
export const intakeOptions = async (s: FormSlotContext): Promise<{ staffVerifies?: boolean }> =>
  agent.agentActs(s) || (await needsIdentityDocument(s)) ? { staffVerifies: true } : {};

/** SLOT: the identity-document upload section of the status page (when the organization or staff ask for one). */
export const identityDocumentSection = (s: StatusSlotContext): Html | '' => identity.identityDocumentSection(s) as Html;
