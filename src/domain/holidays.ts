// Working-day arithmetic over a holiday calendar handed in as data. The list itself comes from a rules library at
// intake (src/platform/holiday-calendars.ts) and travels with the request, so a workflow counts with the very list
// its request was opened with, whatever library version the worker runs (docs/deadlines.md, "Determinism").

import { addCalendarDays, compareIsoDates, isIsoDate, isWeekend, toDayNumber, type IsoDate } from './dates.ts';
import { DomainError } from './errors.ts';
import { CALENDAR_IDS, isCalendarId, type CalendarId } from './calendars.ts';
import { LEGACY_GB_EAW } from './legacy-holidays.ts';

export { CALENDAR_IDS, isCalendarId, type CalendarId } from './calendars.ts';

/** The public holidays of one calendar between two dates (inclusive); a date outside them throws rather than guess. */
export interface HolidayCalendar {
  readonly id: CalendarId;
  readonly from: IsoDate;
  readonly to: IsoDate;
  /** Non-working days besides Saturday and Sunday, observed (substitute) days included. */
  readonly holidays: readonly IsoDate[];
  /** Where the list came from: the library and its version, with the corrections applied. */
  readonly source: string;
}

export const WEEKENDS_ONLY: HolidayCalendar = { id: 'WEEKENDS', from: '1000-01-01', to: '9999-12-31', holidays: [], source: 'Saturday and Sunday only' };

// A working-day walk is bounded: no calendar has anywhere near this many non-working days in a row.
const MAX_NON_WORKING_RUN = 31;

const holidaySets = new WeakMap<HolidayCalendar, ReadonlySet<IsoDate>>();

function holidaySetOf(calendar: HolidayCalendar): ReadonlySet<IsoDate> {
  let set = holidaySets.get(calendar);
  if (set === undefined) {
    set = new Set(calendar.holidays);
    holidaySets.set(calendar, set);
  }
  return set;
}

/** Checks a calendar read from outside the domain (a workflow input, a database row): known id, real dates. */
export function checkedCalendar(value: unknown): HolidayCalendar {
  const c = value as Partial<HolidayCalendar> | null;
  const fine =
    typeof c === 'object' && c !== null && typeof c.id === 'string' && isCalendarId(c.id) &&
    typeof c.from === 'string' && isIsoDate(c.from) && typeof c.to === 'string' && isIsoDate(c.to) && compareIsoDates(c.from, c.to) <= 0 &&
    Array.isArray(c.holidays) && c.holidays.every((d) => typeof d === 'string' && isIsoDate(d)) && typeof c.source === 'string';
  if (!fine) throw new DomainError('CALENDAR.INVALID', `Not a holiday calendar (known ids: ${CALENDAR_IDS.join(', ')})`);
  return c as HolidayCalendar;
}

/**
 * The calendar a computation uses when it was handed none: requests opened before calendars travelled with them.
 * Weekends stay weekends; England and Wales keeps its frozen 2024-2030 list; any other calendar has no data, so a
 * holiday lookup in it throws CALENDAR.OUT_OF_RANGE (none of those regimes recomputes such a date in a workflow).
 */
export function legacyCalendar(id: CalendarId): HolidayCalendar {
  if (id === 'WEEKENDS') return WEEKENDS_ONLY;
  if (id === 'GB-EAW') {
    return { id, from: '2024-01-01', to: '2030-12-31', holidays: Object.values(LEGACY_GB_EAW.holidays).flat(), source: LEGACY_GB_EAW.source };
  }
  return { id, from: '9999-12-31', to: '9999-12-31', holidays: [], source: 'no holiday data: a request opened before calendars travelled with it' };
}

/** Monday to Friday and not a listed holiday. Throws CALENDAR.OUT_OF_RANGE for a date the calendar does not cover. */
export function isWorkingDay(calendar: HolidayCalendar, isoDate: IsoDate): boolean {
  toDayNumber(isoDate);
  // Checked before the weekend test: a Saturday outside the list is just as unknown as a Monday.
  if (compareIsoDates(isoDate, calendar.from) < 0 || compareIsoDates(isoDate, calendar.to) > 0) throw outOfRange(calendar, isoDate);
  return !isWeekend(isoDate) && !holidaySetOf(calendar).has(isoDate);
}

/** `isoDate` itself when it is a working day, otherwise the first working day after it (the roll-forward rule). */
export function nextWorkingDay(calendar: HolidayCalendar, isoDate: IsoDate): IsoDate {
  let day = isoDate;
  for (let step = 0; step <= MAX_NON_WORKING_RUN; step += 1) {
    if (isWorkingDay(calendar, day)) return day;
    day = addCalendarDays(day, 1);
  }
  throw new DomainError('CALENDAR.NO_WORKING_DAY', `No working day in '${calendar.id}' within a month after ${isoDate}`);
}

/** The n-th working day after `isoDate` (the start date itself is not counted, whether or not it is a working day). */
export function addBusinessDays(calendar: HolidayCalendar, isoDate: IsoDate, n: number): IsoDate {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new DomainError('CALENDAR.INVALID_ARGUMENT', `Business days to add must be a whole number >= 0, got ${n}`);
  }
  // Validates the start date and its coverage even when n is 0.
  isWorkingDay(calendar, isoDate);
  let day = isoDate;
  for (let counted = 0; counted < n; counted += 1) day = nextWorkingDay(calendar, addCalendarDays(day, 1));
  return day;
}

function outOfRange(calendar: HolidayCalendar, isoDate: IsoDate): DomainError {
  return new DomainError(
    'CALENDAR.OUT_OF_RANGE',
    `Holiday calendar '${calendar.id}' as given covers ${calendar.from} to ${calendar.to}, not ${isoDate}`,
  );
}
