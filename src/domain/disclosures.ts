// What an access answer must say besides the copy of the data, built for the request's regulation: GDPR Art. 15(1)-(2)
// (purposes, categories, recipients, retention, rights, complaint, source, automated decisions, transfer safeguards)
// and Cal. Civ. Code 1798.110 / 1798.115 (categories collected, sources, purposes, third parties disclosed, sold or
// shared to). Only the models that hold rows for this person are listed. Pure: every export format renders this.

import { appealRuleFor } from './appeals.ts';
import { authorityFor } from './authorities.ts';
import { CCPA_CATEGORIES, registerFor, type ProcessingRegister } from './processing-register.ts';
import { regulationRule } from './regulations.ts';
import type { RequestType } from './request.ts';

export interface ModelDisclosure {
  name: string;
  displayName: string;
  rows: number;
  purposes: string[];
  /** GDPR-style regimes only (a US answer names no legal basis). */
  legalBasis?: string[];
  categories: string[];
  /** US regimes: the categories of Cal. Civ. Code 1798.140(v)(1), in the statute's words. */
  ccpaCategories?: string[];
  recipients: string[];
  soldTo: string[];
  sharedTo: string[];
  retention: string;
  sources: string[];
  automatedDecisions: string | null;
  transfers: Array<{ to: string; safeguard: string }>;
}

export interface Disclosures {
  regulation: string;
  law: string;
  /** The language of the answer's own sentences (rights, complaint, the files' labels): 'en', 'de', 'fr' or 'es'. */
  language: string;
  controller: { name: string; contact: string; dpo?: string };
  models: ModelDisclosure[];
  /** US regimes: the right-to-know lists of 1798.110(c) and 1798.115(c), across the models held. */
  rightToKnow?: { categoriesCollected: string[]; sources: string[]; purposes: string[]; disclosedTo: string[]; soldTo: string[]; sharedTo: string[] };
  rights: string[];
  complaint: { authority: string; url: string; how: string };
}

/**
 * The answer's own words in the subject's language (src/locales: `exportFile.disclosures`). The register's words
 * (names, purposes, categories, recipients, retention) and the law tables' names stay as written.
 */
export interface DisclosureWords {
  aboutHeading: string;
  law(law: string, code: string): string;
  controller(name: string, contact: string, dpo: string | undefined): string;
  onlyWhatIsHeld: string;
  rightToKnowHeading: string;
  categoryCollected(category: string): string;
  source(source: string): string;
  businessPurpose(purpose: string): string;
  disclosedTo(recipient: string): string;
  soldTo(who: string): string;
  sharedTo(who: string): string;
  disclosedToNone: string;
  soldToNone: string;
  sharedToNone: string;
  modelHeading(displayName: string, rows: number): string;
  categories(list: string): string;
  ccpaCategories(list: string): string;
  purposes(list: string): string;
  legalBasis(list: string): string;
  recipients(list: string): string;
  retention(text: string): string;
  sources(list: string): string;
  automatedDecisions(text: string | null): string;
  transfer(to: string, safeguard: string): string;
  noTransfers: string;
  rightsHeading: string;
  complaintHeading: string;
  /** One sentence per right, without its full stop: GDPR-style regimes (`eu`) and US ones (`us`). */
  rights: {
    eu: Record<RequestType, string>;
    us: Record<RequestType, string>;
    withdrawConsent: string;
    nonDiscrimination: string;
    appeal(source: string): string;
  };
}

/** The language an answer is written in. */
export interface DisclosureLanguage {
  code: string;
  words: DisclosureWords;
  /** Where to complain, already in this language: the refusal's sentence (activities/subject-mail.ts). */
  complaint: string;
}

const unique = (xs: Iterable<string>) => [...new Set(xs)];

/** The disclosure section for one answer: the request's regulation and organization, the models with rows for the person. */
export function buildDisclosures(input: {
  regulation: string;
  organizationId: string;
  register: ProcessingRegister;
  held: ReadonlyArray<{ name: string; displayName: string; rows: number }>;
  language: DisclosureLanguage;
}): Disclosures {
  const rule = regulationRule(input.regulation);
  const us = rule.jurisdiction.startsWith('US-');
  const entry = registerFor(input.register, input.organizationId);
  if (!entry) throw new Error(`the processing register has no entry for organization ${input.organizationId} and no "*" entry`);
  const models: ModelDisclosure[] = input.held
    .filter((m) => m.rows > 0)
    .map((m) => {
      const r = entry.models[m.name];
      if (!r) throw new Error(`the processing register has no entry for model ${m.name}`);
      return {
        name: m.name,
        displayName: m.displayName,
        rows: m.rows,
        purposes: r.purposes,
        ...(us ? { ccpaCategories: r.ccpaCategories.map((c) => CCPA_CATEGORIES[c]) } : { legalBasis: r.legalBasis }),
        categories: r.categories,
        recipients: r.recipients,
        soldTo: r.sold,
        sharedTo: r.shared,
        retention: r.retention,
        sources: r.sources,
        automatedDecisions: r.automatedDecisions,
        transfers: r.transfers,
      };
    });
  const said = input.language.words.rights;
  const rights = rule.allowedTypes.map((t) => (us ? said.us[t] : said.eu[t]));
  rights.push(us ? said.nonDiscrimination : said.withdrawConsent);
  const appeal = appealRuleFor(input.regulation);
  if (appeal) rights.push(said.appeal(appeal.source));
  const authority = authorityFor(input.regulation);
  return {
    regulation: rule.code,
    law: rule.name,
    language: input.language.code,
    controller: entry.controller,
    models,
    ...(us
      ? {
          rightToKnow: {
            categoriesCollected: unique(models.flatMap((m) => m.ccpaCategories ?? [])),
            sources: unique(models.flatMap((m) => m.sources)),
            purposes: unique(models.flatMap((m) => m.purposes)),
            disclosedTo: unique(models.flatMap((m) => m.recipients)),
            soldTo: unique(models.flatMap((m) => m.soldTo)),
            sharedTo: unique(models.flatMap((m) => m.sharedTo)),
          },
        }
      : {}),
    rights,
    complaint: { authority: authority.name, url: authority.complaintUrl, how: input.language.complaint },
  };
}

export interface DisclosureSection {
  heading: string;
  lines: string[];
}

const none = (xs: readonly string[], empty: string) => (xs.length > 0 ? xs : [empty]);

/** The section as headings and lines in the answer's language, for the formats people read (DOCX, PDF, disclosures.txt). */
export function disclosureSections(d: Disclosures, w: DisclosureWords): DisclosureSection[] {
  const sections: DisclosureSection[] = [
    { heading: w.aboutHeading, lines: [w.law(d.law, d.regulation), w.controller(d.controller.name, d.controller.contact, d.controller.dpo), w.onlyWhatIsHeld] },
  ];
  if (d.rightToKnow) {
    const k = d.rightToKnow;
    sections.push({
      heading: w.rightToKnowHeading,
      lines: [
        ...k.categoriesCollected.map(w.categoryCollected),
        ...k.sources.map(w.source),
        ...k.purposes.map(w.businessPurpose),
        ...none(k.disclosedTo, w.disclosedToNone).map(w.disclosedTo),
        ...none(k.soldTo, w.soldToNone).map(w.soldTo),
        ...none(k.sharedTo, w.sharedToNone).map(w.sharedTo),
      ],
    });
  }
  for (const m of d.models) {
    sections.push({
      heading: w.modelHeading(m.displayName, m.rows),
      lines: [
        w.categories(m.categories.join('; ')),
        ...(m.ccpaCategories ? [w.ccpaCategories(m.ccpaCategories.join('; '))] : []),
        w.purposes(m.purposes.join('; ')),
        ...(m.legalBasis ? [w.legalBasis(m.legalBasis.join('; '))] : []),
        w.recipients(m.recipients.join('; ')),
        ...(m.soldTo.length > 0 ? [`${w.soldTo(m.soldTo.join('; '))}.`] : []),
        ...(m.sharedTo.length > 0 ? [`${w.sharedTo(m.sharedTo.join('; '))}.`] : []),
        w.retention(m.retention),
        w.sources(m.sources.join('; ')),
        w.automatedDecisions(m.automatedDecisions),
        ...(m.transfers.length > 0 ? m.transfers.map((t) => w.transfer(t.to, t.safeguard)) : d.rightToKnow ? [] : [w.noTransfers]),
      ],
    });
  }
  sections.push({ heading: w.rightsHeading, lines: d.rights.map((r) => `${r}.`) });
  sections.push({ heading: w.complaintHeading, lines: [d.complaint.how] });
  return sections;
}

/** The labels of the short version, in the subject's language (src/locales: `email.disclosureLines`). */
export interface DisclosureLineWords {
  held(names: string): string;
  categories(list: string): string;
  purposes(list: string): string;
  recipients(list: string): string;
  soldAndShared(sold: string, shared: string): string;
  fullStatement(rightToKnow: boolean): string;
}

/**
 * The short version for the download email: what kinds of data, why, to whom, and where to complain (`complaint`,
 * already in the subject's language). The labels are `words`; the register's own names, categories and purposes
 * stay as the organization wrote them.
 */
export function disclosureSummary(d: Disclosures, words: DisclosureLineWords, complaint: string): string[] {
  const categories = d.rightToKnow ? d.rightToKnow.categoriesCollected : unique(d.models.flatMap((m) => m.categories));
  const recipients = unique(d.models.flatMap((m) => m.recipients));
  return [
    words.held(d.models.map((m) => m.displayName).join(', ')),
    words.categories(categories.join('; ')),
    words.purposes(unique(d.models.flatMap((m) => m.purposes)).join('; ')),
    words.recipients(recipients.join('; ')),
    ...(d.rightToKnow ? [words.soldAndShared(d.rightToKnow.soldTo.join('; '), d.rightToKnow.sharedTo.join('; '))] : []),
    complaint,
    words.fullStatement(Boolean(d.rightToKnow)),
  ];
}
