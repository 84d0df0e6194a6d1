// The one place where dsrflow departs from the holiday library's output (date-holidays, pinned in package.json).
// Each entry says why, with the official source; docs/deadlines.md lists them. Corrections are rules, not dates,
// so they hold for every year.

import type { CalendarId } from '../domain/calendars.ts';

export interface CalendarCorrection {
  /** Holidays (date-holidays rule syntax) the library files under another type or region, counted here. */
  readonly add: readonly { readonly rule: string; readonly name: string }[];
  /** Library holidays (by English or local name, substitutes included) that do not close the offices concerned. */
  readonly drop: readonly string[];
  /** Drop the library's Saturday -> Friday observed days, except for the holidays named. */
  readonly noFridayForSaturday?: { readonly except: readonly string[] };
  readonly why: string;
}

export const HOLIDAY_CORRECTIONS: Readonly<Partial<Record<CalendarId, CalendarCorrection>>> = {
  BG: {
    add: [{ rule: '12-26', name: 'Second day of Christmas' }],
    drop: [],
    why: 'Labour Code Art. 154(1): 24, 25 and 26 December are official holidays; the library lists only the first two.',
  },
  CY: {
    add: [{ rule: 'orthodox 50', name: 'Kataklysmos (Whit Monday)' }],
    drop: [],
    why: 'The public holidays of the Republic of Cyprus include Kataklysmos, the Monday after Orthodox Pentecost, which the library leaves out.',
  },
  LI: {
    add: [{ rule: '08-15', name: 'Staatsfeiertag' }],
    drop: ['Feiertagsbrücke'],
    why:
      'Arbeitsgesetz (LR 822.10) Art. 18 and the Landesverwaltung calendar: 15 August (Staatsfeiertag) is a public holiday the library ' +
      'leaves out; the bridge days after Ascension and Corpus Christi are office closures by decision, not public holidays.',
  },
  'US-FED': {
    add: [
    // The library files the observed day as 'bank' although it notes that federal offices close (5 U.S.C. 6103(b)).
    { rule: 'substitutes 11-11 if sunday then next monday if saturday then previous friday', name: 'Veterans Day (observed)' },
    ],
    drop: [],
    why: 'OPM federal holidays (5 U.S.C. 6103): Veterans Day on a weekend is observed on the Friday before or the Monday after, when federal offices close.',
  },
  'US-CA': {
    add: [
    // The library files the observed day as 'bank' although it notes that federal offices close (5 U.S.C. 6103(b)).
    { rule: 'substitutes 11-11 if sunday then next monday if saturday then previous friday', name: 'Veterans Day (observed)' },
    ],
    drop: ['Juneteenth'],
    // CalHR: a holiday on a Saturday gives no weekday off, except Veterans Day (Gov. Code 6700(a)(10)).
    noFridayForSaturday: { except: ['Veterans Day'] },
    why:
      'CalHR state holidays (Gov. Code 6700, 19853): Juneteenth is not a state holiday on which offices close; ' +
      'a Saturday holiday is not moved to Friday except 11 November.',
  },
  'CA-FED': {
    // The library files these under the provinces; the Canada Labour Code s. 166 makes them general holidays.
    add: [
      { rule: 'monday before 05-25', name: 'Victoria Day' },
      { rule: '09-30', name: 'National Day for Truth and Reconciliation' },
      { rule: '2nd monday in October', name: 'Thanksgiving' },
      { rule: '11-11', name: 'Remembrance Day' },
      { rule: '12-26', name: 'Boxing Day' },
      // A general holiday on a weekend gives the next working day (ss. 195-196), as the federal public service observes it.
      { rule: 'substitutes 01-01 if saturday,sunday then next monday', name: "New Year's Day (observed)" },
      { rule: 'substitutes 07-01 if saturday,sunday then next monday', name: 'Canada Day (observed)' },
      { rule: 'substitutes 09-30 if saturday,sunday then next monday', name: 'National Day for Truth and Reconciliation (observed)' },
      { rule: 'substitutes 11-11 if saturday,sunday then next monday', name: 'Remembrance Day (observed)' },
      { rule: 'substitutes 12-25 if saturday then next monday if sunday then next tuesday', name: 'Christmas Day (observed)' },
      { rule: 'substitutes 12-26 if saturday then next monday if sunday then next tuesday', name: 'Boxing Day (observed)' },
    ],
    drop: [],
    why: 'Canada Labour Code s. 166 "general holiday": ten days for federally regulated employers, not only the five the library lists nationally.',
  },
};
