import type { ErasurePlan, RetainedGroup, RetentionReason } from '../../domain/erasure-plan.ts';
import type { ErasureModel } from '../../warehouse/erasure.ts';

// What the subject reads once their erasure request is done: what we erased, what we kept, why and until when.
// Plain words, no legal article numbers; dates as days (the last day a record is kept).

const BASIS_WORDS: Record<string, string> = {
  tax_records: 'tax and accounting law requires us to keep it',
  legal_claims: 'it is needed to establish, exercise or defend legal claims',
  active_contract: 'it belongs to an order or contract that is still open',
  fraud_prevention: 'it is needed to prevent fraud',
  legal_obligation: 'a legal obligation requires us to keep it',
  public_interest: 'it is needed for a task carried out in the public interest',
  freedom_of_expression: 'it is needed to exercise the right of freedom of expression and information',
};

const lastDay = (until: string) => new Date(Date.parse(until) - 86_400_000).toISOString().slice(0, 10);

function why(reason: RetentionReason, models: Map<string, ErasureModel>): string {
  const name = (model: string) => (models.get(model)?.displayName ?? model).toLowerCase();
  if (reason.kind === 'kept_child') return `records we must keep (${name(reason.basis)}) refer to it`;
  if (reason.kind === 'with_parent') return `it is part of ${name(reason.basis)} we must keep`;
  if (reason.kind === 'fraud_prevention') return BASIS_WORDS.fraud_prevention!;
  return BASIS_WORDS[reason.basis] ?? 'the law requires us to keep it';
}

function untilWhen(group: RetainedGroup, models: Map<string, ErasureModel>): string {
  if (group.eligibleAt) return `until ${lastDay(group.eligibleAt)}; we will delete it after that`;
  const open = group.reasons.filter((r) => r.until === null);
  const bases = open.map((r) => r.basis);
  if (bases.includes('legal_claims')) return 'until the legal claim is settled; we will then check again and delete what we may';
  if (bases.includes('active_contract')) {
    return open.some((r) => r.recheckAt)
      ? 'while the order or contract is open; we check it again regularly (every few weeks) and delete it at the first check after it is closed'
      : 'while the order or contract is open; we will delete it when it is closed';
  }
  const parent = open.find((r) => r.kind === 'with_parent');
  if (parent) return `as long as we keep the ${(models.get(parent.basis)?.displayName ?? parent.basis).toLowerCase()} it belongs to, and delete it with them`;
  return 'for as long as this reason applies; we will delete it when it no longer does';
}

/** The notice body for a finished first pass. */
export function erasureNoticeText(requestId: string, plan: ErasurePlan, erased: ReadonlyArray<{ model: string; action: 'delete' | 'anonymize'; rows: number }>, models: Map<string, ErasureModel>): string {
  const display = (model: string) => models.get(model)?.displayName ?? model;
  const lines = [`We have acted on your erasure request ${requestId}.`, ''];
  const done = erased.filter((e) => e.rows > 0);
  if (done.length > 0) {
    lines.push('What we erased:');
    for (const e of done) lines.push(`- ${display(e.model)}: ${e.rows} record(s) ${e.action === 'delete' ? 'deleted' : 'anonymized (what identifies you removed)'}`);
  } else lines.push('There was nothing we could erase now.');
  const kept = plan.models.flatMap((m) => m.retained.map((g) => ({ model: m.model, group: g })));
  if (kept.length > 0) {
    lines.push('', 'What we had to keep, and why:');
    for (const { model, group } of kept) {
      const reasons = [...new Set(group.reasons.map((r) => why(r, models)))].join(', and ');
      lines.push(`- ${display(model)}: ${group.keys.length} record(s), because ${reasons}. We keep it ${untilWhen(group, models)}.`);
    }
    lines.push('', 'We use what we keep only for the reason given, and for nothing else.');
  } else lines.push('', 'We kept nothing.');
  const untouched = plan.models.filter((m) => m.untouched > 0);
  if (untouched.length > 0) lines.push('', `Recorded for the teams that hold: ${untouched.map((m) => display(m.model)).join(', ')}.`);
  lines.push('', 'You have the right to lodge a complaint with a supervisory authority.');
  return `${lines.join('\n')}\n`;
}
