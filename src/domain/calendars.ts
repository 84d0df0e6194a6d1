// The holiday calendars dsrflow knows, as data: an id, a name and the time zone whose local dates it speaks of.
// Which holidays fall on which date comes from a maintained rules library at intake (src/platform/holiday-calendars.ts),
// never from this file: the domain only counts with a calendar it is handed (holidays.ts).

export const EU_EEA_CALENDAR_IDS = [
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL',
  'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO',
] as const;
export const UK_CALENDAR_IDS = ['GB-EAW', 'GB-SCT', 'GB-NIR'] as const;

/** 'WEEKENDS' knows no holidays: Saturday and Sunday only, in every year. */
export const CALENDAR_IDS = ['WEEKENDS', ...EU_EEA_CALENDAR_IDS, ...UK_CALENDAR_IDS, 'CH', 'US-FED', 'US-CA', 'CA-FED', 'CA-QC', 'BR'] as const;
export type CalendarId = (typeof CALENDAR_IDS)[number];

export const isCalendarId = (value: string): value is CalendarId => (CALENDAR_IDS as readonly string[]).includes(value);

export interface CalendarInfo {
  readonly name: string;
  /** The zone of the place whose offices the calendar closes. */
  readonly timeZone: string;
}

const EU_EEA: Readonly<Record<(typeof EU_EEA_CALENDAR_IDS)[number], CalendarInfo>> = {
  AT: { name: 'Austria', timeZone: 'Europe/Vienna' },
  BE: { name: 'Belgium', timeZone: 'Europe/Brussels' },
  BG: { name: 'Bulgaria', timeZone: 'Europe/Sofia' },
  HR: { name: 'Croatia', timeZone: 'Europe/Zagreb' },
  CY: { name: 'Cyprus', timeZone: 'Asia/Nicosia' },
  CZ: { name: 'Czechia', timeZone: 'Europe/Prague' },
  DK: { name: 'Denmark', timeZone: 'Europe/Copenhagen' },
  EE: { name: 'Estonia', timeZone: 'Europe/Tallinn' },
  FI: { name: 'Finland', timeZone: 'Europe/Helsinki' },
  FR: { name: 'France (metropolitan)', timeZone: 'Europe/Paris' },
  DE: { name: 'Germany (nationwide holidays)', timeZone: 'Europe/Berlin' },
  GR: { name: 'Greece', timeZone: 'Europe/Athens' },
  HU: { name: 'Hungary', timeZone: 'Europe/Budapest' },
  IE: { name: 'Ireland', timeZone: 'Europe/Dublin' },
  IT: { name: 'Italy', timeZone: 'Europe/Rome' },
  LV: { name: 'Latvia', timeZone: 'Europe/Riga' },
  LT: { name: 'Lithuania', timeZone: 'Europe/Vilnius' },
  LU: { name: 'Luxembourg', timeZone: 'Europe/Luxembourg' },
  MT: { name: 'Malta', timeZone: 'Europe/Malta' },
  NL: { name: 'Netherlands', timeZone: 'Europe/Amsterdam' },
  PL: { name: 'Poland', timeZone: 'Europe/Warsaw' },
  PT: { name: 'Portugal (mainland)', timeZone: 'Europe/Lisbon' },
  RO: { name: 'Romania', timeZone: 'Europe/Bucharest' },
  SK: { name: 'Slovakia', timeZone: 'Europe/Bratislava' },
  SI: { name: 'Slovenia', timeZone: 'Europe/Ljubljana' },
  ES: { name: 'Spain (national holidays)', timeZone: 'Europe/Madrid' },
  SE: { name: 'Sweden', timeZone: 'Europe/Stockholm' },
  IS: { name: 'Iceland', timeZone: 'Atlantic/Reykjavik' },
  LI: { name: 'Liechtenstein', timeZone: 'Europe/Vaduz' },
  NO: { name: 'Norway', timeZone: 'Europe/Oslo' },
};

export const CALENDARS: Readonly<Record<CalendarId, CalendarInfo>> = {
  WEEKENDS: { name: 'Weekends only (no public holidays)', timeZone: 'UTC' },
  ...EU_EEA,
  'GB-EAW': { name: 'England and Wales', timeZone: 'Europe/London' },
  'GB-SCT': { name: 'Scotland', timeZone: 'Europe/London' },
  'GB-NIR': { name: 'Northern Ireland', timeZone: 'Europe/London' },
  CH: { name: 'Switzerland (nationwide holidays)', timeZone: 'Europe/Zurich' },
  'US-FED': { name: 'United States (federal)', timeZone: 'America/New_York' },
  'US-CA': { name: 'California (state offices)', timeZone: 'America/Los_Angeles' },
  'CA-FED': { name: 'Canada (federal)', timeZone: 'America/Toronto' },
  'CA-QC': { name: 'Quebec', timeZone: 'America/Toronto' },
  BR: { name: 'Brazil (national holidays)', timeZone: 'America/Sao_Paulo' },
};
