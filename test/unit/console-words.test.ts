import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dueFacts, lawDate } from '../../src/api/console/words.ts';

// Dates in the console as the law counts them: the regime's calendar day, not the server's or the viewer's.

test('due dates read "due 30 Apr, 12 days left", "today" and "N days overdue" on the regime’s calendar', () => {
  const now = new Date('2026-04-18T10:00:00Z');
  // GDPR counts in Brussels: the due instant is the end of 30 Apr there (21:59:59.999 UTC in summer time).
  assert.equal(dueFacts('2026-04-30T21:59:59.999Z', 'GDPR', now, true).text, 'due 30 Apr, 12 days left');
  assert.equal(dueFacts('2026-04-19T21:59:59.999Z', 'GDPR', now, true).text, 'due 19 Apr, 1 day left');
  assert.equal(dueFacts('2026-04-18T21:59:59.999Z', 'GDPR', now, true).text, 'due 18 Apr, today');
  const late = dueFacts('2026-04-15T21:59:59.999Z', 'GDPR', now, true);
  assert.deepEqual([late.text, late.overdue], ['due 15 Apr, 3 days overdue', true]);
  assert.equal(dueFacts('2026-04-17T21:59:59.999Z', 'GDPR', now, true).text, 'due 17 Apr, 1 day overdue');
  // A closed request says only its due date; another year is named.
  assert.equal(dueFacts('2026-04-15T21:59:59.999Z', 'GDPR', now, false).text, 'due 15 Apr');
  assert.equal(dueFacts('2027-01-04T22:59:59.999Z', 'GDPR', now, true).text, 'due 4 Jan 2027, 261 days left');
});

test('an instant is shown on the regime’s calendar day: late evening in California is the same day there', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  // 03:00 UTC on 2 Jun is 20:00 on 1 Jun in Los Angeles (CCPA) but 05:00 on 2 Jun in Brussels (GDPR).
  assert.equal(lawDate('2026-06-02T03:00:00Z', 'CCPA', now), '1 Jun');
  assert.equal(lawDate('2026-06-02T03:00:00Z', 'GDPR', now), '2 Jun');
  // CCPA's 45 days end at the end of the day in California: still due "today" at 06:00 UTC the next UTC day.
  assert.equal(dueFacts('2026-06-02T06:59:59.999Z', 'CCPA', new Date('2026-06-02T06:00:00Z'), true).text, 'due 1 Jun, today');
});
