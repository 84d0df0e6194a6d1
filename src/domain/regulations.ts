// The legal regimes as one table of data (per /work/shared/REGULATIONS.md): the engine reads rows, never branches on a code.
// The row type is in regulation-rules.ts, the US state acts in us-state-laws.ts; sources in docs/deadlines.md.

import { EU_EEA_CALENDAR_IDS, UK_CALENDAR_IDS } from './calendars.ts';
import { DomainError } from './errors.ts';
import {
  businessDays,
  days,
  extension,
  months,
  NO_EXTENSION,
  REGULATION_CODES,
  type RegulationCode,
  type RegulationRule,
  type TypeRule,
  type VerificationPolicy,
} from './regulation-rules.ts';
import { JUDGED_REPEATS } from './repeat-limits.ts';
import type { RequestType } from './request.ts';
import { US_STATE_LAWS } from './us-state-laws.ts';

export { REGULATION_CODES } from './regulation-rules.ts';
export type {
  AcknowledgementRule,
  AppealRule,
  ExtensionRule,
  Period,
  PeriodUnit,
  RegulationCode,
  RegulationRule,
  TypeRule,
  VerificationPolicy,
} from './regulation-rules.ts';

const EU_STYLE_TYPES: readonly RequestType[] = ['access', 'export', 'rectify', 'erasure', 'restrict', 'object'];

const OTHER_LAWS = {
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
    // The member state where the controller is established (organization setting) or named on the request.
    selectableCalendars: EU_EEA_CALENDAR_IDS,
    extension: extension(months(2), months(3), null),
    acknowledgement: null,
    verification: 'required',
    // Unsettled: Art. 12(6) is silent on pausing for identity checks; default false.
    stopTheClock: false,
    typeOverrides: {},
    repeats: { ...JUDGED_REPEATS, note: `GDPR Art. 12(5). ${JUDGED_REPEATS.note}` },
    // No appeal to the controller: a complaint to the supervisory authority (Art. 77) or a court (Art. 79).
    appeal: null,
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
    selectableCalendars: UK_CALENDAR_IDS,
    extension: extension(months(2), months(3), null),
    acknowledgement: null,
    verification: 'required',
    stopTheClock: true,
    typeOverrides: {},
    repeats: { ...JUDGED_REPEATS, note: `UK GDPR Art. 12(5) (ICO: also vexatious requests). ${JUDGED_REPEATS.note}` },
    appeal: null,
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
    selectableCalendars: [],
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
    // The CCPA grants no appeal to the business; consumers complain to the CPPA or the Attorney General.
    appeal: null,
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
    selectableCalendars: [],
    extension: NO_EXTENSION,
    acknowledgement: null,
    verification: 'required',
    stopTheClock: false,
    typeOverrides: {},
    repeats: { limits: [], note: 'LGPD Art. 18(5): requests are free of charge; no repeat count' },
    appeal: null,
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
    selectableCalendars: ['CA-QC'],
    // s. 8(4)(b) allows longer to convert formats: not modelled, 30 + 30 is the cap here.
    extension: extension(days(30), days(60), null),
    acknowledgement: null,
    verification: 'required',
    stopTheClock: false,
    typeOverrides: {},
    repeats: { limits: [], note: 'PIPEDA Sched. 1, 4.9.4: no repeat count; a minimal cost may be charged if the individual is told first' },
    // A complaint to the Privacy Commissioner (s. 11), not an appeal to the organization.
    appeal: null,
  },
  QC_LAW25: {
    code: 'QC_LAW25',
    name: 'Quebec Act respecting the protection of personal information in the private sector (as amended by Law 25)',
    jurisdiction: 'CA-QC',
    source: 'CQLR c. P-39.1, ss. 27, 28, 28.1, 30, 32, 33 (as amended by S.Q. 2021, c. 25)',
    timeZone: 'America/Toronto',
    // Access (s. 27) with a structured copy (s. 27, 3rd para., since Sept 2024), rectification and deletion of
    // information that is outdated or not justified (s. 28); cessation of dissemination (s. 28.1) is not a type here.
    allowedTypes: ['access', 'export', 'rectify', 'erasure'],
    // s. 32: a written answer within 30 days of receipt; no answer in time is a deemed refusal.
    response: days(30),
    // Unsettled: the Interpretation Act (CQLR c. I-16, s. 52) moves a deadline off a holiday; off (earlier is safe).
    rollForward: false,
    calendarId: 'CA-QC',
    selectableCalendars: [],
    // The private-sector Act has no extension (the 10-day extension of s. 47 is in the public-sector Access Act).
    extension: NO_EXTENSION,
    acknowledgement: null,
    // s. 30: the request is made by a person who proves their identity.
    verification: 'required',
    stopTheClock: false,
    typeOverrides: {},
    repeats: { limits: [], note: 'CQLR c. P-39.1 s. 33: access is free; a reasonable charge may be made for transcription, reproduction or transmission (the person is told first); no repeat count' },
    // A refusal goes to the Commission d'acces a l'information (s. 42, within 30 days), not to the enterprise.
    appeal: null,
  },
  FADP: {
    code: 'FADP',
    name: 'Swiss Federal Act on Data Protection (revised, in force 1 September 2023)',
    jurisdiction: 'CH',
    source: 'FADP (SR 235.1) Art. 25, 26, 28, 32; Data Protection Ordinance (SR 235.11) Art. 16-19',
    timeZone: 'Europe/Zurich',
    allowedTypes: EU_STYLE_TYPES,
    // DPO Art. 18(1): information within 30 days; applied to every type (the Act sets no period for the others).
    response: days(30),
    // Unsettled: no counting rule in the DPO; off (earlier is safe).
    rollForward: false,
    calendarId: 'CH',
    selectableCalendars: [],
    // DPO Art. 18(2): if 30 days are not enough, tell the person within them and name the period. The text sets no
    // maximum; our reading caps it at a further 30 days (60 from receipt), beyond which staff must decide explicitly.
    extension: extension(days(30), days(60), null),
    acknowledgement: null,
    // DPO Art. 16(5): the controller takes adequate measures to identify the person.
    verification: 'required',
    stopTheClock: false,
    typeOverrides: {},
    repeats: { limits: [], note: 'FADP Art. 25(6), DPO Art. 19: free; a share of the costs (at most CHF 300) when the effort is disproportionate, the person told first; manifestly unfounded or querulous requests may be refused (Art. 26(1)(c))' },
    // No appeal to the controller: a report to the FDPIC (Art. 49) or a civil action (Art. 32).
    appeal: null,
  },
} satisfies Partial<Record<RegulationCode, RegulationRule>>;

export const REGULATIONS: Readonly<Record<RegulationCode, RegulationRule>> = Object.fromEntries(
  REGULATION_CODES.map((code) => [code, ({ ...OTHER_LAWS, ...US_STATE_LAWS } as Partial<Record<RegulationCode, RegulationRule>>)[code]!]),
) as Record<RegulationCode, RegulationRule>;

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
