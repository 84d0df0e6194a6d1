// The US state privacy acts as rows of the regulations table. Sources and the readings chosen: docs/deadlines.md.
// The acts follow one model (Virginia's): 45 days, one extension of 45, an appeal decided within 60 days whose
// denial names the Attorney General. Each row states only where its act differs.

import { appealWithin, days, extension, type RegulationCode, type RegulationRule } from './regulation-rules.ts';
import { US_STATE_REPEAT_NOTE, usStateLimit } from './repeat-limits.ts';
import type { RequestType } from './request.ts';

export const US_STATE_TYPES: readonly RequestType[] = ['access', 'export', 'rectify', 'erasure', 'noSale'];
// Opt-outs may not be gated behind identity checks (only what is needed to find the consumer).
const OPT_OUT_NOT_VERIFIED = { noSale: { verification: 'notAllowed' } } as const;

const US_STATE_DEFAULTS = {
  response: days(45),
  // Conservative default: the state acts do not say a period ending on a weekend or holiday is extended.
  rollForward: false,
  calendarId: 'US-FED',
  selectableCalendars: [],
  acknowledgement: null,
  verification: 'required',
  stopTheClock: false,
  typeOverrides: OPT_OUT_NOT_VERIFIED,
  allowedTypes: US_STATE_TYPES,
} as const;

type StateRow = Pick<RegulationRule, 'code' | 'name' | 'jurisdiction' | 'source' | 'timeZone' | 'extension' | 'repeats' | 'appeal'> &
  Partial<Pick<RegulationRule, 'allowedTypes' | 'response'>>;

const state = (row: StateRow): RegulationRule => ({ ...US_STATE_DEFAULTS, ...row });
const freeCount = (max: number, source: string, types: readonly RequestType[] = US_STATE_TYPES) => ({ limits: [usStateLimit(types, max, source)], note: US_STATE_REPEAT_NOTE });
const NO_COUNT = { limits: [], note: 'No count modelled; repetitive requests are judged by staff' };
const ONCE = 1;

export const US_STATE_LAWS: Readonly<Partial<Record<RegulationCode, RegulationRule>>> = {
  VCDPA: state({
    code: 'VCDPA', name: 'Virginia Consumer Data Protection Act', jurisdiction: 'US-VA', source: 'Va. Code 59.1-577', timeZone: 'America/New_York',
    extension: extension(days(45), days(90), ONCE),
    // Verified in the statute's text: free of charge up to twice annually; then a reasonable fee, or decline when repetitive.
    repeats: freeCount(2, 'Va. Code 59.1-577(B)(3)'),
    appeal: appealWithin(60, 'Va. Code 59.1-577(C)'),
  }),
  CPA: state({
    code: 'CPA', name: 'Colorado Privacy Act', jurisdiction: 'US-CO', source: 'C.R.S. 6-1-1306', timeZone: 'America/Denver',
    // The text does not say "once"; the 90-day total is the only cap.
    extension: extension(days(45), days(90), null),
    // Not modelled: Colorado's free-request count was not re-checked against the text here.
    repeats: NO_COUNT,
    appeal: appealWithin(45, 'C.R.S. 6-1-1306(3)', 60),
  }),
  CTDPA: state({
    code: 'CTDPA', name: 'Connecticut Data Privacy Act', jurisdiction: 'US-CT', source: 'Conn. Gen. Stat. 42-518', timeZone: 'America/New_York',
    // Unsettled: the text does not say "once"; null (no count limit) with the 90-day total as the cap.
    extension: extension(days(45), days(90), null),
    // 42-518(c)(3), read in the text: free of charge once per consumer during any twelve-month period.
    repeats: freeCount(1, 'Conn. Gen. Stat. 42-518(c)(3)'),
    appeal: appealWithin(60, 'Conn. Gen. Stat. 42-518(d)'),
  }),
  UCPA: state({
    code: 'UCPA', name: 'Utah Consumer Privacy Act', jurisdiction: 'US-UT', timeZone: 'America/Denver',
    // The time limit does not run while fraud is suspected and the request cannot be authenticated: not modelled here.
    source: 'Utah Code 13-61-203',
    // The right to correct (13-61-201(4)) is in force since 1 July 2026 (2025 General Session); before, Utah had
    // none. Deletion and the copy reach only the data the consumer provided (201(2), (3)): staff scope the answer.
    // 203(2)(b): "may extend once the initial 45-day period by an additional 45 days".
    extension: extension(days(45), days(90), ONCE),
    // 203(4)(a): no fee "unless the request is the consumer's second or subsequent request during the same 12-month
    // period".
    repeats: freeCount(1, 'Utah Code 13-61-203(4)(a)'),
    // Utah is the one act without an appeal to the controller.
    appeal: null,
  }),
  TDPSA: state({
    code: 'TDPSA', name: 'Texas Data Privacy and Security Act', jurisdiction: 'US-TX', source: 'Tex. Bus. & Com. Code 541.052', timeZone: 'America/Chicago',
    // 541.052(b): "may extend the response period once by an additional 45 days".
    extension: extension(days(45), days(90), ONCE),
    // 541.052(d): free of charge "at least twice annually per consumer", then a fee or decline when repetitive.
    repeats: freeCount(2, 'Tex. Bus. & Com. Code 541.052(d)'),
    appeal: appealWithin(60, 'Tex. Bus. & Com. Code 541.053'),
  }),
  OCPA: state({
    code: 'OCPA', name: 'Oregon Consumer Privacy Act', jurisdiction: 'US-OR', source: 'ORS 646A.576', timeZone: 'America/Los_Angeles',
    extension: extension(days(45), days(90), ONCE),
    // ORS 646A.576(5)(c): the first request within a twelve-month period is free.
    repeats: freeCount(1, 'ORS 646A.576(5)(c)'),
    // ORS 646A.576(6)(d): approve or deny within 45 days; the text read gives no extension.
    appeal: appealWithin(45, 'ORS 646A.576(6)(d)'),
  }),
  MTCDPA: state({
    code: 'MTCDPA', name: 'Montana Consumer Data Privacy Act', jurisdiction: 'US-MT', source: 'Mont. Code Ann. 30-14-2808', timeZone: 'America/Denver',
    // 30-14-2808(4)(a): "may extend the response period by 45 additional days", no "once".
    extension: extension(days(45), days(90), null),
    // 30-14-2808(4)(c): free of charge once for each consumer during any 12-month period.
    repeats: freeCount(1, 'Mont. Code Ann. 30-14-2808(4)(c)'),
    // Read in the codified text: a denial gives the attorney general's complaint route. The 60 days were not read.
    appeal: appealWithin(60, 'Mont. Code Ann. 30-14-2808'),
  }),
  ICDPA: state({
    code: 'ICDPA', name: 'Iowa Consumer Data Protection Act', jurisdiction: 'US-IA', source: 'Iowa Code 715D.3', timeZone: 'America/Chicago',
    // Iowa: 90 days, extendable by 45 (715D.3(2)(a)); rights to access, delete (data the consumer provided), a copy
    // and to opt out of sale only: no correction.
    response: days(90),
    allowedTypes: ['access', 'export', 'erasure', 'noSale'],
    extension: extension(days(45), days(135), ONCE),
    repeats: freeCount(2, 'Iowa Code 715D.3(2)(c)', ['access', 'export', 'erasure', 'noSale']),
    appeal: appealWithin(60, 'Iowa Code 715D.3(3)'),
  }),
  DPDPA: state({
    code: 'DPDPA', name: 'Delaware Personal Data Privacy Act', jurisdiction: 'US-DE', source: 'Del. Code tit. 6, 12D-104', timeZone: 'America/New_York',
    // 12D-104(c)(1): "may extend the response period by 45 additional days", no "once".
    extension: extension(days(45), days(90), null),
    // 12D-104(c)(3): free of charge once per consumer during any 12-month period.
    repeats: freeCount(1, 'Del. Code tit. 6, 12D-104(c)(3)'),
    appeal: appealWithin(60, 'Del. Code tit. 6, 12D-104(d)'),
  }),
  NEDPA: state({
    code: 'NEDPA', name: 'Nebraska Data Privacy Act', jurisdiction: 'US-NE', source: 'Neb. Rev. Stat. 87-1108', timeZone: 'America/Chicago',
    // 87-1108(2): "may extend the response period once by an additional forty-five days".
    extension: extension(days(45), days(90), ONCE),
    // 87-1108(4): free of charge up to twice annually per consumer.
    repeats: freeCount(2, 'Neb. Rev. Stat. 87-1108(4)'),
    appeal: appealWithin(60, 'Neb. Rev. Stat. 87-1109'),
  }),
  NHPA: state({
    code: 'NHPA', name: 'New Hampshire Privacy Act', jurisdiction: 'US-NH', source: 'RSA 507-H:4', timeZone: 'America/New_York',
    // 507-H:4 I-II (the rights) read; III-IV (periods, count, appeal) not reached: the model's reading stands.
    extension: extension(days(45), days(90), ONCE),
    repeats: freeCount(1, 'RSA 507-H:4'),
    appeal: appealWithin(60, 'RSA 507-H:4'),
  }),
  NJDPA: state({
    code: 'NJDPA', name: 'New Jersey Data Privacy Act', jurisdiction: 'US-NJ', source: 'N.J.S.A. 56:8-166.7', timeZone: 'America/New_York',
    // 56:8-166.7(a): "may extend the response period by 45 additional days", no "once".
    extension: extension(days(45), days(90), null),
    // 56:8-166.7(d): free once per consumer during any twelve-month period.
    repeats: freeCount(1, 'N.J.S.A. 56:8-166.7(d)'),
    // Unsettled: secondary sources give 45 days; the shorter reading is the safe one (docs/deadlines.md).
    appeal: appealWithin(45, 'N.J.S.A. 56:8-166.4 et seq. (appeal)'),
  }),
  TIPA: state({
    code: 'TIPA', name: 'Tennessee Information Protection Act', jurisdiction: 'US-TN', source: 'Tenn. Code 47-18-3304', timeZone: 'America/Chicago',
    // 47-18-3304(b)(1): "may be extended once by forty-five (45) additional days".
    extension: extension(days(45), days(90), ONCE),
    repeats: freeCount(2, 'Tenn. Code 47-18-3304(b)(3)'),
    appeal: appealWithin(60, 'Tenn. Code 47-18-3304(c)'),
  }),
  MNCDPA: state({
    code: 'MNCDPA', name: 'Minnesota Consumer Data Privacy Act', jurisdiction: 'US-MN', source: 'Minn. Stat. 325M.14', timeZone: 'America/Chicago',
    // Subd. 5 is the appeal (read in the enacted bill); the periods and the count are from secondary sources.
    extension: extension(days(45), days(90), null),
    repeats: freeCount(2, 'Minn. Stat. 325M.14 subd. 4'),
    appeal: appealWithin(45, 'Minn. Stat. 325M.14 subd. 5', 60),
  }),
  MODPA: state({
    code: 'MODPA', name: 'Maryland Online Data Privacy Act', jurisdiction: 'US-MD', source: 'Md. Code, Com. Law 14-4705', timeZone: 'America/New_York',
    // 14-4705 (formerly 14-4605) (a)-(d) read; the periods and the count are from secondary sources.
    extension: extension(days(45), days(90), ONCE),
    repeats: freeCount(1, 'Md. Code, Com. Law 14-4705'),
    appeal: appealWithin(60, 'Md. Code, Com. Law 14-4705'),
  }),
  INCDPA: state({
    code: 'INCDPA', name: 'Indiana Consumer Data Protection Act', jurisdiction: 'US-IN', source: 'Ind. Code 24-15-3-1', timeZone: 'America/Indiana/Indianapolis',
    // 24-15-3-1(c)(1): "may be extended once by an additional forty-five (45) days". Correction and the copy reach
    // the data the consumer provided, and a representative summary may answer in place of a copy ((b)(2), (b)(4)).
    extension: extension(days(45), days(90), ONCE),
    // 24-15-3-1(c)(3): free of charge "up to one (1) time annually per consumer".
    repeats: freeCount(1, 'Ind. Code 24-15-3-1(c)(3)'),
    // 24-15-3-1(c)(2) sends the appeal to subsection (d); its period was not read here.
    appeal: appealWithin(60, 'Ind. Code 24-15-3-1(d)'),
  }),
  KCDPA: state({
    code: 'KCDPA', name: 'Kentucky Consumer Data Protection Act', jurisdiction: 'US-KY', source: 'KRS 367.3615', timeZone: 'America/New_York',
    // 367.3615(3), the response period and the count, not reached: the model's reading ("once", twice a year) stands.
    extension: extension(days(45), days(90), ONCE),
    repeats: freeCount(2, 'KRS 367.3615'),
    // 367.3615(4), read in the text: 60 days of receipt of the appeal, no extension; a denial names the Attorney General.
    appeal: appealWithin(60, 'KRS 367.3615(4)'),
  }),
  RIDTPPA: state({
    code: 'RIDTPPA', name: 'Rhode Island Data Transparency and Privacy Protection Act', jurisdiction: 'US-RI', source: 'R.I. Gen. Laws 6-48.1-6', timeZone: 'America/New_York',
    // 6-48.1-6(b)(1): "may extend the response period by forty-five (45) additional days", no "once".
    extension: extension(days(45), days(90), null),
    // 6-48.1-6(b)(3): free once per customer during any twelve-month period.
    repeats: freeCount(1, 'R.I. Gen. Laws 6-48.1-6(b)(3)'),
    appeal: appealWithin(60, 'R.I. Gen. Laws 6-48.1-6(b)(4)'),
  }),
};
