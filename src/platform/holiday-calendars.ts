// Holiday calendars from a maintained rules library (date-holidays, pinned to an exact version) with dsrflow's
// corrections (holiday-corrections.ts). Called at intake only: the list made here is stored with the request and
// handed to the workflow, so a library upgrade never moves the dates of a request already opened.

import { createRequire } from 'node:module';
import Holidays from 'date-holidays';
import { CALENDARS, type CalendarId } from '../domain/calendars.ts';
import { toDayNumber, type IsoDate } from '../domain/dates.ts';
import { WEEKENDS_ONLY, type HolidayCalendar } from '../domain/holidays.ts';
import { HOLIDAY_CORRECTIONS } from './holiday-corrections.ts';

const LIBRARY_VERSION = (createRequire(import.meta.url)('date-holidays/package.json') as { version: string }).version;
export const HOLIDAY_LIBRARY = `date-holidays ${LIBRARY_VERSION}`;

/**
 * Only whole days that close offices count: the library's `public` type from midnight. Bank, optional, school and
 * observance days do not, nor half days (docs/deadlines.md, "Which days count").
 */
export const COUNTED_TYPES = ['public'] as const;

// The library's country and region for each calendar. England and Wales share one list (ENG in the library).
const REGION: Readonly<Record<Exclude<CalendarId, 'WEEKENDS'>, readonly [string, string?]>> = {
  AT: ['AT'], BE: ['BE'], BG: ['BG'], HR: ['HR'], CY: ['CY'], CZ: ['CZ'], DK: ['DK'], EE: ['EE'], FI: ['FI'], FR: ['FR'],
  DE: ['DE'], GR: ['GR'], HU: ['HU'], IE: ['IE'], IT: ['IT'], LV: ['LV'], LT: ['LT'], LU: ['LU'], MT: ['MT'], NL: ['NL'],
  PL: ['PL'], PT: ['PT'], RO: ['RO'], SK: ['SK'], SI: ['SI'], ES: ['ES'], SE: ['SE'], IS: ['IS'], LI: ['LI'], NO: ['NO'],
  'GB-EAW': ['GB', 'ENG'], 'GB-SCT': ['GB', 'SCT'], 'GB-NIR': ['GB', 'NIR'], CH: ['CH'],
  'US-FED': ['US'], 'US-CA': ['US', 'CA'], 'CA-FED': ['CA'], 'CA-QC': ['CA', 'QC'], BR: ['BR'],
};

const DAY_MS = 86_400_000;
const weekday = (isoDate: IsoDate) => new Date(toDayNumber(isoDate) * DAY_MS).getUTCDay();

interface LibraryHoliday {
  date: string;
  type: string;
  name: string;
  substitute?: boolean;
  rule?: string;
}

/** The counted holidays of one calendar in one year, corrections applied, sorted. */
export function holidaysOf(id: CalendarId, year: number): IsoDate[] {
  if (id === 'WEEKENDS') return [];
  const [country, region] = REGION[id];
  // English names, so the corrections match one spelling whatever the country's language.
  const library = region === undefined ? new Holidays(country, { languages: ['en'] }) : new Holidays(country, region, { languages: ['en'] });
  const correction = HOLIDAY_CORRECTIONS[id];
  for (const extra of correction?.add ?? []) library.setHoliday(extra.rule, { name: { en: extra.name }, type: 'public' });
  const dates = new Set<IsoDate>();
  for (const h of library.getHolidays(year, 'en') as LibraryHoliday[]) {
    if (!(COUNTED_TYPES as readonly string[]).includes(h.type)) continue;
    // A holiday from midday (Iceland's Christmas Eve and New Year's Eve from 13:00) leaves the morning a working day.
    if (h.date.slice(11, 16) !== '00:00') continue;
    if (correction?.drop.some((name) => h.name.startsWith(name))) continue;
    const date = h.date.slice(0, 10);
    const friday = correction?.noFridayForSaturday;
    if (friday && h.substitute && weekday(date) === 5 && !friday.except.some((name) => h.name.startsWith(name))) continue;
    dates.add(date);
  }
  return [...dates].sort();
}

/**
 * The calendar a request counts with: every year from the year before receipt to two years after it, enough for the
 * longest period, extension and stopped clock of any regime (135 days for Iowa plus a paused verification).
 */
export function calendarForRequest(id: CalendarId, receivedOn: IsoDate): HolidayCalendar {
  if (id === 'WEEKENDS') return WEEKENDS_ONLY;
  const year = Number(receivedOn.slice(0, 4));
  return holidayCalendar(id, year - 1, year + 2);
}

export function holidayCalendar(id: CalendarId, fromYear: number, toYear: number): HolidayCalendar {
  if (id === 'WEEKENDS') return WEEKENDS_ONLY;
  const holidays: IsoDate[] = [];
  for (let year = fromYear; year <= toYear; year += 1) holidays.push(...holidaysOf(id, year));
  const corrected = HOLIDAY_CORRECTIONS[id] ? ' with dsrflow corrections (src/platform/holiday-corrections.ts)' : '';
  return {
    id,
    from: `${String(fromYear).padStart(4, '0')}-01-01`,
    to: `${String(toYear).padStart(4, '0')}-12-31`,
    holidays,
    source: `${HOLIDAY_LIBRARY}, ${CALENDARS[id].name}, ${COUNTED_TYPES.join('/')} holidays${corrected}`,
  };
}

