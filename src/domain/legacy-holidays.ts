// Frozen England and Wales bank holidays 2024-2030, exactly as dsrflow counted them before calendars came from a
// rules library (migration 023). Only workflows started before then use it: they carry no calendar in their input,
// and a UK GDPR deadline they recompute (extension, stopped clock) must land where it always would have. GDPR ones
// used weekends only; no other regime recomputes a holiday-dependent date inside its workflow. Never extend this.

import type { IsoDate } from './dates.ts';

export interface LegacyCalendarData {
  readonly name: string;
  readonly source: string;
  /** Observed non-working dates (besides Saturday and Sunday), keyed by the year of the date; keys = years covered. */
  readonly holidays: Readonly<Record<number, readonly IsoDate[]>>;
}

export const LEGACY_GB_EAW: LegacyCalendarData = {
  name: 'England and Wales bank holidays',
  // gov.uk publishes about two years ahead; later years follow the standing rules: re-check for one-off days.
  source:
    'Banking and Financial Dealings Act 1971 and gov.uk/bank-holidays, substitute days included: weekend New Year, ' +
    'Christmas and Boxing Day move to the next weekdays (25 Dec on Saturday -> 27 and 28 Dec).',
  holidays: {
    2024: ['2024-01-01', '2024-03-29', '2024-04-01', '2024-05-06', '2024-05-27', '2024-08-26', '2024-12-25',
            '2024-12-26'],
    2025: ['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25',
            '2025-12-26'],
    2026: ['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25',
            '2026-12-28'],
    2027: ['2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27',
            '2027-12-28'],
    2028: ['2028-01-03', '2028-04-14', '2028-04-17', '2028-05-01', '2028-05-29', '2028-08-28', '2028-12-25',
            '2028-12-26'],
    2029: ['2029-01-01', '2029-03-30', '2029-04-02', '2029-05-07', '2029-05-28', '2029-08-27', '2029-12-25',
            '2029-12-26'],
    2030: ['2030-01-01', '2030-04-19', '2030-04-22', '2030-05-06', '2030-05-27', '2030-08-26', '2030-12-25',
            '2030-12-26'],
  },
};
