import { ApplicationFailure } from '@temporalio/activity';
import { sql } from 'slonik';
import { z } from 'zod';
import type { ResolvedDataModel } from '../../domain/data-model.ts';
import { isSuppressionType, scopesFor, SUPPRESSION_SCOPES, type SuppressionScope, type SuppressionType } from '../../domain/suppression.ts';
import { recordEvent } from '../../db/audit.ts';
import { findRequest, findSubject } from '../../db/requests.ts';
import { DEFAULT_DELETION_SCHEMA } from '../../warehouse/deletion-table.ts';
import { checkDataModel } from '../../warehouse/data-model-check.ts';
import { lookupSubject } from '../../warehouse/subject-lookup.ts';
import { ensureSuppressionTable, insertSuppressions, markSuppressionLifted, suppressionIds } from '../../warehouse/suppressions.ts';
import type { ActivityDeps } from '../deps.ts';

// Restriction, objection and opt-out of sale end in suppressions: one row per subject and scope in the warehouse's
// <schema>.suppressions (src/warehouse/suppressions.ts), honoured until staff lift it with a reason.

export const BASIS: Record<SuppressionType, string> = { restrict: 'restriction', object: 'objection', noSale: 'opt_out_of_sale' };

export type SuppressionDeps = Pick<ActivityDeps, 'pool' | 'logger' | 'dataModel' | 'deletionRequestsSchema'>;

export function createSuppressionActivities(deps: SuppressionDeps) {
  const schema = deps.deletionRequestsSchema ?? DEFAULT_DELETION_SCHEMA;
  let ready: Promise<void> | undefined;
  let model: Promise<ResolvedDataModel> | undefined;
  const resolved = () => {
    model ??= checkDataModel(deps.pool, deps.dataModel).catch((error: unknown) => {
      model = undefined;
      throw ApplicationFailure.nonRetryable((error as Error).message, 'SUPPRESSION.DATA_MODEL_INVALID');
    });
    return model;
  };
  const ensured = () => {
    ready ??= ensureSuppressionTable(deps.pool, schema).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };

  return {
    /**
     * Writes the request's suppressions (its scopes, or its type's defaults), once each. The subject's warehouse key
     * is added when exactly one user matches; otherwise the identifiers alone (downstream systems may hold data we
     * do not, and suppressing more is the safe side). Returns ids only.
     */
    async applySuppression(input: { requestId: string }): Promise<{ suppressionIds: string[]; match: 'found' | 'notFound' | 'ambiguous' }> {
      await ensured();
      const request = await findRequest(deps.pool, input.requestId);
      const subject = await findSubject(deps.pool, input.requestId);
      if (!request || !subject) throw ApplicationFailure.nonRetryable(`request ${input.requestId} does not exist`, 'REQUEST.NOT_FOUND');
      if (!isSuppressionType(request.type)) throw ApplicationFailure.nonRetryable(`request ${input.requestId} is not a suppression`, 'SUPPRESSION.WRONG_TYPE');
      const named = await deps.pool.maybeOneFirst(sql.type(z.object({ scopes: z.array(z.enum(SUPPRESSION_SCOPES)).nullable() }))`
        select to_jsonb(suppression_scopes) as scopes from dsrflow.requests where id = ${input.requestId}`);
      const scopes: SuppressionScope[] = scopesFor(request.type, named);
      const match = await lookupSubject(deps.pool, await resolved(), subject);
      const userKey = match.outcome === 'found' ? match.userKey : null;
      const created = await deps.pool.transaction(async (tx) => {
        const rows = await insertSuppressions(tx, schema, {
          requestId: request.id,
          scopes,
          basis: BASIS[request.type as SuppressionType],
          regulation: request.regulation,
          userKey,
          identifiers: { email: subject.email, customerId: subject.customer_id, phone: subject.phone },
        });
        if (rows.length > 0) {
          await recordEvent(tx, {
            requestId: request.id,
            eventKey: `suppression/${request.id}/created`,
            action: 'suppression.created',
            actor: 'system',
            reason: `${BASIS[request.type as SuppressionType].replaceAll('_', ' ')}: ${scopes.join(', ').replaceAll('_', ' ')} suppressed${match.outcome === 'found' ? '' : ` (${match.outcome === 'notFound' ? 'no customer matches' : 'several customers match'}: recorded by identifiers)`}`,
            details: { scopes, match: match.outcome },
          });
        }
        return rows.length;
      });
      const ids = await suppressionIds(deps.pool, schema, request.id);
      deps.logger.info('suppressions', { requestId: request.id, created, scopes: scopes.length });
      return { suppressionIds: [...ids], match: match.outcome };
    },

    /** Lifts one suppression as staff recorded it (dsrflow.suppression_lifts): once; the row's seq advances. */
    async liftSuppression(input: { suppressionId: string }): Promise<{ lifted: boolean }> {
      await ensured();
      const lift = await deps.pool.maybeOne(sql.type(z.object({ request_id: z.string(), reason: z.string(), lifted_by: z.string() }))`
        select request_id, reason, lifted_by from dsrflow.suppression_lifts where suppression_id = ${input.suppressionId}`);
      if (!lift) throw ApplicationFailure.nonRetryable(`suppression ${input.suppressionId} has no recorded lift`, 'SUPPRESSION.NO_LIFT');
      return deps.pool.transaction(async (tx) => {
        const row = await markSuppressionLifted(tx, schema, { suppressionId: input.suppressionId, liftedBy: lift.lifted_by, reason: lift.reason });
        if (!row) return { lifted: false };
        await recordEvent(tx, {
          requestId: lift.request_id,
          eventKey: `suppression/${input.suppressionId}/lifted`,
          action: 'suppression.lifted',
          actor: lift.lifted_by,
          reason: lift.reason,
          details: { suppressionId: input.suppressionId, scope: row.scope },
        });
        await tx.query(sql.unsafe`update dsrflow.suppression_lifts set applied_at = now() where suppression_id = ${input.suppressionId}`);
        return { lifted: true };
      });
    },
  };
}
