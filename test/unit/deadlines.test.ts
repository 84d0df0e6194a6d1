import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyClockStop, computeDeadlines, reminderInstants } from '../support/deadlines.ts';
import { at, codeOf, dueOn, extend } from './deadline-helpers.ts';

describe('GDPR: one month per Reg. 1182/71 as read by EDPB 01/2022', () => {
  test('same date next month', () => {
    assert.equal(dueOn('GDPR', '2025-03-15'), '2025-04-15');
  });

  test('month-end rule: 31 Jan -> 28 Feb, and 29 Feb in a leap year', () => {
    assert.equal(dueOn('GDPR', '2025-01-31'), '2025-02-28');
    assert.equal(dueOn('GDPR', '2028-01-31'), '2028-02-29');
  });

  test('a period ending on Saturday or Sunday ends on Monday', () => {
    assert.equal(dueOn('GDPR', '2025-02-15'), '2025-03-17'); // 15 Mar 2025 is a Saturday
    assert.equal(dueOn('GDPR', '2026-02-01'), '2026-03-02'); // 1 Mar 2026 is a Sunday
  });

  test('default calendar (weekends only) does not roll over member-state holidays', () => {
    assert.equal(dueOn('GDPR', '2025-03-18'), '2025-04-18'); // Good Friday, still a working day by default
  });

  test('Irish holidays roll forward with the IE calendar', () => {
    assert.equal(dueOn('GDPR', '2025-02-15', 'IE'), '2025-03-18'); // Sat -> Mon 17 Mar St Patrick's Day -> Tue
    assert.equal(dueOn('GDPR', '2025-09-27', 'IE'), '2025-10-28'); // October holiday Monday -> Tuesday
    assert.equal(dueOn('GDPR', '2026-11-25', 'IE'), '2026-12-28'); // Christmas Fri, St Stephen's Sat -> Monday
  });

  test('German holidays roll forward with the DE calendar', () => {
    assert.equal(dueOn('GDPR', '2025-03-18', 'DE'), '2025-04-22'); // Karfreitag -> after Ostermontag
    assert.equal(dueOn('GDPR', '2026-04-14', 'DE'), '2026-05-15'); // Christi Himmelfahrt (Thu) -> Friday
  });

  test('receipt 23:30 UTC on 31 Jan is 1 Feb in Brussels/Berlin time, but 31 Jan in Dublin', () => {
    const receivedAt = at('2025-01-31T23:30:00Z');
    const brussels = computeDeadlines({ regulation: 'GDPR', type: 'access', receivedAt });
    assert.equal(brussels.receivedOn, '2025-02-01');
    assert.equal(brussels.dueOn, '2025-03-03'); // 1 Mar 2025 is a Saturday
    assert.equal(brussels.dueAt.toISOString(), '2025-03-03T22:59:59.999Z'); // end of the day in CET
    const berlin = computeDeadlines({ regulation: 'GDPR', type: 'access', receivedAt, calendarId: 'DE' });
    assert.equal(berlin.receivedOn, '2025-02-01');
    assert.equal(berlin.timeZone, 'Europe/Berlin');
    const dublin = computeDeadlines({ regulation: 'GDPR', type: 'access', receivedAt, calendarId: 'IE' });
    assert.equal(dublin.receivedOn, '2025-01-31');
    assert.equal(dublin.dueOn, '2025-02-28');
    assert.equal(dublin.dueAt.toISOString(), '2025-02-28T23:59:59.999Z');
  });

  test('extension: receipt + 3 calendar months (not 90 days, not due date + 60 days)', () => {
    const deadlines = computeDeadlines({ regulation: 'GDPR', type: 'access', receivedAt: at('2025-01-31T12:00:00Z') });
    assert.equal(deadlines.extension.maxDueOn, '2025-04-30'); // 90 days would be 1 May; 28 Feb + 60 days 29 Apr
    const plan = extend('GDPR', '2025-01-31T12:00:00Z', '2025-02-20T09:00:00Z');
    assert.deepEqual(plan, { ok: true, dueOn: '2025-04-30', dueAt: at('2025-04-30T21:59:59.999Z') });
    assert.equal(dueOn('GDPR', '2025-01-31'), '2025-02-28');
  });

  test('extension date rolls forward too', () => {
    const plan = extend('GDPR', '2025-02-15T12:00:00Z', '2025-03-01T09:00:00Z');
    assert.equal(plan.ok && plan.dueOn, '2025-05-15'); // Thursday
    const weekend = extend('GDPR', '2025-02-17T12:00:00Z', '2025-03-01T09:00:00Z');
    assert.equal(weekend.ok && weekend.dueOn, '2025-05-19'); // 17 May 2025 is a Saturday
  });

  test('clock does not stop under GDPR by default', () => {
    const paused = applyClockStop({ regulation: 'GDPR', type: 'access', receivedAt: at('2025-03-15T12:00:00Z'), pausedDays: 10, extended: false });
    assert.equal(paused.dueOn, '2025-04-15');
  });

  test('a calendar the regime does not offer is refused', () => {
    assert.throws(() => dueOn('GDPR', '2025-03-15', 'US-CA'), codeOf('REGULATION.CALENDAR_NOT_ALLOWED'));
    assert.throws(() => dueOn('GDPR', '2025-03-15', 'XX'), codeOf('REGULATION.CALENDAR_NOT_ALLOWED'));
  });
});

describe('UK GDPR: day of receipt is day one, corresponding date next month', () => {
  test('corresponding date and month end', () => {
    assert.equal(dueOn('UK_GDPR', '2026-03-15'), '2026-04-15');
    assert.equal(dueOn('UK_GDPR', '2025-01-31'), '2025-02-28');
  });

  test('31 Jan 2026 -> 28 Feb 2026 is a Saturday -> Monday 2 Mar 2026', () => {
    const deadlines = computeDeadlines({ regulation: 'UK_GDPR', type: 'access', receivedAt: at('2026-01-31T10:00:00Z') });
    assert.equal(deadlines.dueOn, '2026-03-02');
    assert.equal(deadlines.dueAt.toISOString(), '2026-03-02T23:59:59.999Z');
    assert.equal(deadlines.calendarId, 'GB-EAW');
    assert.equal(deadlines.stopTheClock, true);
  });

  test('Good Friday and Easter Monday roll to Tuesday', () => {
    assert.equal(dueOn('UK_GDPR', '2026-03-03'), '2026-04-07'); // Good Friday 3 Apr
    assert.equal(dueOn('UK_GDPR', '2026-03-06'), '2026-04-07'); // Easter Monday 6 Apr
    assert.equal(dueOn('UK_GDPR', '2025-03-21'), '2025-04-22'); // Easter Monday 21 Apr 2025
  });

  test('Christmas and Boxing Day, with substitute days', () => {
    assert.equal(dueOn('UK_GDPR', '2025-11-25'), '2025-12-29'); // Thu 25 -> Fri 26 -> weekend -> Mon 29
    assert.equal(dueOn('UK_GDPR', '2025-11-26'), '2025-12-29'); // Boxing Day Friday
    assert.equal(dueOn('UK_GDPR', '2026-11-25'), '2026-12-29'); // Fri 25, Mon 28 substitute -> Tue 29
    assert.equal(dueOn('UK_GDPR', '2027-11-25'), '2027-12-29'); // Sat 25, Mon 27 + Tue 28 substitutes -> Wed 29
  });

  test('local time: 23:30 UTC on 30 Jun is 1 Jul in London (BST)', () => {
    const deadlines = computeDeadlines({ regulation: 'UK_GDPR', type: 'erasure', receivedAt: at('2026-06-30T23:30:00Z') });
    assert.equal(deadlines.receivedOn, '2026-07-01');
    assert.equal(deadlines.dueOn, '2026-08-03'); // 1 Aug is a Saturday
    assert.equal(deadlines.dueAt.toISOString(), '2026-08-03T22:59:59.999Z');
  });

  test('extension to receipt + 3 months with roll-forward', () => {
    assert.deepEqual(extend('UK_GDPR', '2026-01-31T10:00:00Z', '2026-02-27T10:00:00Z'), {
      ok: true,
      dueOn: '2026-04-30',
      dueAt: at('2026-04-30T22:59:59.999Z'),
    });
  });

  test('stop the clock: as if receipt were pausedDays later', () => {
    const receivedAt = at('2026-01-31T10:00:00Z');
    const base = { regulation: 'UK_GDPR', type: 'access', receivedAt } as const;
    assert.equal(applyClockStop({ ...base, pausedDays: 0, extended: false }).dueOn, '2026-03-02');
    assert.equal(applyClockStop({ ...base, pausedDays: 10, extended: false }).dueOn, '2026-03-10');
    assert.equal(applyClockStop({ ...base, pausedDays: 1, extended: false }).dueOn, '2026-03-02'); // 1 Feb -> 1 Mar Sun
    // Extended and paused: 10 Feb + 3 months = Sun 10 May -> Mon 11 May.
    const extended = applyClockStop({ ...base, pausedDays: 10, extended: true });
    assert.deepEqual(extended, { dueOn: '2026-05-11', dueAt: at('2026-05-11T22:59:59.999Z') });
    assert.throws(() => applyClockStop({ ...base, pausedDays: -1, extended: false }), codeOf('CLOCK.INVALID_PAUSE'));
  });

  test('a pause also moves the end of the initial period for the extension notice', () => {
    // Unpaused the initial period ends 2 Mar; with 10 days paused it ends 10 Mar.
    assert.equal(extend('UK_GDPR', '2026-01-31T10:00:00Z', '2026-03-05T10:00:00Z').ok, false);
    const plan = extend('UK_GDPR', '2026-01-31T10:00:00Z', '2026-03-05T10:00:00Z', { pausedDays: 10 });
    assert.deepEqual(plan, { ok: true, dueOn: '2026-05-11', dueAt: at('2026-05-11T22:59:59.999Z') });
  });
});

describe('LGPD and PIPEDA', () => {
  test('LGPD: 15 days, no extension', () => {
    const deadlines = computeDeadlines({ regulation: 'LGPD', type: 'access', receivedAt: at('2026-03-02T15:00:00Z') });
    assert.equal(deadlines.dueOn, '2026-03-17');
    assert.equal(deadlines.dueAt.toISOString(), '2026-03-18T02:59:59.999Z'); // end of day in Sao Paulo (UTC-3)
    assert.equal(deadlines.extension.allowed, false);
    const plan = extend('LGPD', '2026-03-02T15:00:00Z', '2026-03-05T15:00:00Z');
    assert.equal(!plan.ok && plan.code, 'EXTENSION.NOT_ALLOWED');
  });

  test('PIPEDA: 30 days, + 30 days', () => {
    const deadlines = computeDeadlines({ regulation: 'PIPEDA', type: 'access', receivedAt: at('2026-03-02T15:00:00Z') });
    assert.equal(deadlines.dueOn, '2026-04-01');
    assert.equal(deadlines.extension.maxDueOn, '2026-05-01');
    assert.deepEqual(extend('PIPEDA', '2026-03-02T15:00:00Z', '2026-03-30T15:00:00Z'), {
      ok: true,
      dueOn: '2026-05-01',
      dueAt: at('2026-05-02T03:59:59.999Z'), // end of 1 May in Toronto (EDT)
    });
    const late = extend('PIPEDA', '2026-03-02T15:00:00Z', '2026-04-02T15:00:00Z');
    assert.equal(!late.ok && late.code, 'EXTENSION.AFTER_DUE_DATE');
  });
});

describe('errors', () => {
  test('a type the regulation does not grant throws REGULATION.TYPE_NOT_ALLOWED', () => {
    const receivedAt = at('2026-03-02T12:00:00Z');
    assert.throws(() => computeDeadlines({ regulation: 'CCPA', type: 'object', receivedAt }), codeOf('REGULATION.TYPE_NOT_ALLOWED'));
    assert.throws(() => computeDeadlines({ regulation: 'GDPR', type: 'noSale', receivedAt }), codeOf('REGULATION.TYPE_NOT_ALLOWED'));
    assert.throws(() => computeDeadlines({ regulation: 'ICDPA', type: 'rectify', receivedAt }), codeOf('REGULATION.TYPE_NOT_ALLOWED'));
  });

  test('no year limit: the dates that used to fall outside the tables are counted', () => {
    assert.equal(dueOn('UK_GDPR', '2030-12-15'), '2031-01-15');
    // 20 Dec 2023: 10 California business days skip Christmas and New Year -> Fri 5 Jan 2024.
    assert.equal(computeDeadlines({ regulation: 'CCPA', type: 'access', receivedAt: at('2023-12-20T18:00:00Z') }).acknowledgeBy?.toISOString(), '2024-01-06T07:59:59.999Z');
  });

  test('a date outside the calendar handed in throws CALENDAR.OUT_OF_RANGE rather than guess', () => {
    const short = { id: 'GB-EAW', from: '2030-01-01', to: '2030-12-31', holidays: [], source: 'test' } as const;
    assert.throws(() => computeDeadlines({ regulation: 'UK_GDPR', type: 'access', receivedAt: at('2030-12-15T12:00:00Z'), calendar: short }), codeOf('CALENDAR.OUT_OF_RANGE'));
  });

  test('invalid instants and counts throw', () => {
    assert.throws(() => computeDeadlines({ regulation: 'GDPR', type: 'access', receivedAt: at('garbage') }), codeOf('DATE.INVALID'));
    assert.throws(
      () => extend('GDPR', '2025-01-31T12:00:00Z', '2025-02-01T12:00:00Z', { extensionsUsed: -1 }),
      codeOf('EXTENSION.INVALID_ARGUMENT'),
    );
  });
});

describe('reminderInstants', () => {
  const dueAt = at('2026-03-10T23:59:59.999Z');

  test('instants before dueAt, earliest first, duplicates dropped', () => {
    assert.deepEqual(reminderInstants(dueAt, [1, 7, 3, 7]), [
      at('2026-03-03T23:59:59.999Z'),
      at('2026-03-07T23:59:59.999Z'),
      at('2026-03-09T23:59:59.999Z'),
    ]);
    assert.deepEqual(reminderInstants(dueAt, []), []);
  });

  test('zero, negative or non-numeric offsets are refused', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => reminderInstants(dueAt, [bad]), codeOf('REMINDER.INVALID_OFFSET'));
    }
  });
});
