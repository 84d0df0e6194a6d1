// Where a person lives decides which law answers their request, and so which rights the Privacy Center offers.
// One table of places; the law is found in the regulations table by its `jurisdiction`, so a row added there for a
// US state, a Canadian province or a country (e.g. jurisdiction 'US-OR', 'CA-QC', 'CH') is picked up with no change here.

import { REGULATION_CODES, REGULATIONS, type RegulationCode } from './regulations.ts';
import type { RequestType } from './request.ts';

/** EU member states and the EEA countries that apply the GDPR (Iceland, Liechtenstein, Norway). */
export const GDPR_COUNTRIES = [
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL',
  'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO',
] as const;

/** The countries the form lists, ISO 3166-1 alpha-2; names come from Intl.DisplayNames in the reader's language. */
export const RESIDENCE_COUNTRIES = [...GDPR_COUNTRIES, 'GB', 'CH', 'US', 'CA', 'BR'] as const;
export type ResidenceCountry = (typeof RESIDENCE_COUNTRIES)[number];

/** US states and DC, and Canadian provinces and territories, with their names (proper nouns: not translated). */
export const US_STATES: Readonly<Record<string, string>> = {
  AL: 'Alabama', AK: 'Alaska', AZ: 'Arizona', AR: 'Arkansas', CA: 'California', CO: 'Colorado', CT: 'Connecticut', DE: 'Delaware',
  DC: 'District of Columbia', FL: 'Florida', GA: 'Georgia', HI: 'Hawaii', ID: 'Idaho', IL: 'Illinois', IN: 'Indiana', IA: 'Iowa',
  KS: 'Kansas', KY: 'Kentucky', LA: 'Louisiana', ME: 'Maine', MD: 'Maryland', MA: 'Massachusetts', MI: 'Michigan', MN: 'Minnesota',
  MS: 'Mississippi', MO: 'Missouri', MT: 'Montana', NE: 'Nebraska', NV: 'Nevada', NH: 'New Hampshire', NJ: 'New Jersey',
  NM: 'New Mexico', NY: 'New York', NC: 'North Carolina', ND: 'North Dakota', OH: 'Ohio', OK: 'Oklahoma', OR: 'Oregon',
  PA: 'Pennsylvania', RI: 'Rhode Island', SC: 'South Carolina', SD: 'South Dakota', TN: 'Tennessee', TX: 'Texas', UT: 'Utah',
  VT: 'Vermont', VA: 'Virginia', WA: 'Washington', WV: 'West Virginia', WI: 'Wisconsin', WY: 'Wyoming',
};
export const CA_PROVINCES: Readonly<Record<string, string>> = {
  AB: 'Alberta', BC: 'British Columbia', MB: 'Manitoba', NB: 'New Brunswick', NL: 'Newfoundland and Labrador', NS: 'Nova Scotia',
  NT: 'Northwest Territories', NU: 'Nunavut', ON: 'Ontario', PE: 'Prince Edward Island', QC: 'Québec', SK: 'Saskatchewan', YT: 'Yukon',
};

/** Countries where the region (state, province) decides the law. */
export const REGIONS: Readonly<Partial<Record<ResidenceCountry, Readonly<Record<string, string>>>>> = { US: US_STATES, CA: CA_PROVINCES };

export interface Residence {
  country: ResidenceCountry;
  /** US state or Canadian province code; required where REGIONS lists the country. */
  region?: string | undefined;
}

/**
 * The jurisdictions that may answer for a residence, most specific first, as the regulations table writes them:
 * a state or province's own law ('US-CA', 'CA-QC'), then the country's ('CA' for PIPEDA, 'CH'), then the union's.
 * No entry for a US state without a row: no federal privacy law gives these rights.
 */
export function jurisdictionsFor(r: Residence): string[] {
  const own = r.region ? [`${r.country}-${r.region}`] : [];
  if (r.country === 'US') return own;
  if ((GDPR_COUNTRIES as readonly string[]).includes(r.country)) return [r.country, 'EU/EEA'];
  if (r.country === 'GB') return ['GB', 'United Kingdom'];
  return [...own, r.country];
}

/** The law that answers for this residence, or null where no row of the regulations table covers it. */
export function regulationFor(r: Residence): RegulationCode | null {
  for (const jurisdiction of jurisdictionsFor(r)) {
    const code = REGULATION_CODES.find((c) => REGULATIONS[c].jurisdiction === jurisdiction);
    if (code) return code;
  }
  return null;
}

/** The rights the Privacy Center offers: the law's allowed types, in the order of the vocabulary. */
export function rightsFor(r: Residence): readonly RequestType[] {
  const code = regulationFor(r);
  return code ? REGULATIONS[code].allowedTypes : [];
}

export const isResidenceCountry = (value: string): value is ResidenceCountry => (RESIDENCE_COUNTRIES as readonly string[]).includes(value);

/** A residence read from a form: the country known, and the region known for it when the country has regions. */
export function parseResidence(country: string | undefined, region: string | undefined): Residence | { problem: 'country' | 'region' } {
  if (!country || !isResidenceCountry(country)) return { problem: 'country' };
  const regions = REGIONS[country];
  if (!regions) return { country };
  if (!region || !Object.hasOwn(regions, region)) return { problem: 'region' };
  return { country, region };
}

/** The residence as stored with the request: 'DE', 'US-CA'. */
export const residenceCode = (r: Residence): string => (r.region ? `${r.country}-${r.region}` : r.country);
