import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  addCalendarDays,
  addCalendarMonths,
  dayOfWeek,
  endOfLocalDay,
  fromDayNumber,
  isIsoDate,
  localDateOf,
  toDayNumber,
} from '../../src/domain/dates.ts';

const codeOf = (code: string) => (error: unknown) => (error as { code?: string }).code === code;

describe('addCalendarMonths (month-end rule)', () => {
  test('same date next month where it exists', () => {
    assert.equal(addCalendarMonths('2025-03-15', 1), '2025-04-15');
    assert.equal(addCalendarMonths('2025-12-15', 1), '2026-01-15');
    assert.equal(addCalendarMonths('2025-01-31', 3), '2025-04-30');
  });

  test('last day of the month where there is no such date', () => {
    assert.equal(addCalendarMonths('2025-01-31', 1), '2025-02-28');
    assert.equal(addCalendarMonths('2028-01-31', 1), '2028-02-29'); // leap year
    assert.equal(addCalendarMonths('2028-01-30', 1), '2028-02-29');
    assert.equal(addCalendarMonths('2025-03-31', 1), '2025-04-30');
    assert.equal(addCalendarMonths('2025-11-30', 3), '2026-02-28');
    assert.equal(addCalendarMonths('2100-01-31', 1), '2100-02-28'); // 2100 is not a leap year
  });

  test('negative months and year boundaries', () => {
    assert.equal(addCalendarMonths('2026-03-31', -1), '2026-02-28');
    assert.equal(addCalendarMonths('2026-01-15', -1), '2025-12-15');
    assert.equal(addCalendarMonths('2025-11-29', 14), '2027-01-29');
  });
});

describe('addCalendarDays', () => {
  test('crosses months, leap days and years', () => {
    assert.equal(addCalendarDays('2026-01-01', 45), '2026-02-15');
    assert.equal(addCalendarDays('2026-01-01', 90), '2026-04-01');
    assert.equal(addCalendarDays('2028-02-28', 1), '2028-02-29');
    assert.equal(addCalendarDays('2026-12-31', 1), '2027-01-01');
    assert.equal(addCalendarDays('2026-03-01', -1), '2026-02-28');
  });

  test('rejects malformed dates and fractional days', () => {
    assert.throws(() => addCalendarDays('2026-02-29', 1), codeOf('DATE.INVALID'));
    assert.throws(() => addCalendarDays('2026-1-5', 1), codeOf('DATE.INVALID'));
    assert.throws(() => addCalendarDays('2026-01-05', 0.5), codeOf('DATE.INVALID'));
    assert.equal(isIsoDate('2028-02-29'), true);
    assert.equal(isIsoDate('2027-02-29'), false);
  });
});

describe('dayOfWeek', () => {
  test('0 = Sunday ... 6 = Saturday', () => {
    assert.equal(dayOfWeek('2026-02-28'), 6);
    assert.equal(dayOfWeek('2026-03-01'), 0);
    assert.equal(dayOfWeek('2026-03-02'), 1);
  });
});

describe('day numbers', () => {
  // Both are computed by arithmetic (no Date): they must write and read every day as Date itself does.
  test('every day from 1600 to 2400 is written as toISOString writes it and read back to the same number', () => {
    const wrong: string[] = [];
    for (let day = Date.UTC(1600, 0, 1) / 86_400_000; day < Date.UTC(2400, 0, 1) / 86_400_000; day++) {
      const iso = new Date(day * 86_400_000).toISOString().slice(0, 10);
      if (fromDayNumber(day) !== iso || toDayNumber(iso) !== day) wrong.push(`${day}: ${fromDayNumber(day)} / ${iso}`);
    }
    assert.deepEqual(wrong.slice(0, 5), []);
  });

  test('no 29 Feb outside leap years (1900 is not one, 2000 is), no 31 Apr, no month 13, no day 0', () => {
    for (const date of ['2025-02-29', '1900-02-29', '2024-02-30', '2025-04-31', '2025-13-01', '2025-00-10', '2025-01-00', '0050-01-01']) {
      assert.throws(() => toDayNumber(date), codeOf('DATE.INVALID'), date);
    }
    assert.equal(fromDayNumber(toDayNumber('2000-02-29')), '2000-02-29');
    assert.equal(fromDayNumber(toDayNumber('2024-02-29')), '2024-02-29');
  });
});

describe('localDateOf', () => {
  test('an instant late on 31 Jan UTC is already 1 Feb in Berlin and Brussels, not in London', () => {
    const instant = new Date('2026-01-31T23:30:00Z');
    assert.equal(localDateOf(instant, 'Europe/Berlin'), '2026-02-01');
    assert.equal(localDateOf(instant, 'Europe/Brussels'), '2026-02-01');
    assert.equal(localDateOf(instant, 'Europe/London'), '2026-01-31');
    assert.equal(localDateOf(instant, 'America/Los_Angeles'), '2026-01-31');
  });

  test('early UTC morning is still the previous day in California', () => {
    assert.equal(localDateOf(new Date('2026-01-02T05:00:00Z'), 'America/Los_Angeles'), '2026-01-01');
  });

  test('rejects an invalid instant and an unknown zone', () => {
    assert.throws(() => localDateOf(new Date('nope'), 'Europe/London'), codeOf('DATE.INVALID'));
    assert.throws(() => localDateOf(new Date(), 'Mars/Olympus'), codeOf('DATE.INVALID_TIME_ZONE'));
  });

  // localDateOf keeps each zone's offset per UTC day and asks ICU only on the day of a clock change: the answer must
  // be ICU's own for every instant, across DST changes at 1:00 UTC (EU), 2:00 local (US), half-hour zones and
  // zones that change by 30 minutes (Lord Howe) or change at midnight (Santiago, Havana).
  test('agrees with ICU every 23 minutes through 2026-2027, clock changes included, in 12 zones', () => {
    const zones = ['Europe/Brussels', 'Europe/London', 'Europe/Dublin', 'America/Los_Angeles', 'America/New_York', 'America/St_Johns', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kolkata', 'America/Santiago', 'America/Havana', 'UTC'];
    let checked = 0;
    const wrong: string[] = [];
    for (const zone of zones) {
      const icu = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2028, 0, 1); t += 23 * 60_000 + 1) {
        checked++;
        const expected = icu.format(t);
        const got = localDateOf(new Date(t), zone);
        if (got !== expected && wrong.length < 5) wrong.push(`${zone} ${new Date(t).toISOString()}: ${got}, ICU ${expected}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.ok(checked > 500_000);
  });
});

describe('endOfLocalDay', () => {
  test('last millisecond of the local day, winter and summer', () => {
    assert.equal(endOfLocalDay('2026-01-15', 'Europe/London').toISOString(), '2026-01-15T23:59:59.999Z');
    assert.equal(endOfLocalDay('2026-07-15', 'Europe/London').toISOString(), '2026-07-15T22:59:59.999Z');
    assert.equal(endOfLocalDay('2026-01-15', 'Europe/Brussels').toISOString(), '2026-01-15T22:59:59.999Z');
    assert.equal(endOfLocalDay('2026-01-15', 'America/Los_Angeles').toISOString(), '2026-01-16T07:59:59.999Z');
    assert.equal(endOfLocalDay('2026-01-15', 'America/Sao_Paulo').toISOString(), '2026-01-16T02:59:59.999Z');
  });

  test('DST change days (23- and 25-hour days)', () => {
    // London springs forward on 29 Mar 2026 and falls back on 25 Oct 2026.
    assert.equal(endOfLocalDay('2026-03-29', 'Europe/London').toISOString(), '2026-03-29T22:59:59.999Z');
    assert.equal(endOfLocalDay('2026-10-25', 'Europe/London').toISOString(), '2026-10-25T23:59:59.999Z');
    // Los Angeles springs forward on 8 Mar 2026 and falls back on 1 Nov 2026.
    assert.equal(endOfLocalDay('2026-03-08', 'America/Los_Angeles').toISOString(), '2026-03-09T06:59:59.999Z');
    assert.equal(endOfLocalDay('2026-11-01', 'America/Los_Angeles').toISOString(), '2026-11-02T07:59:59.999Z');
  });

  test('one millisecond later is the next local day', () => {
    const end = endOfLocalDay('2026-03-29', 'Europe/Berlin');
    assert.equal(localDateOf(end, 'Europe/Berlin'), '2026-03-29');
    assert.equal(localDateOf(new Date(end.getTime() + 1), 'Europe/Berlin'), '2026-03-30');
  });
});
