// Legal dates are local calendar days written 'YYYY-MM-DD'; instants are Dates. These helpers convert between the two.

import { DomainError } from './errors.ts';

/** A calendar date, 'YYYY-MM-DD', in whatever local time zone the caller means. */
export type IsoDate = string;

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 for a valid ISO date; throws DATE.INVALID otherwise (e.g. '2025-02-30'). */
export function toDayNumber(isoDate: IsoDate): number {
  const match = ISO_DATE.exec(isoDate);
  if (match === null) throw new DomainError('DATE.INVALID', `Not a YYYY-MM-DD date: '${isoDate}'`);
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  // Date.UTC silently rolls 30 Feb into March (and reads years 0-99 as 1900-1999): such dates are refused.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw new DomainError('DATE.INVALID', `No such date: '${isoDate}'`);
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

const daysInMonth = (year: number, month: number) =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;

// Years 1000-9999: the rest (never a legal date here) is left to Date, which writes them in its own way.
const FOUR_DIGIT_YEARS = [Date.UTC(1000, 0, 1) / DAY_MS, Date.UTC(10000, 0, 1) / DAY_MS] as const;

/** The ISO date of a day number; by arithmetic (H. Hinnant's civil_from_days), as a Date's toISOString would write it. */
export function fromDayNumber(dayNumber: number): IsoDate {
  if (!Number.isInteger(dayNumber) || dayNumber < FOUR_DIGIT_YEARS[0] || dayNumber >= FOUR_DIGIT_YEARS[1]) return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153); // March is 0
  const day = dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1;
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

export const isIsoDate = (value: string): boolean => {
  try {
    toDayNumber(value);
    return true;
  } catch {
    return false;
  }
};

export const yearOf = (isoDate: IsoDate): number => Number(isoDate.slice(0, 4));

/** 0 = Sunday ... 6 = Saturday. */
export const dayOfWeek = (isoDate: IsoDate): number => new Date(toDayNumber(isoDate) * DAY_MS).getUTCDay();

export const isWeekend = (isoDate: IsoDate): boolean => {
  const day = dayOfWeek(isoDate);
  return day === 0 || day === 6;
};

export const addCalendarDays = (isoDate: IsoDate, days: number): IsoDate => {
  assertInteger(days, 'days');
  return fromDayNumber(toDayNumber(isoDate) + days);
};

/** Same date `months` later; where that month is shorter, its last day (31 Jan + 1 = 28/29 Feb). */
export function addCalendarMonths(isoDate: IsoDate, months: number): IsoDate {
  assertInteger(months, 'months');
  toDayNumber(isoDate);
  const year = Number(isoDate.slice(0, 4));
  const month = Number(isoDate.slice(5, 7)) - 1 + months;
  const day = Number(isoDate.slice(8, 10));
  const targetYear = year + Math.floor(month / 12);
  const targetMonth = ((month % 12) + 12) % 12;
  // Day 0 of the following month is the last day of the target month.
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  return fromDayNumber(Date.UTC(targetYear, targetMonth, Math.min(day, lastDay)) / DAY_MS);
}

export const compareIsoDates = (a: IsoDate, b: IsoDate): number => toDayNumber(a) - toDayNumber(b);

// Formatters are costly to build; one per zone is reused (deterministic, so safe in workflow code).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      throw new DomainError('DATE.INVALID_TIME_ZONE', `Unknown IANA time zone: '${timeZone}'`);
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Returns the instant if it is a real Date (any realm: workflow sandboxes have their own Date) and not NaN. */
export function checkedInstant(instant: Date, name: string): Date {
  if (Object.prototype.toString.call(instant) !== '[object Date]' || Number.isNaN(instant.getTime())) {
    throw new DomainError('DATE.INVALID', `${name} is not a valid instant`);
  }
  return instant;
}

/** The calendar date an instant falls on in `timeZone` (23:30 UTC on 31 Jan is 1 Feb in Berlin). */
export function localDateOf(instant: Date, timeZone: string): IsoDate {
  const ms = checkedInstant(instant, 'instant').getTime();
  const offset = ms >= FAST_FROM && ms < FAST_UNTIL ? steadyOffsetOn(Math.floor(ms / DAY_MS), timeZone) : null;
  return offset === null ? formattedDateOf(ms, timeZone) : fromDayNumber(Math.floor((ms + offset) / DAY_MS));
}

function formattedDateOf(ms: number, timeZone: string): IsoDate {
  // en-US numeric dates read "MM/DD/YYYY" in every ICU: format() costs half of formatToParts().
  const [month, day, year] = formatterFor(timeZone).format(ms).split('/') as [string, string, string];
  return `${year.padStart(4, '0')}-${month}-${day}`;
}

// A zone's UTC offset is the same all through nearly every UTC day; asking ICU for a date costs ~3 us, adding a
// kept offset nothing (a staff list page asks twice per row). Kept per (zone, UTC day): the offset at the day's
// first and last second, or null when they differ (the day of a clock change, answered by ICU for each instant).
// A pure function of its arguments, so deterministic in workflow code as well; bounded, oldest dropped first.
// (Years 1000-9998 only: outside them ISO strings and ICU's years are written differently.)
const FAST_FROM = Date.UTC(1000, 0, 1);
const FAST_UNTIL = Date.UTC(9999, 0, 1);
const steadyOffsets = new Map<string, number | null>();
const clockFormatters = new Map<string, Intl.DateTimeFormat>();

function steadyOffsetOn(utcDay: number, timeZone: string): number | null {
  const key = `${timeZone} ${utcDay}`;
  let offset = steadyOffsets.get(key);
  if (offset === undefined) {
    const first = offsetAt(utcDay * DAY_MS, timeZone);
    offset = first === offsetAt((utcDay + 1) * DAY_MS - 1000, timeZone) ? first : null;
    if (steadyOffsets.size >= 4096) steadyOffsets.delete(steadyOffsets.keys().next().value!);
    steadyOffsets.set(key, offset);
  }
  return offset;
}

/** Local wall-clock time minus UTC at a whole second `ms` (+3,600,000 in Paris in winter). */
function offsetAt(ms: number, timeZone: string): number {
  let formatter = clockFormatters.get(timeZone);
  if (formatter === undefined) {
    formatterFor(timeZone); // the zone's name checked, with its DomainError
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    clockFormatters.set(timeZone, formatter);
  }
  // "MM/DD/YYYY, HH:MM:SS"
  const [month, day, year, hour, minute, second] = formatter.format(ms).split(/[/, :]+/).map(Number) as [number, number, number, number, number, number];
  // (setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999; a part ICU writes otherwise is NaN, and a
  // NaN offset is never steady, so that day is answered by ICU.)
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  return local.setUTCHours(hour, minute, second, 0) - ms;
}

/**
 * The last millisecond of `isoDate` in `timeZone`: the instant just before the next local day starts.
 * Found by bisection, so DST changes (even at midnight) need no offset arithmetic.
 */
export function endOfLocalDay(isoDate: IsoDate, timeZone: string): Date {
  const nextDayUtcMidnight = (toDayNumber(isoDate) + 1) * DAY_MS;
  // Offsets lie within -12h..+14h, so the next local midnight lies inside this window.
  let before = nextDayUtcMidnight - 15 * 3_600_000; // still on or before isoDate locally
  let after = nextDayUtcMidnight + 13 * 3_600_000; // already after isoDate locally
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (localDateOf(new Date(middle), timeZone) > isoDate) after = middle;
    else before = middle;
  }
  return new Date(after - 1);
}

function assertInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value)) throw new DomainError('DATE.INVALID', `${name} must be an integer, got ${value}`);
}
