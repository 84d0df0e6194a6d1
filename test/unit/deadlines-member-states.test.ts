// GDPR deadlines with the calendar of the member state where the controller is established (Reg. 1182/71 Art. 3(4):
// a period ending on a public holiday, Saturday or Sunday ends with the next working day), in any year.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EU_EEA_CALENDAR_IDS } from '../../src/domain/calendars.ts';
import { at, codeOf, dueOn } from './deadline-helpers.ts';
import { computeDeadlines } from '../support/deadlines.ts';

describe('GDPR with member-state calendars', () => {
  test('received 1 Dec 2026: due Mon 4 Jan 2027 in France, Ireland, Germany and Poland (1 Jan a holiday, then a weekend)', () => {
    for (const state of ['FR', 'IE', 'DE', 'PL']) assert.equal(dueOn('GDPR', '2026-12-01', state), '2027-01-04', state);
    // Weekends only (no establishment known) would have said Fri 1 Jan: three days early.
    assert.equal(dueOn('GDPR', '2026-12-01'), '2027-01-01');
  });

  test('France: the due date in Paris time is the end of 4 January', () => {
    const d = computeDeadlines({ regulation: 'GDPR', type: 'access', receivedAt: at('2026-12-01T10:00:00Z'), calendarId: 'FR' });
    assert.equal(d.dueAt.toISOString(), '2027-01-04T22:59:59.999Z');
    assert.equal(d.calendarId, 'FR');
    assert.equal(d.timeZone, 'Europe/Paris');
  });

  test("each state's own holidays", () => {
    // Ireland: St Patrick's Day, Wed 17 Mar 2027.
    assert.equal(dueOn('GDPR', '2027-02-17', 'IE'), '2027-03-18');
    assert.equal(dueOn('GDPR', '2027-02-17', 'FR'), '2027-03-17');
    // Germany: Tag der Deutschen Einheit, Tue 3 Oct 2028.
    assert.equal(dueOn('GDPR', '2028-09-03', 'DE'), '2028-10-04');
    // Poland: Christmas Eve is a public holiday since 2025 (Thu 24 Dec 2026), then Christmas and the weekend.
    assert.equal(dueOn('GDPR', '2026-11-24', 'PL'), '2026-12-28');
    assert.equal(dueOn('GDPR', '2026-11-24', 'FR'), '2026-12-24');
    // Poland: Epiphany, Wed 6 Jan 2027 (not a holiday in France).
    assert.equal(dueOn('GDPR', '2026-12-06', 'PL'), '2027-01-07');
    assert.equal(dueOn('GDPR', '2026-12-06', 'FR'), '2027-01-06');
    // France: Armistice, Thu 11 Nov 2027; Ascension Thu 6 May 2027.
    assert.equal(dueOn('GDPR', '2027-10-11', 'FR'), '2027-11-12');
    assert.equal(dueOn('GDPR', '2027-04-06', 'FR'), '2027-05-07');
  });

  test('no year limit: 2019, 2023, 2031 and 2040', () => {
    // 2019: Easter Monday 22 Apr (UK GDPR, England and Wales).
    assert.equal(dueOn('UK_GDPR', '2019-03-22'), '2019-04-23');
    // 2023: Tag der Deutschen Einheit, Tue 3 Oct 2023.
    assert.equal(dueOn('GDPR', '2023-09-03', 'DE'), '2023-10-04');
    // 2031: 1 Jan 2032 is a Thursday holiday -> Fri 2 Jan.
    assert.equal(dueOn('GDPR', '2031-12-01', 'FR'), '2032-01-02');
    // 2040: Easter Monday is 2 Apr 2040.
    assert.equal(dueOn('GDPR', '2040-03-02', 'FR'), '2040-04-03');
    assert.equal(dueOn('GDPR', '2040-03-02', 'IE'), '2040-04-03');
  });

  test('the UK nations: Scotland keeps 2 January, England does not', () => {
    // Due Sat 2 Jan 2027: in Scotland 2 January is a bank holiday, substituted by Mon 4 Jan, so Tue 5 Jan.
    assert.equal(dueOn('UK_GDPR', '2026-12-02', 'GB-SCT'), '2027-01-05');
    assert.equal(dueOn('UK_GDPR', '2026-12-02', 'GB-EAW'), '2027-01-04');
    // Northern Ireland: St Patrick's Day, Wed 17 Mar 2027.
    assert.equal(dueOn('UK_GDPR', '2027-02-17', 'GB-NIR'), '2027-03-18');
  });

  test('every EU and EEA state has a calendar GDPR accepts; another regime\'s calendar is refused', () => {
    for (const state of EU_EEA_CALENDAR_IDS) assert.match(dueOn('GDPR', '2026-12-01', state), /^2027-01-0[1-4]$/, state);
    assert.throws(() => dueOn('GDPR', '2026-12-01', 'US-CA'), codeOf('REGULATION.CALENDAR_NOT_ALLOWED'));
    assert.throws(() => dueOn('CCPA', '2026-12-01', 'FR'), codeOf('REGULATION.CALENDAR_NOT_ALLOWED'));
  });
});
