import { recordEvent } from '../../db/audit.ts';
import { findOptOutInForce } from '../../db/gpc.ts';
import { findRequest, type RequestRow } from '../../db/requests.ts';
import { gpcIsOptOut } from '../../domain/gpc.ts';
import type { RegulationCode } from '../../domain/regulations.ts';
import type { Channel } from '../../domain/request.ts';
import { identifierHashes } from '../../platform/subject-keys.ts';
import type { Actor } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { openRequest } from '../requests/open-request.ts';
import { markWorkflowStarted } from '../../db/requests.ts';
import { startRequestWorkflow } from '../../workflow-client/starts.ts';
import { ApiError } from '../errors.ts';

export type GpcOutcome =
  | { outcome: 'recorded'; row: RequestRow }
  | { outcome: 'already_opted_out'; row: RequestRow }
  | { outcome: 'not_applicable' };

export interface GpcSignal {
  organizationId: string;
  regulation: RegulationCode;
  subject: { email: string; customerId?: string | undefined };
  /** Who sent it: the person's browser on the Privacy Center, or the organization's site for a signed-in user. */
  via: 'browser' | 'site';
  channel: Channel;
  actor: Actor;
  arrivedAt: Date;
}

/**
 * A Global Privacy Control signal from a known person: an opt-out of sale/sharing (noSale, never verified, approved
 * by policy, suppressed the same day) where their law makes the signal binding; nothing where it does not; the
 * opt-out already in force when there is one (the signal comes with every visit).
 */
export async function recordGpcOptOut(deps: AppDeps, signal: GpcSignal): Promise<GpcOutcome> {
  if (!gpcIsOptOut(signal.regulation)) return { outcome: 'not_applicable' };
  const keys = deps.settings.subjectKeys;
  const hashes = [...identifierHashes(keys, 'email', signal.subject.email), ...identifierHashes(keys, 'customerId', signal.subject.customerId)];
  const existing = await findOptOutInForce(deps.pool, signal.organizationId, hashes);
  const existingRow = existing ? await findRequest(deps.pool, existing) : null;
  if (existingRow?.workflow_started_at) return { outcome: 'already_opted_out', row: existingRow };
  if (existingRow) {
    // Recorded by an earlier signal whose workflow did not start (Temporal was away): start it now, as a replay would.
    await startRecorded(deps, existingRow);
    return { outcome: 'already_opted_out', row: existingRow };
  }
  const { row } = await openRequest(
    deps,
    { type: 'noSale', regulation: signal.regulation, organizationId: signal.organizationId, channel: signal.channel, subject: { email: signal.subject.email, customerId: signal.subject.customerId } },
    { actor: signal.actor, arrivedAt: signal.arrivedAt, idempotencyKey: null },
  );
  // Why this opt-out exists, for the trail (no identifier: the request holds them).
  await recordEvent(deps.pool, {
    requestId: row.id,
    eventKey: `request/${row.id}/gpc`,
    action: 'gpc.received',
    actor: signal.actor.name,
    reason: `Global Privacy Control signal (${signal.via === 'browser' ? "the person's browser" : "forwarded by the organization's site"}) honoured as an opt-out of sale/sharing`,
    details: { via: signal.via, regulation: signal.regulation },
  });
  return { outcome: 'recorded', row };
}

async function startRecorded(deps: AppDeps, row: RequestRow): Promise<void> {
  try {
    await startRequestWorkflow(deps.temporal.client, row, deps.workflows);
  } catch {
    throw new ApiError(503, 'WORKFLOW_START_FAILED', `Request ${row.id} was recorded but its workflow could not be started yet; send the signal again`, { requestId: row.id });
  }
  await markWorkflowStarted(deps.pool, row.id);
}
