import type { CorrectionRow } from '../../db/rectification.ts';
import type { RectifiableModel } from '../../warehouse/column-catalog.ts';

// What the subject reads once their corrections are applied: each record and field in words, with the value we now
// hold. The values are theirs and go only to them (the address the request came from).

/** `shipping_address` -> `shipping address`: columns read as words in the notice. */
export const fieldInWords = (field: string) => field.replaceAll('_', ' ');

export function rectificationNoticeText(requestId: string, items: readonly CorrectionRow[], models: ReadonlyMap<string, RectifiableModel>): string {
  const lines = items
    .filter((c) => c.applied_at !== null)
    .map((c) => {
      const model = models.get(c.model);
      const record = `${model?.displayName ?? c.model}${c.row_key === null ? '' : ` (record ${c.row_key})`}`;
      const now = c.after_value === null ? 'now empty' : `now "${c.after_value}"`;
      return `- ${record}, ${fieldInWords(c.field)}: ${now}${c.before_value === c.after_value ? ' (we already held this value)' : ''}`;
    });
  return [
    `We have corrected the personal data you asked us to correct in rectification request ${requestId}:`,
    '',
    ...lines,
    '',
    'If anything else we hold about you is inaccurate or incomplete, reply to this email and we will correct it.',
    '',
  ].join('\n');
}

export const noDataNoticeText = (requestId: string) =>
  `We searched every system in our data inventory for the identifiers given with rectification request ${requestId}.\n` +
  'We hold no personal data about you under them, so there was nothing to correct.\n' +
  'If you have used another email address or customer number with us, reply with it and we will search again.\n';
