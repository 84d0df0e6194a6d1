import { ApplicationFailure } from '@temporalio/activity';
import type { LegalException } from '../../domain/actions.ts';
import type { ResolvedDataModel } from '../../domain/data-model.ts';
import { erasurePlan, modelShapes, planCounts, type ErasurePlan } from '../../domain/erasure-plan.ts';
import type { RetentionPolicy } from '../../domain/retention.ts';
import { recordEvent } from '../../db/audit.ts';
import {
  activeLegalHolds,
  findErasurePlan,
  findErasureUserKey,
  listErasureRuns,
  markPassCompleted,
  placeLegalHolds,
  storeErasurePlan,
  storeErasurePreview,
  type PlanOutcome,
} from '../../db/erasure.ts';
import { findRequest, findSubject } from '../../db/requests.ts';
import { checkDataModel } from '../../warehouse/data-model-check.ts';
import { lookupSubject } from '../../warehouse/subject-lookup.ts';
import type { ActivityDeps } from '../deps.ts';
import { sendOnce } from '../notifications.ts';
import { enqueueDeletion } from '../../warehouse/deletion-table.ts';
import { erasureNoticeText } from './notice.ts';
import { statusFooter, subjectMessages } from '../subject-mail.ts';
import { erasureModels, executeModel, heldIdentifiers, readSubjectFacts } from '../../warehouse/erasure.ts';
import { mergeIdentifiers, withHashes, type HashedIdentifiers } from '../../warehouse/identifier-hashes.ts';

export type ErasureDeps = Pick<ActivityDeps, 'pool' | 'mailer' | 'logger' | 'publicUrl' | 'staffEmail' | 'dataModel' | 'phoneDefaultCountry'> & { retentionPolicy: RetentionPolicy };

export interface ErasurePassInput {
  requestId: string;
  /** 'initial' at processing; the review instant for a scheduled pass. One stored plan per pass: a retry reuses it. */
  pass: string;
  /** The workflow's time: the plan is evaluated as of it (time-skipped tests move it years ahead). */
  asOf: string;
  /** Bases staff named in the assessment; placed as legal holds on the first pass. */
  legalExceptions?: LegalException[];
  actor?: string;
}

/** What the workflow learns: codes, counts per model, the next review date. Never a key or a row. */
export interface ErasurePassResult {
  outcome: 'erased' | 'noData' | 'ambiguous';
  erased: Record<string, number>;
  retained: Record<string, number>;
  nextReviewAt: string | null;
}

const emptyPlan = (asOf: string): ErasurePlan => ({ asOf, models: [], nextReviewAt: null });

export function createErasureActivities(deps: ErasureDeps) {
  const models = erasureModels(deps.dataModel);
  const shapes = modelShapes(deps.dataModel);
  let checked: Promise<ResolvedDataModel> | undefined;
  // The data model is checked against the live warehouse once per worker (the policy's columns at worker start).
  const ready = () => {
    checked ??= checkDataModel(deps.pool, deps.dataModel).catch((error: unknown) => {
      checked = undefined;
      throw ApplicationFailure.nonRetryable((error as Error).message, 'ERASURE.DATA_MODEL_INVALID');
    });
    return checked;
  };

  const planFor = async (userKey: string | null, holds: LegalException[], asOf: string): Promise<ErasurePlan> =>
    userKey === null
      ? emptyPlan(asOf)
      : erasurePlan({ shapes, facts: await readSubjectFacts(deps.pool, models, deps.retentionPolicy, userKey), policy: deps.retentionPolicy, holds, asOf: new Date(asOf) });

  /** Finds the subject (first pass) or reuses the key the first pass found, builds the plan, and stores it once. */
  async function planPass(input: ErasurePassInput): Promise<{ outcome: PlanOutcome; userKey: string | null; plan: ErasurePlan }> {
    const stored = await findErasurePlan(deps.pool, input.requestId, input.pass);
    if (stored) return { outcome: stored.outcome, userKey: stored.user_key, plan: stored.plan };
    let userKey: string | null;
    let outcome: PlanOutcome = 'planned';
    let identifiers: HashedIdentifiers | undefined;
    if (input.pass === 'initial') {
      const subject = await findSubject(deps.pool, input.requestId);
      if (!subject) throw ApplicationFailure.nonRetryable(`request ${input.requestId} has no subject`, 'REQUEST.NOT_FOUND');
      const match = await lookupSubject(deps.pool, await ready(), subject);
      userKey = match.outcome === 'found' ? match.userKey : null;
      if (match.outcome !== 'found') outcome = match.outcome === 'notFound' ? 'no_data' : 'ambiguous';
      // Read before anything is erased, and queued (below) before the plan that erasure executes is stored: a retry
      // after the erasure finds the plan and the queue row, never an anonymized profile to read again.
      const held = userKey === null ? {} : await heldIdentifiers(deps.pool, deps.dataModel.users, userKey);
      identifiers = withHashes(mergeIdentifiers(held, { email: subject.email, customerId: subject.customer_id, phone: subject.phone }), deps.phoneDefaultCountry);
      await placeLegalHolds(deps.pool, input.requestId, input.legalExceptions ?? [], input.actor ?? 'system');
    } else {
      // Later passes find the rows by the key: the identifiers may be anonymized by now.
      userKey = await findErasureUserKey(deps.pool, input.requestId);
      if (userKey === null) throw ApplicationFailure.nonRetryable(`request ${input.requestId} has no first erasure pass`, 'ERASURE.NO_INITIAL_PASS');
    }
    const holds = await activeLegalHolds(deps.pool, input.requestId);
    const plan = await planFor(userKey, holds, input.asOf);
    // Downstream systems hear of every erasure request with a subject found, or none found (they may hold data we do not).
    if (input.pass === 'initial' && outcome !== 'ambiguous') await enqueueDeletion(deps.pool, input.requestId, userKey, identifiers);
    const { row, created } = await storeErasurePlan(deps.pool, { requestId: input.requestId, pass: input.pass, asOf: input.asOf, outcome, userKey, plan });
    if (created) await auditPlan(input, row.outcome, row.plan, holds);
    return { outcome: row.outcome, userKey: row.user_key, plan: row.plan };
  }

  /** The plan and every retained group in the audit trail: what was kept, on which basis, until when, how many rows. */
  async function auditPlan(input: ErasurePassInput, outcome: PlanOutcome, plan: ErasurePlan, holds: LegalException[]) {
    const base = `erasure/${input.requestId}/${input.pass}`;
    const reason = { planned: null, no_data: 'no user in the warehouse matches the identifiers given', ambiguous: 'several users match the identifiers given' }[outcome];
    await recordEvent(deps.pool, {
      requestId: input.requestId,
      eventKey: `${base}/planned`,
      action: outcome === 'planned' ? 'erasure.planned' : outcome === 'no_data' ? 'erasure.no_data' : 'erasure.ambiguous_subject',
      actor: 'system',
      reason,
      details: { pass: input.pass, asOf: plan.asOf, holds, counts: planCounts(plan), nextReviewAt: plan.nextReviewAt },
    });
    for (const m of plan.models) {
      if (m.retained.length === 0) continue;
      const groups = m.retained.map((g) => ({ rows: g.keys.length, reasons: g.reasons, eligibleAt: g.eligibleAt, reviewAt: g.reviewAt }));
      await recordEvent(deps.pool, {
        requestId: input.requestId,
        eventKey: `${base}/retained/${m.model}`,
        action: 'erasure.rows_retained',
        actor: 'system',
        reason: `${groups.reduce((n, g) => n + g.rows, 0)} ${models.get(m.model)?.displayName ?? m.model} record(s) kept: ${[...new Set(m.retained.flatMap((g) => g.reasons.map((r) => r.basis)))].join(', ')}`,
        details: { pass: input.pass, model: m.model, category: m.category, groups },
      });
    }
  }

  return {
    /**
     * The plan as it stands, for staff to read before they decide (shown on the request): nothing is erased or
     * enqueued. Holds staff name in the assessment are applied when the request is approved; a retry refreshes it.
     */
    async previewErasurePlan(input: { requestId: string; asOf: string }): Promise<{ outcome: 'planned' | 'noData' | 'ambiguous' }> {
      await ready();
      const subject = await findSubject(deps.pool, input.requestId);
      if (!subject) throw ApplicationFailure.nonRetryable(`request ${input.requestId} has no subject`, 'REQUEST.NOT_FOUND');
      const match = await lookupSubject(deps.pool, await ready(), subject);
      const outcome: PlanOutcome = match.outcome === 'found' ? 'planned' : match.outcome === 'notFound' ? 'no_data' : 'ambiguous';
      const plan = await planFor(match.outcome === 'found' ? match.userKey : null, await activeLegalHolds(deps.pool, input.requestId), input.asOf);
      await storeErasurePreview(deps.pool, { requestId: input.requestId, asOf: input.asOf, outcome, plan });
      await recordEvent(deps.pool, {
        requestId: input.requestId,
        eventKey: `erasure/${input.requestId}/preview`,
        action: 'erasure.previewed',
        actor: 'system',
        reason: outcome === 'planned' ? 'erasure plan ready for the assessment' : outcome === 'no_data' ? 'no user in the warehouse matches the identifiers given' : 'several users match the identifiers given',
        details: { asOf: input.asOf, counts: planCounts(plan), nextReviewAt: plan.nextReviewAt },
      });
      return { outcome: outcome === 'planned' ? 'planned' : outcome === 'no_data' ? 'noData' : 'ambiguous' };
    },

    /**
     * One erasure pass: plan (stored once per pass), then each model's eligible rows deleted or anonymized in one
     * transaction, children before parents. Re-runnable: a model done in this pass is skipped.
     */
    async eraseSubjectData(input: ErasurePassInput): Promise<ErasurePassResult> {
      await ready();
      if (!(await findRequest(deps.pool, input.requestId))) throw ApplicationFailure.nonRetryable(`request ${input.requestId} does not exist`, 'REQUEST.NOT_FOUND');
      const { outcome, userKey, plan } = await planPass(input);
      if (outcome !== 'planned' || userKey === null) {
        await markPassCompleted(deps.pool, input.requestId, input.pass);
        return { outcome: outcome === 'no_data' ? 'noData' : 'ambiguous', erased: {}, retained: {}, nextReviewAt: null };
      }
      for (const m of plan.models) {
        const rule = deps.retentionPolicy.models[m.model]!;
        if (rule.action.type === 'none' || m.eligible.length === 0) continue;
        await executeModel(deps.pool, { requestId: input.requestId, pass: input.pass, model: models.get(m.model)!, action: rule.action, keys: m.eligible, userKey });
      }
      const runs = await listErasureRuns(deps.pool, input.requestId, input.pass);
      const erased = Object.fromEntries(runs.map((r) => [r.model, r.rows]));
      const retained = Object.fromEntries(Object.entries(planCounts(plan)).filter(([, c]) => c.retained > 0).map(([model, c]) => [model, c.retained]));
      await markPassCompleted(deps.pool, input.requestId, input.pass);
      await recordEvent(deps.pool, {
        requestId: input.requestId,
        eventKey: `erasure/${input.requestId}/${input.pass}/completed`,
        action: 'erasure.pass_completed',
        actor: 'system',
        reason: plan.nextReviewAt ? `kept records are looked at again on ${plan.nextReviewAt.slice(0, 10)}` : null,
        details: { pass: input.pass, erased, retained, nextReviewAt: plan.nextReviewAt },
      });
      deps.logger.info('erasure pass', { requestId: input.requestId, pass: input.pass, models: runs.length, nextReviewAt: plan.nextReviewAt });
      return { outcome: 'erased', erased, retained, nextReviewAt: plan.nextReviewAt };
    },

    /** Tells the subject, once, what the first pass erased and what it kept, why and until when (or that we hold nothing). */
    async notifyErasureOutcome(input: { requestId: string }): Promise<{ sent: boolean }> {
      const [request, subject, stored] = await Promise.all([
        findRequest(deps.pool, input.requestId),
        findSubject(deps.pool, input.requestId),
        findErasurePlan(deps.pool, input.requestId, 'initial'),
      ]);
      if (!request || !subject) throw ApplicationFailure.nonRetryable(`request ${input.requestId} does not exist`, 'REQUEST.NOT_FOUND');
      if (!stored) throw ApplicationFailure.nonRetryable(`request ${input.requestId} has no erasure plan`, 'ERASURE.NO_INITIAL_PASS');
      const text =
        stored.outcome === 'no_data'
          ? `${subjectMessages(request).erasureNotice.noData(request.id)}\n`
          : erasureNoticeText(request.id, stored.plan, await listErasureRuns(deps.pool, request.id, 'initial'), models, request.locale);
      const t = subjectMessages(request);
      return sendOnce(deps, {
        key: `${request.id}/erasure-outcome`,
        requestId: request.id,
        kind: 'erasure_outcome',
        to: subject.email,
        subject: stored.outcome === 'no_data' ? t.email.completedNoDataSubject(t.typeInText.erasure, request.id) : t.email.completedSubject(t.typeInText.erasure, request.id),
        text,
        footer: () => statusFooter(deps, request),
        audit: { kind: 'erasure_outcome', retainedGroups: stored.plan.models.reduce((n, m) => n + m.retained.length, 0) },
      });
    },
  };
}

export type ErasureActivities = ReturnType<typeof createErasureActivities>;
