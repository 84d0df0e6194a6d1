import type { ErasurePlan, RetainedGroup, RetentionReason } from '../../domain/erasure-plan.ts';
import type { ErasureModel } from '../../warehouse/erasure.ts';
import { formatDate, messagesFor, type Messages } from '../../locales/index.ts';

// What the subject reads once their erasure request is done: what we erased, what we kept, why and until when.
// Plain words in the subject's language, no legal article numbers; dates as days (the last day a record is kept).
// The models' names are the data model's own (as the organization wrote them).

type Words = Messages['erasureNotice'];

/** The last day a record is kept (the day before it may go), as the subject reads a date. */
const lastDay = (until: string, locale: string | null | undefined) => formatDate(locale, `${new Date(Date.parse(until) - 86_400_000).toISOString().slice(0, 10)}T12:00:00Z`, 'UTC');

function why(reason: RetentionReason, models: Map<string, ErasureModel>, w: Words): string {
  const name = (model: string) => (models.get(model)?.displayName ?? model).toLowerCase();
  if (reason.kind === 'kept_child') return w.keptChild(name(reason.basis));
  if (reason.kind === 'with_parent') return w.withParent(name(reason.basis));
  if (reason.kind === 'fraud_prevention') return w.bases.fraud_prevention!;
  return w.bases[reason.basis] ?? w.otherBasis;
}

function untilWhen(group: RetainedGroup, models: Map<string, ErasureModel>, w: Words, locale: string | null | undefined): string {
  if (group.eligibleAt) return w.untilDate(lastDay(group.eligibleAt, locale));
  const open = group.reasons.filter((r) => r.until === null);
  const bases = open.map((r) => r.basis);
  if (bases.includes('legal_claims')) return w.untilClaim;
  if (bases.includes('active_contract')) return open.some((r) => r.recheckAt) ? w.whileContractRechecked : w.whileContract;
  const parent = open.find((r) => r.kind === 'with_parent');
  if (parent) return w.withParentUntil((models.get(parent.basis)?.displayName ?? parent.basis).toLowerCase());
  return w.whileReason;
}

/** The notice body for a finished first pass, in the subject's language (`locale` stored with the request). */
export function erasureNoticeText(requestId: string, plan: ErasurePlan, erased: ReadonlyArray<{ model: string; action: 'delete' | 'anonymize'; rows: number }>, models: Map<string, ErasureModel>, locale?: string | null): string {
  const w = messagesFor(locale).erasureNotice;
  const display = (model: string) => models.get(model)?.displayName ?? model;
  const lines = [w.intro(requestId), ''];
  const done = erased.filter((e) => e.rows > 0);
  if (done.length > 0) {
    lines.push(w.erasedHeading);
    for (const e of done) lines.push(w.erasedLine(display(e.model), e.rows, e.action !== 'delete'));
  } else lines.push(w.nothingErased);
  const kept = plan.models.flatMap((m) => m.retained.map((g) => ({ model: m.model, group: g })));
  if (kept.length > 0) {
    lines.push('', w.keptHeading);
    for (const { model, group } of kept) {
      const reasons = [...new Set(group.reasons.map((r) => why(r, models, w)))].join(w.and);
      lines.push(w.keptLine(display(model), group.keys.length, reasons, untilWhen(group, models, w, locale)));
    }
    lines.push('', w.keptUse);
  } else lines.push('', w.keptNothing);
  const untouched = plan.models.filter((m) => m.untouched > 0);
  if (untouched.length > 0) lines.push('', w.untouched(untouched.map((m) => display(m.model)).join(', ')));
  lines.push('', w.complaint);
  return `${lines.join('\n')}\n`;
}
