// Requests opened before calendars travelled with them carry none: their workflows must keep counting exactly as
// they always did (docs/deadlines.md, "Determinism"). The library's calendars agree with the old ones there.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addCalendarDays } from '../../src/domain/dates.ts';
import * as engine from '../../src/domain/deadlines.ts';
import { legacyCalendar } from '../../src/domain/holidays.ts';
import { applyClockStop, planExtension } from '../support/deadlines.ts';
import { at, codeOf } from './deadline-helpers.ts';

describe('requests without a stored calendar', () => {
  test('UK GDPR: a stopped clock and an extension land on the same day with the frozen list and with the library, every week of 2024-2030', () => {
    for (let day = '2024-01-03'; day < '2030-09-01'; day = addCalendarDays(day, 7)) {
      const receivedAt = at(`${day}T12:00:00Z`);
      for (const pausedDays of [0, 5, 23]) {
        const legacy = engine.applyClockStop({ regulation: 'UK_GDPR', type: 'access', receivedAt, pausedDays, extended: false });
        assert.equal(legacy.dueOn, applyClockStop({ regulation: 'UK_GDPR', type: 'access', receivedAt, pausedDays, extended: false }).dueOn, `${day} +${pausedDays}`);
      }
      const input = { regulation: 'UK_GDPR' as const, type: 'erasure' as const, receivedAt, currentDueAt: at(`${addCalendarDays(day, 31)}T23:00:00Z`), extensionsUsed: 0, requestedAt: at(`${addCalendarDays(day, 3)}T12:00:00Z`) };
      assert.deepEqual(engine.planExtension(input), planExtension(input), day);
    }
  });

  test('GDPR counted weekends only, and still does without a calendar', () => {
    assert.equal(engine.computeDeadlines({ regulation: 'GDPR', type: 'access', receivedAt: at('2026-12-01T09:00:00Z') }).dueOn, '2027-01-01');
    assert.equal(legacyCalendar('WEEKENDS').holidays.length, 0);
  });

  test('a calendar-day extension needs no holidays (CCPA); a holiday lookup in a calendar never stored throws rather than guess', () => {
    const plan = engine.planExtension({ regulation: 'CCPA', type: 'access', receivedAt: at('2026-03-02T18:00:00Z'), currentDueAt: at('2026-04-17T06:59:59.999Z'), extensionsUsed: 0, requestedAt: at('2026-03-20T18:00:00Z') });
    assert.deepEqual(plan.ok && plan.dueOn, '2026-05-31');
    assert.throws(() => engine.computeDeadlines({ regulation: 'CCPA', type: 'noSale', receivedAt: at('2026-03-02T18:00:00Z') }), codeOf('CALENDAR.OUT_OF_RANGE'));
  });
});
