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
  const ms = Date.UTC(year, month - 1, day);
  // Date.UTC silently rolls 30 Feb into March; round-tripping catches it.
  if (fromDayNumber(ms / DAY_MS) !== isoDate) throw new DomainError('DATE.INVALID', `No such date: '${isoDate}'`);
  return ms / DAY_MS;
}

export function fromDayNumber(dayNumber: number): IsoDate {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
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
  // en-US numeric dates read "MM/DD/YYYY" in every ICU: format() costs half of formatToParts() (a staff list page
  // asks twice per row).
  const [month, day, year] = formatterFor(timeZone).format(checkedInstant(instant, 'instant')).split('/') as [string, string, string];
  return `${year.padStart(4, '0')}-${month}-${day}`;
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
