// Working-day arithmetic over the holiday calendars in holiday-data.ts; any date a calendar does not cover throws.

import { addCalendarDays, isWeekend, toDayNumber, yearOf, type IsoDate } from './dates.ts';
import { DomainError } from './errors.ts';
import { DATED_CALENDAR_IDS, HOLIDAY_DATA, type DatedCalendarId } from './holiday-data.ts';

/** 'WEEKENDS' knows no holidays, so it covers every year; the others are lists with the years they cover. */
export const CALENDAR_IDS = ['WEEKENDS', ...DATED_CALENDAR_IDS] as const;
export type CalendarId = (typeof CALENDAR_IDS)[number];

export const isCalendarId = (value: string): value is CalendarId => (CALENDAR_IDS as readonly string[]).includes(value);

// A working-day walk is bounded: no calendar has anywhere near this many non-working days in a row.
const MAX_NON_WORKING_RUN = 31;

const holidaySets = new Map<DatedCalendarId, Map<number, ReadonlySet<IsoDate>>>();

function holidaySetFor(calendarId: DatedCalendarId, year: number): ReadonlySet<IsoDate> | undefined {
  let byYear = holidaySets.get(calendarId);
  if (byYear === undefined) {
    byYear = new Map();
    for (const [key, dates] of Object.entries(HOLIDAY_DATA[calendarId].holidays)) byYear.set(Number(key), new Set(dates));
    holidaySets.set(calendarId, byYear);
  }
  return byYear.get(year);
}

function assertCalendarId(calendarId: string): asserts calendarId is CalendarId {
  if (!isCalendarId(calendarId)) {
    throw new DomainError('CALENDAR.UNKNOWN', `Unknown holiday calendar '${calendarId}'; known: ${CALENDAR_IDS.join(', ')}`);
  }
}

/** The years a calendar has holiday data for; null means every year (weekends only). */
export function coveredYears(calendarId: string): { from: number; to: number } | null {
  assertCalendarId(calendarId);
  if (calendarId === 'WEEKENDS') return null;
  const years = Object.keys(HOLIDAY_DATA[calendarId].holidays).map(Number);
  return { from: Math.min(...years), to: Math.max(...years) };
}

/** The observed holidays a calendar lists for one year (weekends not included); throws outside its coverage. */
export function holidaysIn(calendarId: string, year: number): readonly IsoDate[] {
  assertCalendarId(calendarId);
  if (calendarId === 'WEEKENDS') return [];
  const dates = HOLIDAY_DATA[calendarId].holidays[year];
  if (dates === undefined) throw outOfRange(calendarId, year);
  return dates;
}

/** Monday to Friday and not a listed holiday. Throws CALENDAR.OUT_OF_RANGE for a year the calendar does not cover. */
export function isWorkingDay(calendarId: string, isoDate: IsoDate): boolean {
  assertCalendarId(calendarId);
  toDayNumber(isoDate);
  if (calendarId === 'WEEKENDS') return !isWeekend(isoDate);
  const year = yearOf(isoDate);
  const holidays = holidaySetFor(calendarId, year);
  // Checked before the weekend test: a Saturday in an uncovered year is just as unknown as a Monday.
  if (holidays === undefined) throw outOfRange(calendarId, year);
  return !isWeekend(isoDate) && !holidays.has(isoDate);
}

/** `isoDate` itself when it is a working day, otherwise the first working day after it (the roll-forward rule). */
export function nextWorkingDay(calendarId: string, isoDate: IsoDate): IsoDate {
  let day = isoDate;
  for (let step = 0; step <= MAX_NON_WORKING_RUN; step += 1) {
    if (isWorkingDay(calendarId, day)) return day;
    day = addCalendarDays(day, 1);
  }
  throw new DomainError('CALENDAR.NO_WORKING_DAY', `No working day in '${calendarId}' within a month after ${isoDate}`);
}

/** The n-th working day after `isoDate` (the start date itself is not counted, whether or not it is a working day). */
export function addBusinessDays(calendarId: string, isoDate: IsoDate, n: number): IsoDate {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new DomainError('CALENDAR.INVALID_ARGUMENT', `Business days to add must be a whole number >= 0, got ${n}`);
  }
  assertCalendarId(calendarId);
  // Validates the start date and its coverage even when n is 0.
  isWorkingDay(calendarId, isoDate);
  let day = isoDate;
  for (let counted = 0; counted < n; counted += 1) day = nextWorkingDay(calendarId, addCalendarDays(day, 1));
  return day;
}

function outOfRange(calendarId: string, year: number): DomainError {
  const range = coveredYears(calendarId);
  const covered = range === null ? 'every year' : `${range.from}-${range.to}`;
  return new DomainError(
    'CALENDAR.OUT_OF_RANGE',
    `Holiday calendar '${calendarId}' has no data for ${year} (covers ${covered}); add that year's holidays before computing dates in it`,
  );
}
