import { z } from 'zod';
import type { DataModel } from './data-model.ts';

// The processing register (record of processing, GDPR Art. 30; the CCPA's notice at collection): per organization and
// per model of the data model, what an access answer must tell the person besides the copy (GDPR Art. 15(1)-(2); Cal.
// Civ. Code 1798.110, 1798.115). Parsed here, checked against the data model at worker start (docs/exports.md).

/** The categories of personal information of Cal. Civ. Code 1798.140(v)(1)(A)-(L), in the statute's words. */
export const CCPA_CATEGORIES = {
  identifiers: 'Identifiers (1798.140(v)(1)(A))',
  customer_records: 'Personal information categories listed in Cal. Civ. Code 1798.80(e) (1798.140(v)(1)(B))',
  protected_classifications: 'Characteristics of protected classifications under California or federal law (1798.140(v)(1)(C))',
  commercial_information: 'Commercial information (1798.140(v)(1)(D))',
  biometric_information: 'Biometric information (1798.140(v)(1)(E))',
  internet_activity: 'Internet or other electronic network activity information (1798.140(v)(1)(F))',
  geolocation: 'Geolocation data (1798.140(v)(1)(G))',
  sensory_data: 'Audio, electronic, visual, thermal, olfactory, or similar information (1798.140(v)(1)(H))',
  professional_information: 'Professional or employment-related information (1798.140(v)(1)(I))',
  education_information: 'Education information (1798.140(v)(1)(J))',
  inferences: 'Inferences drawn to create a profile about the consumer (1798.140(v)(1)(K))',
  sensitive_personal_information: 'Sensitive personal information (1798.140(v)(1)(L))',
} as const;
export type CcpaCategory = keyof typeof CCPA_CATEGORIES;

const phrase = z.string().trim().min(1).max(500);
const phrases = z.array(phrase).min(1).max(30);

export const modelEntrySchema = z.strictObject({
  purposes: phrases,
  /** GDPR Art. 6 (and 9) basis per purpose, in words ("contract, Art. 6(1)(b)"). */
  legalBasis: phrases,
  /** The categories of personal data the model holds, in plain words. */
  categories: phrases,
  ccpaCategories: z.array(z.enum(Object.keys(CCPA_CATEGORIES) as [CcpaCategory, ...CcpaCategory[]])).min(1),
  /** Recipients or categories of recipients / third parties the data is disclosed to (empty: none). */
  recipients: z.array(phrase).max(30),
  sold: z.array(phrase).max(30).default([]),
  shared: z.array(phrase).max(30).default([]),
  retention: phrase,
  /** Where the data came from ("you", "our payment processor", ...). */
  sources: phrases,
  /** Automated decision-making, including profiling (Art. 22): its logic and consequences; null where there is none. */
  automatedDecisions: phrase.nullable().default(null),
  transfers: z.array(z.strictObject({ to: phrase, safeguard: phrase })).max(30).default([]),
});
export type RegisterEntry = z.infer<typeof modelEntrySchema>;

export const controllerSchema = z.strictObject({ name: phrase, contact: phrase, dpo: phrase.optional() });

const organizationSchema = z.strictObject({ controller: controllerSchema, models: z.record(z.string(), modelEntrySchema) });
export type OrganizationRegister = z.infer<typeof organizationSchema>;

export const processingRegisterSchema = z.strictObject({
  version: z.literal(1),
  /** By organization id; "*" serves every organization not listed. */
  organizations: z.record(z.string().regex(/^(\*|[a-z0-9][a-z0-9-]{0,62})$/, 'an organization id or "*"'), organizationSchema).refine((o) => Object.keys(o).length > 0, 'at least one organization (or "*")'),
});
export type ProcessingRegister = z.infer<typeof processingRegisterSchema>;

export class ProcessingRegisterError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid processing register:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ProcessingRegisterError';
    this.problems = problems;
  }
}

export function parseProcessingRegister(document: unknown): ProcessingRegister {
  const result = processingRegisterSchema.safeParse(document);
  if (result.success) return result.data;
  throw new ProcessingRegisterError(result.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`));
}

/** Every organization's entry must describe every model of the data model, and nothing else. */
export function registerProblems(register: ProcessingRegister, model: DataModel): string[] {
  const names = [model.users.name, ...model.related.map((r) => r.name)];
  const problems: string[] = [];
  for (const [organization, entry] of Object.entries(register.organizations)) {
    for (const name of names) if (!entry.models[name]) problems.push(`organizations.${organization}.models: no entry for model "${name}" of the data model`);
    for (const name of Object.keys(entry.models)) if (!names.includes(name)) problems.push(`organizations.${organization}.models.${name}: not a model of the data model (${names.join(', ')})`);
  }
  return problems;
}

/** Throws ProcessingRegisterError naming each problem, so a register that does not fit stops the worker at start. */
export function checkProcessingRegister(register: ProcessingRegister, model: DataModel): void {
  const problems = registerProblems(register, model);
  if (problems.length > 0) throw new ProcessingRegisterError(problems);
}

/** The organization's register, or the "*" entry; null where neither exists. */
export const registerFor = (register: ProcessingRegister, organizationId: string): OrganizationRegister | null =>
  register.organizations[organizationId] ?? register.organizations['*'] ?? null;
