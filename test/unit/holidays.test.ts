import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addCalendarDays, dayOfWeek } from '../../src/domain/dates.ts';
import type { CalendarId } from '../../src/domain/calendars.ts';
import { addBusinessDays, checkedCalendar, isWorkingDay, nextWorkingDay, WEEKENDS_ONLY, type HolidayCalendar } from '../../src/domain/holidays.ts';
import { holidayCalendar, holidaysOf } from '../../src/platform/holiday-calendars.ts';
import { DATED_CALENDAR_IDS, HOLIDAY_DATA } from '../fixtures/holiday-vectors-2024-2030.ts';

const YEARS = [2024, 2025, 2026, 2027, 2028, 2029, 2030];

// Easter Sunday per year, as given in the brief (checked against the Gregorian computus).
const EASTER: Record<number, string> = {
  2024: '2024-03-31',
  2025: '2025-04-20',
  2026: '2026-04-05',
  2027: '2027-03-28',
  2028: '2028-04-16',
  2029: '2029-04-01',
  2030: '2030-04-21',
};
const easterPlus = (year: number, days: number): string => addCalendarDays(EASTER[year] ?? '', days);

const codeOf = (code: string) => (error: unknown) => (error as { code?: string }).code === code;

// Calendars as intake makes them (src/platform/holiday-calendars.ts), one per id, covering 2024-2030.
const made = new Map<string, HolidayCalendar>();
const cal = (id: string): HolidayCalendar => {
  if (!made.has(id)) made.set(id, holidayCalendar(id as CalendarId, 2024, 2030));
  return made.get(id)!;
};
const holidaysIn = (id: string, year: number) => holidaysOf(id as CalendarId, year);
const weekdayHolidays = (id: string, year: number) => holidaysIn(id, year).filter((d) => ![0, 6].includes(dayOfWeek(d)));

describe('holiday library against the hand-checked tables of 2024-2030', () => {
  for (const calendarId of DATED_CALENDAR_IDS) {
    test(`${calendarId}: the same weekday holidays as the old table in every year`, () => {
      for (const year of YEARS) {
        const expected = (HOLIDAY_DATA[calendarId].holidays[year] ?? []).filter((d) => ![0, 6].includes(dayOfWeek(d)));
        assert.deepEqual(weekdayHolidays(calendarId, year), expected, `${calendarId} ${year}`);
      }
    });
  }

  test('Easter-dependent holidays match Easter Sunday in every calendar and year', () => {
    for (const year of YEARS) {
      const goodFriday = easterPlus(year, -2);
      const easterMonday = easterPlus(year, 1);
      assert.ok(holidaysIn('GB-EAW', year).includes(goodFriday), `GB Good Friday ${year}`);
      assert.ok(holidaysIn('GB-EAW', year).includes(easterMonday), `GB Easter Monday ${year}`);
      assert.ok(holidaysIn('IE', year).includes(easterMonday), `IE Easter Monday ${year}`);
      assert.ok(!holidaysIn('IE', year).includes(goodFriday), `Good Friday is not an Irish public holiday ${year}`);
      assert.ok(holidaysIn('DE', year).includes(goodFriday), `DE Karfreitag ${year}`);
      assert.ok(holidaysIn('DE', year).includes(easterMonday), `DE Ostermontag ${year}`);
      assert.ok(holidaysIn('DE', year).includes(easterPlus(year, 39)), `DE Christi Himmelfahrt ${year}`);
      assert.ok(holidaysIn('DE', year).includes(easterPlus(year, 50)), `DE Pfingstmontag ${year}`);
      assert.ok(holidaysIn('BR', year).includes(goodFriday), `BR Paixao de Cristo ${year}`);
      assert.ok(holidaysIn('CA-FED', year).includes(goodFriday), `CA Good Friday ${year}`);
      assert.ok(!holidaysIn('CA-FED', year).includes(easterMonday), `Easter Monday is not federal statutory ${year}`);
    }
  });

  test('known dates', () => {
    const known: Array<[string, string, boolean]> = [
      ['US-CA', '2026-11-26', true], // Thanksgiving
      ['US-CA', '2026-11-27', true], // day after Thanksgiving
      ['US-CA', '2024-04-01', true], // Cesar Chavez Day on Sunday 31 Mar, observed Monday
      ['US-CA', '2028-11-10', true], // Veterans Day on Saturday, observed Friday (Gov. Code 6701)
      ['US-CA', '2026-07-03', false], // 4 Jul on Saturday: California gives no weekday off
      ['US-CA', '2026-06-19', false], // Juneteenth is not a California state office holiday
      ['US-CA', '2026-10-12', false], // Columbus Day: state offices open
      ['US-FED', '2026-07-03', true], // 4 Jul on Saturday, observed Friday
      ['US-FED', '2027-12-31', true], // New Year 2028 observed
      ['US-FED', '2026-06-19', true], // Juneteenth
      ['GB-EAW', '2026-12-28', true], // Boxing Day on Saturday, substitute Monday
      ['GB-EAW', '2027-12-27', true], // Christmas on Saturday, substitute Monday
      ['GB-EAW', '2027-12-28', true], // Boxing Day on Sunday, substitute Tuesday
      ['GB-EAW', '2028-01-03', true], // New Year on Saturday, substitute Monday
      ['GB-EAW', '2026-05-04', true], // early May bank holiday
      ['GB-EAW', '2026-08-31', true], // summer bank holiday (last Monday of August)
      ['IE', '2030-02-01', true], // St Brigid's Day: 1 Feb is a Friday
      ['IE', '2026-02-02', true], // St Brigid's Day: first Monday of February
      ['IE', '2025-03-17', true], // St Patrick's Day
      ['IE', '2026-08-03', true], // August holiday is the FIRST Monday in Ireland
      ['DE', '2026-10-03', true], // Tag der Deutschen Einheit (a Saturday: no substitute)
      ['BR', '2024-11-20', true], // Consciencia Negra, national since 2024
      ['BR', '2026-02-17', false], // Carnival Tuesday is not a national holiday
      ['CA-FED', '2026-09-30', true], // National Day for Truth and Reconciliation
      ['CA-FED', '2028-07-03', true], // Canada Day on Saturday, observed Monday
      ['CA-FED', '2026-05-18', true], // Victoria Day (Monday before 25 May)
    ];
    for (const [calendarId, date, listed] of known) {
      assert.equal(holidaysIn(calendarId, Number(date.slice(0, 4))).includes(date), listed, `${calendarId} ${date}`);
    }
  });
});

describe('isWorkingDay', () => {
  test('weekends are never working days', () => {
    assert.equal(isWorkingDay(cal('GB-EAW'), '2026-03-07'), false); // Saturday
    assert.equal(isWorkingDay(cal('GB-EAW'), '2026-03-08'), false); // Sunday
    assert.equal(isWorkingDay(cal('GB-EAW'), '2026-03-09'), true); // Monday
  });

  test('listed holidays are not working days, others are', () => {
    assert.equal(isWorkingDay(cal('GB-EAW'), '2026-04-03'), false); // Good Friday
    assert.equal(isWorkingDay(cal('IE'), '2026-04-03'), true); // Good Friday is a working day in Ireland
    assert.equal(isWorkingDay(cal('US-CA'), '2026-11-27'), false);
    assert.equal(isWorkingDay(cal('US-FED'), '2026-11-27'), true); // the day after Thanksgiving is not federal
  });

  test('WEEKENDS knows no holidays and covers every year', () => {
    assert.equal(isWorkingDay(WEEKENDS_ONLY, '2026-12-25'), true);
    assert.equal(isWorkingDay(WEEKENDS_ONLY, '1999-12-31'), true);
    assert.equal(isWorkingDay(WEEKENDS_ONLY, '2100-01-02'), false); // Saturday
    assert.deepEqual([WEEKENDS_ONLY.from, WEEKENDS_ONLY.to], ['1000-01-01', '9999-12-31']);
  });

  test('a date outside the calendar handed in throws CALENDAR.OUT_OF_RANGE naming calendar and date', () => {
    assert.throws(() => isWorkingDay(cal('GB-EAW'), '2031-01-02'), (error: unknown) => {
      const { code, message } = error as { code: string; message: string };
      return code === 'CALENDAR.OUT_OF_RANGE' && message.includes('GB-EAW') && message.includes('2031-01-02');
    });
    assert.throws(() => isWorkingDay(cal('US-CA'), '2023-12-29'), codeOf('CALENDAR.OUT_OF_RANGE'));
    // Even a Saturday: the calendar cannot know, so it does not guess.
    assert.throws(() => isWorkingDay(cal('DE'), '2031-01-04'), codeOf('CALENDAR.OUT_OF_RANGE'));
  });

  test('a calendar read from outside is checked: unknown id, malformed dates', () => {
    assert.throws(() => checkedCalendar({ ...cal('FR'), id: 'XX' }), codeOf('CALENDAR.INVALID'));
    assert.throws(() => checkedCalendar({ ...cal('FR'), holidays: ['2026-02-30'] }), codeOf('CALENDAR.INVALID'));
    assert.throws(() => checkedCalendar(null), codeOf('CALENDAR.INVALID'));
    assert.equal(checkedCalendar(JSON.parse(JSON.stringify(cal('FR')))).id, 'FR');
    assert.throws(() => isWorkingDay(cal('GB-EAW'), '2026-02-30'), codeOf('DATE.INVALID'));
    assert.throws(() => isWorkingDay(cal('GB-EAW'), '5 March 2026'), codeOf('DATE.INVALID'));
  });
});

describe('nextWorkingDay', () => {
  test('returns the date itself when it is a working day', () => {
    assert.equal(nextWorkingDay(cal('GB-EAW'), '2026-03-09'), '2026-03-09');
  });

  test('rolls over weekends and holidays', () => {
    assert.equal(nextWorkingDay(cal('GB-EAW'), '2026-02-28'), '2026-03-02'); // Saturday -> Monday
    assert.equal(nextWorkingDay(cal('GB-EAW'), '2026-04-03'), '2026-04-07'); // Good Friday -> Tuesday after Easter Monday
    assert.equal(nextWorkingDay(cal('GB-EAW'), '2026-12-25'), '2026-12-29'); // Christmas, weekend, Boxing Day substitute
    assert.equal(nextWorkingDay(cal('GB-EAW'), '2027-12-25'), '2027-12-29'); // two substitute days
    assert.equal(nextWorkingDay(cal('DE'), '2025-04-18'), '2025-04-22'); // Karfreitag -> after Ostermontag
    assert.equal(nextWorkingDay(WEEKENDS_ONLY, '2025-04-18'), '2025-04-18');
  });

  test('throws for a date outside the calendar handed in', () => {
    assert.throws(() => nextWorkingDay(cal('GB-EAW'), '2031-01-01'), codeOf('CALENDAR.OUT_OF_RANGE'));
  });
});

describe('addBusinessDays', () => {
  test('n = 0 returns the start date', () => {
    assert.equal(addBusinessDays(cal('US-CA'), '2026-03-09', 0), '2026-03-09');
  });

  test('does not count the start day and skips weekends', () => {
    assert.equal(addBusinessDays(WEEKENDS_ONLY, '2026-03-06', 1), '2026-03-09'); // Friday -> Monday
    assert.equal(addBusinessDays(WEEKENDS_ONLY, '2026-03-07', 1), '2026-03-09'); // Saturday start
    assert.equal(addBusinessDays(WEEKENDS_ONLY, '2026-03-02', 10), '2026-03-16');
  });

  test('skips California holidays around Thanksgiving', () => {
    // Fri 20 Nov 2026: 23, 24, 25, (26, 27 holidays), 30, 1, 2, 3, 4, 7, 8.
    assert.equal(addBusinessDays(cal('US-CA'), '2026-11-20', 10), '2026-12-08');
    assert.equal(addBusinessDays(cal('US-FED'), '2026-11-20', 10), '2026-12-07'); // federal: only Thanksgiving
    assert.equal(addBusinessDays(cal('US-CA'), '2026-11-25', 1), '2026-11-30');
  });

  test('skips Christmas and New Year', () => {
    // Thu 24 Dec 2026: (25), 28, 29, 30, 31, (1 Jan), 4, 5, 6, 7, 8, 11.
    assert.equal(addBusinessDays(cal('US-CA'), '2026-12-24', 10), '2027-01-11');
  });

  test('rejects negative or fractional counts, and runs into uncovered years loudly', () => {
    assert.throws(() => addBusinessDays(cal('US-CA'), '2026-03-09', -1), codeOf('CALENDAR.INVALID_ARGUMENT'));
    assert.throws(() => addBusinessDays(cal('US-CA'), '2026-03-09', 1.5), codeOf('CALENDAR.INVALID_ARGUMENT'));
    assert.throws(() => addBusinessDays(cal('US-CA'), '2030-12-20', 10), codeOf('CALENDAR.OUT_OF_RANGE'));
    assert.throws(() => addBusinessDays(cal('US-CA'), '2031-01-06', 0), codeOf('CALENDAR.OUT_OF_RANGE'));
  });
});
