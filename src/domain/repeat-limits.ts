// Repeat limits: how often the law expects a subject's requests to be answered (free of charge) before the
// controller may refuse or charge. Each regime's row in regulations.ts names its own; the counting is in subjects.ts.

import type { RequestType } from './request.ts';

/** A repeat window: calendar months (with the month-end rule) or calendar days before the request. */
export interface RepeatWindow {
  readonly amount: number;
  readonly unit: 'calendarMonths' | 'calendarDays';
}

/** What the law allows once a subject is over a repeat limit. Never applied automatically: staff decide. */
export type RepeatAllowance = 'refuse' | 'fee' | 'nothing';

/** A fixed count: more than `max` requests of `types` (counted together) within `window` before this one. */
export interface RepeatLimit {
  readonly types: readonly RequestType[];
  readonly max: number;
  readonly window: RepeatWindow;
  readonly then: RepeatAllowance;
  readonly source: string;
}

export interface RepeatRule {
  /** Empty where the law sets no count (GDPR Art. 12(5): staff judge whether repeats are excessive). */
  readonly limits: readonly RepeatLimit[];
  readonly note: string;
}

// "Manifestly unfounded or excessive, in particular because of their repetitive character": no count in the text.
export const JUDGED_REPEATS: RepeatRule = {
  limits: [],
  note: 'No fixed count: a request may be refused, or a reasonable fee charged, when it is manifestly unfounded or excessive, in particular repetitive; the controller must show it (staff judge; rejection reason excessive)',
};

// Annual counts of the Virginia-style acts: every request type counts, in a rolling 12 months ("annually" is read
// as the 12 months before the request, the same window as CCPA's; a calendar year would reset on 1 January).
export const usStateLimit = (types: readonly RequestType[], max: number, source: string): RepeatLimit => ({ types, max, window: { amount: 12, unit: 'calendarMonths' }, then: 'fee', source });
export const US_STATE_REPEAT_NOTE = 'Within the free count nothing may be charged; beyond it a reasonable fee, and manifestly unfounded, excessive or repetitive requests may be declined (the controller must show it)';
