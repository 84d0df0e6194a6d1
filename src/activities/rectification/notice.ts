import type { CorrectionRow } from '../../db/rectification.ts';
import type { RectifiableModel } from '../../warehouse/column-catalog.ts';
import { messagesFor } from '../../locales/index.ts';

// What the subject reads once their corrections are applied, in their language: each record and field in words (the
// data model's names), with the value we now hold. The values are theirs and go only to them (the address the request came from).

/** `shipping_address` -> `shipping address`: columns read as words in the notice. */
export const fieldInWords = (field: string) => field.replaceAll('_', ' ');

export function rectificationNoticeText(requestId: string, items: readonly CorrectionRow[], models: ReadonlyMap<string, RectifiableModel>, locale?: string | null): string {
  const w = messagesFor(locale).rectificationNotice;
  const lines = items
    .filter((c) => c.applied_at !== null)
    .map((c) => {
      const model = models.get(c.model);
      const record = c.row_key === null ? (model?.displayName ?? c.model) : w.record(model?.displayName ?? c.model, c.row_key);
      const now = c.after_value === null ? w.nowEmpty : w.now(c.after_value);
      return `- ${record}, ${fieldInWords(c.field)}: ${now}${c.before_value === c.after_value ? w.alreadyHeld : ''}`;
    });
  return [w.intro(requestId), '', ...lines, '', w.more, ''].join('\n');
}

export const noDataNoticeText = (requestId: string, locale?: string | null) => `${messagesFor(locale).rectificationNotice.noData(requestId)}\n`;
