// The legal regimes as one table of data (per /work/shared/REGULATIONS.md): the engine reads rows, never branches on a code.

import { DomainError } from './errors.ts';
import type { CalendarId } from './holidays.ts';
import { JUDGED_REPEATS, US_STATE_REPEAT_NOTE, usStateLimit, type RepeatRule } from './repeat-limits.ts';
import type { RequestType } from './request.ts';

export const REGULATION_CODES = ['GDPR', 'UK_GDPR', 'CCPA', 'VCDPA', 'CPA', 'CTDPA', 'UCPA', 'TDPSA', 'LGPD', 'PIPEDA'] as const;
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
  /** IANA zone whose calendar dates count for receipt and due dates. */
  readonly timeZone: string;
  readonly allowedTypes: readonly RequestType[];
  /** A period (other than business days) ending on a non-working day ends on the next working day. */
  readonly rollForward: boolean;
  /** Holiday calendar for roll-forward and business days. */
  readonly calendarId: CalendarId;
  /** Calendars a caller may choose instead (GDPR: the member state), each with the time zone that goes with it. */
  readonly selectableCalendars: Readonly<Partial<Record<CalendarId, string>>>;
  /** The clock stops while waiting for ID, clarification or a fee. */
  readonly stopTheClock: boolean;
  readonly typeOverrides: Readonly<Partial<Record<RequestType, Partial<TypeRule>>>>;
  /** How often a subject may repeat a request before the law lets the controller refuse or charge (docs/subjects.md). */
  readonly repeats: RepeatRule;
}
const days = (amount: number): Period => ({ amount, unit: 'calendarDays' });
const months = (amount: number): Period => ({ amount, unit: 'calendarMonths' });
const businessDays = (amount: number): Period => ({ amount, unit: 'businessDays' });

const NO_EXTENSION: ExtensionRule = { allowed: false, maxExtensions: 0 };

const extension = (by: Period, total: Period, maxExtensions: number | null): ExtensionRule => ({
  allowed: true,
  by,
  maxExtensions,
  maxTotal: total,
  noticeWithinInitialPeriod: true,
});

const EU_STYLE_TYPES: readonly RequestType[] = ['access', 'export', 'rectify', 'erasure', 'restrict', 'object'];
const US_STATE_TYPES: readonly RequestType[] = ['access', 'export', 'rectify', 'erasure', 'noSale'];
// Opt-outs may not be gated behind identity checks (only what is needed to find the consumer).
const OPT_OUT_NOT_VERIFIED = { noSale: { verification: 'notAllowed' } } as const;

const US_STATE_DEFAULTS = {
  response: days(45),
  // Conservative default: the state acts do not say a period ending on a weekend or holiday is extended.
  rollForward: false,
  calendarId: 'US-FED',
  selectableCalendars: {},
  acknowledgement: null,
  verification: 'required',
  stopTheClock: false,
  typeOverrides: OPT_OUT_NOT_VERIFIED,
} as const;

export const REGULATIONS: Readonly<Record<RegulationCode, RegulationRule>> = {
  GDPR: {
    code: 'GDPR',
    name: 'EU General Data Protection Regulation',
    jurisdiction: 'EU/EEA',
    source: 'GDPR Art. 12(3)-(4); EDPB Guidelines 01/2022 on access; Regulation (EEC, Euratom) 1182/71 Art. 3',
    timeZone: 'Europe/Brussels',
    allowedTypes: EU_STYLE_TYPES,
    response: months(1),
    rollForward: true,
    // Default: weekends only - holidays differ per member state, and fewer holidays can only make a deadline earlier.
    calendarId: 'WEEKENDS',
    selectableCalendars: { WEEKENDS: 'Europe/Brussels', IE: 'Europe/Dublin', DE: 'Europe/Berlin' },
    extension: extension(months(2), months(3), null),
    acknowledgement: null,
    verification: 'required',
    // Unsettled: Art. 12(6) is silent on pausing for identity checks; default false.
    stopTheClock: false,
    typeOverrides: {},
    repeats: { ...JUDGED_REPEATS, note: `GDPR Art. 12(5). ${JUDGED_REPEATS.note}` },
  },
  UK_GDPR: {
    code: 'UK_GDPR',
    name: 'UK GDPR',
    jurisdiction: 'United Kingdom',
    source: 'UK GDPR Art. 12; ICO right of access guidance; Data (Use and Access) Act 2025',
    timeZone: 'Europe/London',
    allowedTypes: EU_STYLE_TYPES,
    response: months(1),
    rollForward: true,
    calendarId: 'GB-EAW',
    selectableCalendars: {},
    extension: extension(months(2), months(3), null),
    acknowledgement: null,
    verification: 'required',
    stopTheClock: true,
    typeOverrides: {},
    repeats: { ...JUDGED_REPEATS, note: `UK GDPR Art. 12(5) (ICO: also vexatious requests). ${JUDGED_REPEATS.note}` },
  },
  CCPA: {
    code: 'CCPA',
    name: 'California Consumer Privacy Act (as amended by the CPRA)',
    jurisdiction: 'US-CA',
    source: 'Cal. Civ. Code 1798.130; 11 CCR 7021 (know, delete, correct), 7026 (opt-out), 7027 (limit)',
    timeZone: 'America/Los_Angeles',
    // 'export' is the portable copy within a request to know; 'restrict' is the request to limit sensitive PI (7027).
    allowedTypes: ['access', 'export', 'rectify', 'erasure', 'restrict', 'noSale'],
    response: days(45),
    // 45 calendar days from receipt; the regulations do not extend a period ending on a weekend.
    rollForward: false,
    calendarId: 'US-CA',
    selectableCalendars: {},
    extension: extension(days(45), days(90), null),
    acknowledgement: { within: businessDays(10), calendarId: 'US-CA' },
    verification: 'required',
    stopTheClock: false,
    typeOverrides: {
      noSale: { response: businessDays(15), extension: NO_EXTENSION, acknowledgement: null, verification: 'notAllowed' },
      restrict: { response: businessDays(15), extension: NO_EXTENSION, acknowledgement: null, verification: 'notAllowed' },
    },
    repeats: {
      // A request to know (with its portable copy) need not be answered more than twice in 12 months.
      limits: [{ types: ['access', 'export'], max: 2, window: { amount: 12, unit: 'calendarMonths' }, then: 'refuse', source: 'Cal. Civ. Code 1798.100(d), 1798.130(a)(2)(B)' }],
      note: 'Other requests: manifestly unfounded or excessive, in particular repetitive, requests may be refused or charged a fee (Civ. Code 1798.145(h)(3)); no count',
    },
  },
  VCDPA: {
    ...US_STATE_DEFAULTS,
    code: 'VCDPA',
    name: 'Virginia Consumer Data Protection Act',
    jurisdiction: 'US-VA',
    source: 'Va. Code 59.1-577',
    timeZone: 'America/New_York',
    allowedTypes: US_STATE_TYPES,
    extension: extension(days(45), days(90), 1),
    // Verified in the statute's text: free of charge up to twice annually; then a reasonable fee, or decline when repetitive.
    repeats: { limits: [usStateLimit(US_STATE_TYPES, 2, 'Va. Code 59.1-577(B)(3)')], note: US_STATE_REPEAT_NOTE },
  },
  CPA: {
    ...US_STATE_DEFAULTS,
    code: 'CPA',
    name: 'Colorado Privacy Act',
    jurisdiction: 'US-CO',
    source: 'C.R.S. 6-1-1306',
    timeZone: 'America/Denver',
    allowedTypes: US_STATE_TYPES,
    // The text does not say "once"; the 90-day total is the only cap.
    extension: extension(days(45), days(90), null),
    // Not modelled: Colorado's free-request count was not re-checked against the text here.
    repeats: { limits: [], note: 'No count modelled; repetitive requests are judged by staff' },
  },
  CTDPA: {
    ...US_STATE_DEFAULTS,
    code: 'CTDPA',
    name: 'Connecticut Data Privacy Act',
    jurisdiction: 'US-CT',
    source: 'Conn. Gen. Stat. 42-518',
    timeZone: 'America/New_York',
    allowedTypes: US_STATE_TYPES,
    // Unsettled: the text does not say "once"; null (no count limit) with the 90-day total as the cap.
    extension: extension(days(45), days(90), null),
    // Our reading (text not available to re-check here): free once per 12 months, a reasonable fee for the second.
    repeats: { limits: [usStateLimit(US_STATE_TYPES, 1, 'Conn. Gen. Stat. 42-518(c)(3)')], note: US_STATE_REPEAT_NOTE },
  },
  UCPA: {
    ...US_STATE_DEFAULTS,
    code: 'UCPA',
    name: 'Utah Consumer Privacy Act',
    jurisdiction: 'US-UT',
    // The time limit does not run while fraud is suspected and the request cannot be authenticated: not modelled here.
    source: 'Utah Code 13-61-203',
    timeZone: 'America/Denver',
    // Utah grants no right to correct.
    allowedTypes: ['access', 'export', 'erasure', 'noSale'],
    extension: extension(days(45), days(90), 1),
    // Not modelled: Utah's free-request count was not re-checked against the text here.
    repeats: { limits: [], note: 'No count modelled; repetitive requests are judged by staff' },
  },
  TDPSA: {
    ...US_STATE_DEFAULTS,
    code: 'TDPSA',
    name: 'Texas Data Privacy and Security Act',
    jurisdiction: 'US-TX',
    source: 'Tex. Bus. & Com. Code 541.052',
    timeZone: 'America/Chicago',
    allowedTypes: US_STATE_TYPES,
    extension: extension(days(45), days(90), 1),
    // Our reading (text not available to re-check here): free twice annually, then a fee or decline when repetitive.
    repeats: { limits: [usStateLimit(US_STATE_TYPES, 2, 'Tex. Bus. & Com. Code 541.052(c)')], note: US_STATE_REPEAT_NOTE },
  },
  LGPD: {
    code: 'LGPD',
    name: 'Lei Geral de Protecao de Dados',
    jurisdiction: 'BR',
    source: 'Lei 13.709/2018 Art. 18-19',
    timeZone: 'America/Sao_Paulo',
    allowedTypes: EU_STYLE_TYPES,
    // Art. 19 II sets 15 days for the full access statement; applied to every type until the ANPD sets other periods.
    response: days(15),
    // Unsettled: Civil Code art. 132 would move a holiday end to the next business day; off (earlier is safe).
    rollForward: false,
    calendarId: 'BR',
    selectableCalendars: {},
    extension: NO_EXTENSION,
    acknowledgement: null,
    verification: 'required',
    stopTheClock: false,
    typeOverrides: {},
    repeats: { limits: [], note: 'LGPD Art. 18(5): requests are free of charge; no repeat count' },
  },
  PIPEDA: {
    code: 'PIPEDA',
    name: 'Personal Information Protection and Electronic Documents Act',
    jurisdiction: 'CA',
    source: 'PIPEDA s. 8(3)-(5); Sched. 1 principle 4.9.5',
    timeZone: 'America/Toronto',
    // PIPEDA grants access and amendment; it has no statutory erasure, restriction or portability right.
    allowedTypes: ['access', 'rectify'],
    response: days(30),
    // Unsettled: Interpretation Act s. 26 moves only holidays and Sundays, not Saturdays; off (earlier is safe).
    rollForward: false,
    calendarId: 'CA-FED',
    selectableCalendars: {},
    // s. 8(4)(b) allows longer to convert formats: not modelled, 30 + 30 is the cap here.
    extension: extension(days(30), days(60), null),
    acknowledgement: null,
    verification: 'required',
    stopTheClock: false,
    typeOverrides: {},
    repeats: { limits: [], note: 'PIPEDA Sched. 1, 4.9.4: no repeat count; a minimal cost may be charged if the individual is told first' },
  },
};

export const isRegulationCode = (value: string): value is RegulationCode =>
  (REGULATION_CODES as readonly string[]).includes(value);

/** The row for a code; throws REGULATION.UNKNOWN for a code read from outside that is not in the table. */
export function regulationRule(regulation: string): RegulationRule {
  if (!isRegulationCode(regulation)) {
    throw new DomainError('REGULATION.UNKNOWN', `Unknown regulation '${regulation}'; known: ${REGULATION_CODES.join(', ')}`);
  }
  return REGULATIONS[regulation];
}

export const allowedTypes = (regulation: RegulationCode): readonly RequestType[] => regulationRule(regulation).allowedTypes;

export const isTypeAllowed = (regulation: RegulationCode, type: RequestType): boolean =>
  allowedTypes(regulation).includes(type);

/** The rule for one request type: the row's defaults with that type's overrides applied. */
export function typeRuleFor(regulation: RegulationCode, type: RequestType): TypeRule {
  const rule = regulationRule(regulation);
  if (!rule.allowedTypes.includes(type)) {
    throw new DomainError(
      'REGULATION.TYPE_NOT_ALLOWED',
      `${rule.name} gives no right for '${type}' requests; allowed: ${rule.allowedTypes.join(', ')}`,
    );
  }
  const override = rule.typeOverrides[type] ?? {};
  return {
    response: override.response ?? rule.response,
    extension: override.extension ?? rule.extension,
    acknowledgement: override.acknowledgement === undefined ? rule.acknowledgement : override.acknowledgement,
    verification: override.verification ?? rule.verification,
  };
}

export const verificationPolicy = (regulation: RegulationCode, type: RequestType): VerificationPolicy =>
  typeRuleFor(regulation, type).verification;
