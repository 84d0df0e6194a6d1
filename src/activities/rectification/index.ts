import { ApplicationFailure } from '@temporalio/activity';
import { sql } from 'slonik';
import type { ResolvedDataModel } from '../../domain/data-model.ts';
import { recordEvent } from '../../db/audit.ts';
import { findRectificationOutcome, listCorrections, lockCorrections, recordRectificationOutcome, type OutcomeRow } from '../../db/rectification.ts';
import { findRequest, findSubject } from '../../db/requests.ts';
import { checkDataModel } from '../../warehouse/data-model-check.ts';
import { lookupSubject } from '../../warehouse/subject-lookup.ts';
import type { ActivityDeps } from '../deps.ts';
import { sendOnce } from '../notifications.ts';
import { DomainError } from '../../domain/errors.ts';
import { applyCorrections } from '../../warehouse/rectification.ts';
import { rectificationCatalog } from '../../warehouse/column-catalog.ts';
import { noDataNoticeText, rectificationNoticeText } from './notice.ts';
import { statusFooter, subjectMessages } from '../subject-mail.ts';

export type RectificationDeps = Pick<ActivityDeps, 'pool' | 'mailer' | 'logger' | 'publicUrl' | 'staffEmail' | 'dataModel'>;

/** What the workflow learns: a code and a count. The corrections and their values stay in PostgreSQL. */
export interface RectificationResult {
  outcome: 'applied' | 'noData' | 'ambiguous';
  applied: number;
}

const toResult = (o: Pick<OutcomeRow, 'outcome' | 'applied'>): RectificationResult => ({
  outcome: o.outcome === 'no_data' ? 'noData' : o.outcome,
  applied: o.applied,
});

export function createRectificationActivities(deps: RectificationDeps) {
  // Column metadata and the data model's check against the warehouse: read once per worker.
  const catalog = rectificationCatalog(deps.pool, deps.dataModel);
  let checked: Promise<ResolvedDataModel> | undefined;
  const ready = () => {
    checked ??= checkDataModel(deps.pool, deps.dataModel).catch((error: unknown) => {
      checked = undefined;
      throw ApplicationFailure.nonRetryable((error as Error).message, 'RECTIFICATION.DATA_MODEL_INVALID');
    });
    return checked;
  };

  /**
   * A refused correction rolls the whole transaction back; the refusal (which correction, why: never a value) is
   * then recorded on its own, so staff read it in the timeline when the request comes back to them.
   */
  async function refusalAudited<T>(requestId: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      // The warehouse's refusals are domain errors; Temporal must see them as final (retrying is refused again).
      const refused =
        error instanceof DomainError && error.code.startsWith('RECTIFICATION.') ? ApplicationFailure.nonRetryable(error.message, error.code)
        : error instanceof ApplicationFailure && error.nonRetryable && error.type?.startsWith('RECTIFICATION.') ? error
        : null;
      if (!refused) throw error;
      await recordEvent(deps.pool, { requestId, eventKey: `rectification/${requestId}/refused`, action: 'rectification.refused', actor: 'system', reason: refused.message, details: { code: refused.type } });
      throw refused;
    }
  }

  return {
    /**
     * Applies the request's corrections in one warehouse transaction: each row locked, its before value read, the
     * new value written, before and after stored on the correction, the outcome recorded, one audit event. Runs
     * once: a retry (or a second call) returns the recorded outcome and changes nothing, even when a corrected
     * identifier no longer finds the subject.
     */
    async applyRectification(input: { requestId: string }): Promise<RectificationResult> {
      const [request, subject] = await Promise.all([findRequest(deps.pool, input.requestId), findSubject(deps.pool, input.requestId)]);
      if (!request || !subject) throw ApplicationFailure.nonRetryable(`request ${input.requestId} does not exist`, 'REQUEST.NOT_FOUND');
      if (request.type !== 'rectify') throw ApplicationFailure.nonRetryable(`request ${input.requestId} is a ${request.type} request, not rectify`, 'RECTIFICATION.WRONG_TYPE');
      const model = await ready();
      // Read on the pool before the transaction: it holds its own connection from here on.
      const columns = await catalog.columns();
      const result = await refusalAudited(request.id, () => deps.pool.transaction(async (tx) => {
        // One run per request at a time: a second attempt waits here, then finds the outcome.
        await tx.query(sql.unsafe`select pg_advisory_xact_lock(hashtextextended(${`rectification\n${request.id}`}, 0))`);
        const stored = await findRectificationOutcome(tx, request.id);
        if (stored) return { result: toResult(stored), fresh: false };
        const items = await lockCorrections(tx, request.id);
        if (items.length === 0) throw ApplicationFailure.nonRetryable(`request ${request.id} has no corrections`, 'RECTIFICATION.NO_CORRECTIONS');
        const match = await lookupSubject(tx, model, subject);
        if (match.outcome !== 'found') {
          const outcome = match.outcome === 'notFound' ? 'no_data' : 'ambiguous';
          await recordRectificationOutcome(tx, { requestId: request.id, outcome, userKey: null, applied: 0 });
          await recordEvent(tx, {
            requestId: request.id,
            eventKey: `rectification/${request.id}/outcome`,
            action: outcome === 'no_data' ? 'rectification.no_data' : 'rectification.ambiguous_subject',
            actor: 'system',
            reason: outcome === 'no_data' ? 'no user in the warehouse matches the identifiers given' : 'several users match the identifiers given',
            details: { corrections: items.length, ...(match.outcome === 'ambiguous' ? { candidates: match.candidates } : {}) },
          });
          return { result: toResult({ outcome, applied: 0 }), fresh: true };
        }
        const applied = await applyCorrections(tx, columns, { requestId: request.id, userKey: match.userKey, items });
        await recordRectificationOutcome(tx, { requestId: request.id, outcome: 'applied', userKey: match.userKey, applied: applied.length });
        const fields = [...new Set(applied.map((a) => `${a.model}.${a.field}`))];
        const changed = applied.filter((a) => a.changed).length;
        // Names and counts only: the values are personal data, readable through the corrections route.
        await recordEvent(tx, {
          requestId: request.id,
          eventKey: `rectification/${request.id}/outcome`,
          action: 'rectification.applied',
          actor: 'system',
          reason: `${applied.length} correction(s) applied, ${changed} changed a value: ${fields.join(', ')}`,
          details: { corrections: applied.length, changed, fields, matchedBy: match.matchedBy },
        });
        return { result: toResult({ outcome: 'applied', applied: applied.length }), fresh: true };
      }));
      if (result.fresh) deps.logger.info('rectification', { requestId: request.id, outcome: result.result.outcome, applied: result.result.applied });
      return result.result;
    },

    /** Tells the subject, once, what was corrected and the values we now hold (or that we hold nothing under their identifiers). */
    async notifyRectificationOutcome(input: { requestId: string }): Promise<{ sent: boolean }> {
      const [request, subject, outcome] = await Promise.all([
        findRequest(deps.pool, input.requestId),
        findSubject(deps.pool, input.requestId),
        findRectificationOutcome(deps.pool, input.requestId),
      ]);
      if (!request || !subject) throw ApplicationFailure.nonRetryable(`request ${input.requestId} does not exist`, 'REQUEST.NOT_FOUND');
      if (!outcome) throw ApplicationFailure.nonRetryable(`request ${input.requestId} has not been applied yet`, 'RECTIFICATION.NOT_APPLIED');
      if (outcome.outcome === 'ambiguous') {
        throw ApplicationFailure.nonRetryable(`request ${input.requestId} matches several users: staff decide, nothing was corrected`, 'RECTIFICATION.AMBIGUOUS_SUBJECT');
      }
      const noData = outcome.outcome === 'no_data';
      return sendOnce(deps, {
        key: `${request.id}/rectification-outcome`,
        requestId: request.id,
        kind: 'rectification_outcome',
        to: subject.email,
        subject: noData ? subjectMessages(request).email.completedNoDataSubject(subjectMessages(request).typeInText.rectify, request.id) : subjectMessages(request).email.completedSubject(subjectMessages(request).typeInText.rectify, request.id),
        footer: () => statusFooter(deps, request),
        text: noData ? noDataNoticeText(request.id, request.locale) : rectificationNoticeText(request.id, await listCorrections(deps.pool, request.id), catalog.models, request.locale),
        audit: { kind: 'rectification_outcome', outcome: outcome.outcome, corrections: outcome.applied },
      });
    },
  };
}

export type RectificationActivities = ReturnType<typeof createRectificationActivities>;
