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
  controller: { name: string; contact: string; dpo?: string };
  models: ModelDisclosure[];
  /** US regimes: the right-to-know lists of 1798.110(c) and 1798.115(c), across the models held. */
  rightToKnow?: { categoriesCollected: string[]; sources: string[]; purposes: string[]; disclosedTo: string[]; soldTo: string[]; sharedTo: string[] };
  rights: string[];
  complaint: { authority: string; url: string; how: string };
}

const RIGHTS: Record<RequestType, { eu: string; us: string }> = {
  access: { eu: 'to access your personal data and receive a copy of it', us: 'to know what personal information we hold about you and to receive a copy of it' },
  export: { eu: 'to receive the data you gave us in a portable format and have it sent to another controller', us: 'to receive your data in a portable, readily usable format' },
  rectify: { eu: 'to have inaccurate data corrected and incomplete data completed', us: 'to have inaccurate personal information corrected' },
  erasure: { eu: 'to have your data erased', us: 'to have your personal information deleted' },
  restrict: { eu: 'to have the processing of your data restricted', us: 'to limit the use and disclosure of your sensitive personal information' },
  object: { eu: 'to object to processing based on our legitimate interests, and to direct marketing at any time', us: 'to object to processing' },
  noSale: { eu: 'to opt out of the sale or sharing of your data', us: 'to opt out of the sale or sharing of your personal information and of targeted advertising' },
};

const unique = (xs: Iterable<string>) => [...new Set(xs)];

/** The disclosure section for one answer: the request's regulation and organization, the models with rows for the person. */
export function buildDisclosures(input: { regulation: string; organizationId: string; register: ProcessingRegister; held: ReadonlyArray<{ name: string; displayName: string; rows: number }> }): Disclosures {
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
  const rights = rule.allowedTypes.map((t) => `The right ${us ? RIGHTS[t].us : RIGHTS[t].eu}`);
  if (!us) rights.push('The right to withdraw your consent at any time, where we rely on it, without affecting what was done before');
  if (us) rights.push('The right not to be discriminated against for exercising these rights');
  const appeal = appealRuleFor(input.regulation);
  if (appeal) rights.push(`The right to appeal our decision on a request (${appeal.source})`);
  const authority = authorityFor(input.regulation);
  return {
    regulation: rule.code,
    law: rule.name,
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
    complaint: { authority: authority.name, url: authority.complaintUrl, how: authority.howToComplain },
  };
}

export interface DisclosureSection {
  heading: string;
  lines: string[];
}

const none = (xs: readonly string[], empty: string) => (xs.length > 0 ? xs : [empty]);

/** The section as headings and lines, for the formats people read (DOCX, PDF, disclosures.txt). */
export function disclosureSections(d: Disclosures): DisclosureSection[] {
  const sections: DisclosureSection[] = [
    {
      heading: 'About this answer',
      lines: [
        `Law: ${d.law} (${d.regulation}).`,
        `Controller: ${d.controller.name}, ${d.controller.contact}${d.controller.dpo ? `; data protection officer: ${d.controller.dpo}` : ''}.`,
        'This section lists only the kinds of data we hold about you; the rest of this file is the data itself.',
      ],
    },
  ];
  if (d.rightToKnow) {
    const k = d.rightToKnow;
    sections.push({
      heading: 'What we collected, why, and who received it (Cal. Civ. Code 1798.110, 1798.115)',
      lines: [
        ...k.categoriesCollected.map((c) => `Category collected: ${c}`),
        ...k.sources.map((s) => `Source: ${s}`),
        ...k.purposes.map((p) => `Business or commercial purpose: ${p}`),
        ...none(k.disclosedTo, 'none').map((r) => `Disclosed for a business purpose to: ${r}`),
        ...none(k.soldTo, 'no one: we do not sell your personal information').map((r) => `Sold to: ${r}`),
        ...none(k.sharedTo, 'no one: we do not share your personal information for cross-context behavioural advertising').map((r) => `Shared to: ${r}`),
      ],
    });
  }
  for (const m of d.models) {
    sections.push({
      heading: `${m.displayName} (${m.rows} record${m.rows === 1 ? '' : 's'})`,
      lines: [
        `Categories of data: ${m.categories.join('; ')}.`,
        ...(m.ccpaCategories ? [`Categories under Cal. Civ. Code 1798.140(v): ${m.ccpaCategories.join('; ')}.`] : []),
        `Purposes: ${m.purposes.join('; ')}.`,
        ...(m.legalBasis ? [`Legal basis: ${m.legalBasis.join('; ')}.`] : []),
        `Recipients: ${none(m.recipients, 'none outside our organisation').join('; ')}.`,
        ...(m.soldTo.length > 0 ? [`Sold to: ${m.soldTo.join('; ')}.`] : []),
        ...(m.sharedTo.length > 0 ? [`Shared to: ${m.sharedTo.join('; ')}.`] : []),
        `How long we keep it: ${m.retention}.`,
        `Where it came from: ${m.sources.join('; ')}.`,
        `Automated decisions and profiling: ${m.automatedDecisions ?? 'none'}.`,
        ...(m.transfers.length > 0 ? m.transfers.map((t) => `Transferred to ${t.to}; safeguard: ${t.safeguard}.`) : d.rightToKnow ? [] : ['Transfers outside the EEA: none.']),
      ],
    });
  }
  sections.push({ heading: 'Your rights', lines: d.rights.map((r) => `${r}.`) });
  sections.push({ heading: 'If you are not satisfied', lines: [d.complaint.how] });
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
