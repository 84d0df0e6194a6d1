import type { Client } from '@temporalio/client';
import type { CommonQueryMethods } from 'slonik';
import { findErasureUserKey, markHoldReviewStarted, type LegalHoldRow } from '../db/erasure.ts';
import { requestErasureReview, type WorkflowSettings } from './starts.ts';

/**
 * Hands a lifted hold's review to Temporal (an erasure pass now, in the request's scheduled erasure) and records
 * that it did. A request whose first pass found no one in the warehouse (or several) has nothing kept to review:
 * only the record is made. Called by the API after the lift and by the sweep for lifts made while Temporal was
 * unreachable.
 */
export async function handOverHoldReview(client: Client, settings: WorkflowSettings, db: CommonQueryMethods, hold: LegalHoldRow): Promise<'review' | 'nothing-kept'> {
  const userKey = await findErasureUserKey(db, hold.request_id);
  if (userKey !== null) await requestErasureReview(client, settings, { requestId: hold.request_id, basis: hold.basis, liftedAt: hold.lifted_at! });
  await markHoldReviewStarted(db, hold.request_id, hold.basis, userKey !== null ? 'started' : 'nothing_kept');
  return userKey !== null ? 'review' : 'nothing-kept';
}
