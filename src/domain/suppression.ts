import type { RequestType } from './request.ts';

// Restriction (GDPR Art. 18), objection (Art. 21) and opt-out of sale/sharing (CCPA 1798.120/135) end in a
// suppression: a record per subject and scope that downstream systems read (warehouse table) or receive (signed
// destination events) and honour until staff lift it with a reason.

export const SUPPRESSION_SCOPES = ['all_processing', 'marketing', 'sale_sharing', 'profiling'] as const;
export type SuppressionScope = (typeof SUPPRESSION_SCOPES)[number];

export const SUPPRESSION_TYPES = ['restrict', 'object', 'noSale'] as const satisfies readonly RequestType[];
export type SuppressionType = (typeof SUPPRESSION_TYPES)[number];

export const isSuppressionType = (type: RequestType): type is SuppressionType => (SUPPRESSION_TYPES as readonly string[]).includes(type);

/**
 * Scopes a request of each type may ask for, and what it gets when it names none:
 * - restrict: processing other than storage stops while accuracy or lawfulness is checked (Art. 18(2)): all processing.
 * - object: direct marketing (absolute, Art. 21(2)-(3)) and profiling are the usual objects; the subject may also
 *   object to all processing based on legitimate interests (Art. 21(1)).
 * - noSale: sale and sharing only (CCPA); no other scope.
 */
export const SUPPRESSION_RULES: Record<SuppressionType, { allowed: readonly SuppressionScope[]; defaults: readonly SuppressionScope[] }> = {
  restrict: { allowed: ['all_processing'], defaults: ['all_processing'] },
  object: { allowed: ['all_processing', 'marketing', 'profiling'], defaults: ['marketing', 'profiling'] },
  noSale: { allowed: ['sale_sharing'], defaults: ['sale_sharing'] },
};

/** The scopes a request ends with: the ones it named (checked by the API) or its type's defaults. */
export const scopesFor = (type: SuppressionType, named: readonly SuppressionScope[] | null | undefined): SuppressionScope[] =>
  [...new Set(named && named.length > 0 ? named : SUPPRESSION_RULES[type].defaults)].sort();
