// The holiday library (date-holidays, pinned) with dsrflow's corrections, checked against official lists, and the
// rule of which days count (public holidays from midnight only).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CALENDAR_IDS } from '../../src/domain/calendars.ts';
import { calendarForRequest, HOLIDAY_LIBRARY, holidaysOf } from '../../src/platform/holiday-calendars.ts';

const weekdays = (dates: string[]) => dates.filter((d) => ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()));

describe('official lists for 2027', () => {
  // service-public.fr, "Jours fériés 2027" (Code du travail L3133-1; Alsace-Moselle extras not included).
  test('France', () => {
    assert.deepEqual(holidaysOf('FR', 2027), ['2027-01-01', '2027-03-29', '2027-05-01', '2027-05-06', '2027-05-08', '2027-05-17', '2027-07-14', '2027-08-15', '2027-11-01', '2027-11-11', '2027-12-25']);
  });
  // Ustawa o dniach wolnych od pracy (Dz.U. 1951 nr 4 poz. 28, as amended in 2024: 24 December from 2025).
  test('Poland', () => {
    assert.deepEqual(holidaysOf('PL', 2027), ['2027-01-01', '2027-01-06', '2027-03-28', '2027-03-29', '2027-05-01', '2027-05-03', '2027-05-16', '2027-05-27', '2027-08-15', '2027-11-01', '2027-11-11', '2027-12-24', '2027-12-25', '2027-12-26']);
  });
  // citizensinformation.ie, "Public holidays" (Organisation of Working Time Act 1997, Sched. 2): no Good Friday.
  test('Ireland', () => {
    assert.deepEqual(weekdays(holidaysOf('IE', 2027)), ['2027-01-01', '2027-02-01', '2027-03-17', '2027-03-29', '2027-05-03', '2027-06-07', '2027-08-02', '2027-10-25']);
  });
  // The nine holidays of all 16 Laender (bmi.bund.de, "Gesetzliche Feiertage").
  test('Germany (nationwide)', () => {
    assert.deepEqual(weekdays(holidaysOf('DE', 2027)), ['2027-01-01', '2027-03-26', '2027-03-29', '2027-05-06', '2027-05-17']);
    assert.ok(holidaysOf('DE', 2027).includes('2027-10-03') && holidaysOf('DE', 2027).includes('2027-12-25'));
  });
  // gov.uk/bank-holidays (Scotland): 2 January, St Andrew's Day, and substitute days.
  test('Scotland', () => {
    assert.deepEqual(weekdays(holidaysOf('GB-SCT', 2027)), ['2027-01-01', '2027-01-04', '2027-03-26', '2027-05-03', '2027-05-31', '2027-08-02', '2027-11-30', '2027-12-27', '2027-12-28']);
  });
});

describe('which days count: public holidays from midnight', () => {
  test('bank and half days do not: Good Friday in Ireland, Heiligabend in Germany, Midsommarafton in Sweden, Iceland\'s afternoons', () => {
    assert.ok(!holidaysOf('IE', 2027).includes('2027-03-26'));
    assert.ok(!holidaysOf('DE', 2027).includes('2027-12-24'));
    assert.ok(!holidaysOf('SE', 2027).includes('2027-06-25'));
    assert.ok(!holidaysOf('IS', 2027).includes('2027-12-24'));
    assert.ok(holidaysOf('IS', 2027).includes('2027-06-17'));
  });
});

describe('corrections (src/platform/holiday-corrections.ts)', () => {
  test('US federal and California: Veterans Day on a weekend is observed (OPM; Gov. Code 6700)', () => {
    assert.ok(holidaysOf('US-FED', 2028).includes('2028-11-10'));
    assert.ok(holidaysOf('US-CA', 2029).includes('2029-11-12'));
  });
  test('California: no Juneteenth, no Friday for a Saturday holiday but Veterans Day', () => {
    assert.ok(!holidaysOf('US-CA', 2026).includes('2026-06-19'));
    assert.ok(!holidaysOf('US-CA', 2026).includes('2026-07-03'));
    assert.ok(holidaysOf('US-FED', 2026).includes('2026-07-03'));
  });
  test('Canada (federal): the ten general holidays of Labour Code s. 166, weekend ones on the Monday', () => {
    assert.deepEqual(weekdays(holidaysOf('CA-FED', 2026)), ['2026-01-01', '2026-04-03', '2026-05-18', '2026-07-01', '2026-09-07', '2026-09-30', '2026-10-12', '2026-11-11', '2026-12-25', '2026-12-28']);
  });
  test('Bulgaria 26 December, Cyprus Kataklysmos, Liechtenstein 15 August and no bridge days', () => {
    assert.ok(holidaysOf('BG', 2028).includes('2028-12-26'));
    assert.ok(holidaysOf('CY', 2027).includes('2027-06-21'));
    assert.ok(holidaysOf('LI', 2028).includes('2028-08-15'));
    assert.ok(!holidaysOf('LI', 2027).includes('2027-05-07'));
  });
});

describe('every calendar, any year', () => {
  test('each calendar has holidays in 2019, 2031 and 2040, sorted and unique', () => {
    for (const id of CALENDAR_IDS.filter((c) => c !== 'WEEKENDS')) {
      for (const year of [2019, 2031, 2040]) {
        const dates = holidaysOf(id, year);
        assert.ok(dates.length >= 5, `${id} ${year}: ${dates.length}`);
        assert.deepEqual([...dates].sort(), dates);
        assert.equal(new Set(dates).size, dates.length);
        assert.ok(dates.every((d) => d.startsWith(`${year}-`)), `${id} ${year}`);
      }
    }
  });

  test('a request\'s calendar runs from the year before receipt to two years after, and names the library version', () => {
    const calendar = calendarForRequest('FR', '2031-06-01');
    assert.deepEqual([calendar.from, calendar.to], ['2030-01-01', '2033-12-31']);
    assert.match(calendar.source, /^date-holidays 3\.37\.0, France/);
    assert.equal(HOLIDAY_LIBRARY, 'date-holidays 3.37.0');
  });
});
