// The shape of one row of the regulations table, and the builders the rows are written with (regulations.ts and
// us-state-laws.ts hold the rows themselves).

import type { CalendarId } from './calendars.ts';
import type { RepeatRule } from './repeat-limits.ts';
import type { RequestType } from './request.ts';

export const REGULATION_CODES = [
  'GDPR', 'UK_GDPR', 'CCPA', 'VCDPA', 'CPA', 'CTDPA', 'UCPA', 'TDPSA', 'LGPD', 'PIPEDA',
  'OCPA', 'MTCDPA', 'ICDPA', 'DPDPA', 'NEDPA', 'NHPA', 'NJDPA', 'TIPA', 'MNCDPA', 'MODPA', 'INCDPA', 'KCDPA', 'RIDTPPA',
  'QC_LAW25', 'FADP',
] as const;
export type RegulationCode = (typeof REGULATION_CODES)[number];

export type PeriodUnit = 'calendarMonths' | 'calendarDays' | 'businessDays';
export interface Period {
  readonly amount: number;
  readonly unit: PeriodUnit;
}

export type VerificationPolicy = 'required' | 'notAllowed';

export type ExtensionRule =
  | { readonly allowed: false; readonly maxExtensions: 0 }
  | {
      readonly allowed: true;
      /** What one extension adds to the initial period (informative; the engine computes from maxTotal). */
      readonly by: Period;
      /** 1 where the law says "once"; null where the text is silent (maxTotal still caps the total). */
      readonly maxExtensions: number | null;
      /** Initial period plus extension, counted from receipt: the latest possible due date. */
      readonly maxTotal: Period;
      /** The extension notice must reach the requester inside the initial period. */
      readonly noticeWithinInitialPeriod: boolean;
    };

export interface AcknowledgementRule {
  readonly within: Period;
  readonly calendarId: CalendarId;
}

/**
 * The consumer's appeal of a refusal (or a partial answer) to the controller itself, where the law grants one.
 * Periods count from the controller's receipt of the appeal, in the regime's time zone and calendar.
 */
export interface AppealRule {
  /** The decision (with its reasons, in writing) is due this long after the appeal was received. */
  readonly decisionWithin: Period;
  /** Colorado and Minnesota allow a further 60 days, notified inside the first period; null where the text allows none. */
  readonly extension: { readonly by: Period; readonly maxTotal: Period; readonly noticeWithinInitialPeriod: true } | null;
  /** A denial must tell the consumer how to complain to the Attorney General (an online mechanism in most acts). */
  readonly attorneyGeneralNotice: boolean;
  /** The statute section the decision deadline comes from. */
  readonly source: string;
}

/** What may differ between request types inside one regime. */
export interface TypeRule {
  readonly response: Period;
  readonly extension: ExtensionRule;
  readonly acknowledgement: AcknowledgementRule | null;
  readonly verification: VerificationPolicy;
}

export interface RegulationRule extends TypeRule {
  readonly code: RegulationCode;
  readonly name: string;
  readonly jurisdiction: string;
  /** Where the rule can be re-checked. */
  readonly source: string;
  /** IANA zone whose calendar dates count for receipt and due dates (the default calendar's zone). */
  readonly timeZone: string;
  readonly allowedTypes: readonly RequestType[];
  /** A period (other than business days) ending on a non-working day ends on the next working day. */
  readonly rollForward: boolean;
  /** Holiday calendar for roll-forward and business days when neither the organization nor the request names one. */
  readonly calendarId: CalendarId;
  /** Other calendars the organization's establishment or the request may choose (GDPR: the member state). */
  readonly selectableCalendars: readonly CalendarId[];
  /** The clock stops while waiting for ID, clarification or a fee. */
  readonly stopTheClock: boolean;
  readonly typeOverrides: Readonly<Partial<Record<RequestType, Partial<TypeRule>>>>;
  /** How often a subject may repeat a request before the law lets the controller refuse or charge (docs/subjects.md). */
  readonly repeats: RepeatRule;
  /** The appeal to the controller and its decision deadline; null where the law grants none (a complaint to the authority instead). */
  readonly appeal: AppealRule | null;
}

export const days = (amount: number): Period => ({ amount, unit: 'calendarDays' });
export const months = (amount: number): Period => ({ amount, unit: 'calendarMonths' });
export const businessDays = (amount: number): Period => ({ amount, unit: 'businessDays' });

export const NO_EXTENSION: ExtensionRule = { allowed: false, maxExtensions: 0 };

export const extension = (by: Period, total: Period, maxExtensions: number | null): ExtensionRule => ({
  allowed: true,
  by,
  maxExtensions,
  maxTotal: total,
  noticeWithinInitialPeriod: true,
});

/** An appeal decided within `within` days; `extendBy` days more where the act allows it. */
export const appealWithin = (within: number, source: string, extendBy?: number): AppealRule => ({
  decisionWithin: days(within),
  extension: extendBy === undefined ? null : { by: days(extendBy), maxTotal: days(within + extendBy), noticeWithinInitialPeriod: true },
  attorneyGeneralNotice: true,
  source,
});
