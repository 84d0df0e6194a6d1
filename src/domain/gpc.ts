import { isTypeAllowed, type RegulationCode } from './regulations.ts';

// Global Privacy Control (docs/privacy-center.md): a browser's `Sec-GPC: 1` (or navigator.globalPrivacyControl) is,
// where a law says so, a valid request to opt out of the sale and sharing of personal information, to be honoured
// without identity verification. Laws that give the opt-out but do not (yet) make browser signals binding are left
// out: there the Privacy Center still offers the opt-out, it only does not treat the signal as the request itself.

export interface GpcRule {
  /** Where the law makes a universal opt-out signal binding. */
  source: string;
}

/** The regulations under which a GPC signal is a request to opt out of sale/sharing. */
export const GPC_OPT_OUT_RULES: Readonly<Partial<Record<RegulationCode, GpcRule>>> = {
  CCPA: { source: 'Cal. Civ. Code 1798.135(e); 11 CCR 7025 (opt-out preference signals)' },
  CPA: { source: 'C.R.S. 6-1-1306(1)(a)(IV); 4 CCR 904-3 Rule 5 (universal opt-out mechanisms, since 1 July 2024)' },
  CTDPA: { source: 'Conn. Gen. Stat. 42-520(a)(6) (opt-out preference signals, since 1 January 2025)' },
  TDPSA: { source: 'Tex. Bus. & Com. Code 541.055(e) (global privacy control, since 1 January 2025)' },
};

/** Does a GPC signal opt this person out of sale/sharing under their regulation? */
export const gpcIsOptOut = (regulation: RegulationCode): boolean => Object.hasOwn(GPC_OPT_OUT_RULES, regulation) && isTypeAllowed(regulation, 'noSale');

/** The `Sec-GPC` request header: exactly "1" is a signal (the spec's only value); anything else is none. */
export const gpcHeaderSignals = (value: string | undefined | null): boolean => value?.trim() === '1';
