import type { CommonQueryMethods } from 'slonik';
import type { RequestRow } from '../db/requests.ts';
import { mintStatusLink } from '../db/privacy-center.ts';
import { authorityFor } from '../domain/authorities.ts';
import { isRegulationCode, REGULATIONS } from '../domain/regulations.ts';
import type { DisclosureLanguage } from '../domain/disclosures.ts';
import { formatDate, localeOf, messagesFor } from '../locales/index.ts';

// Every email to a data subject is written in the language stored with their request and ends with a private link
// to the request's status page (docs/privacy-center.md). A fresh link per email: only its hash is stored.

export const subjectMessages = (request: Pick<RequestRow, 'locale'>) => messagesFor(request.locale);

/** A date of the request as the subject reads it: in their language, on the law's clock. */
export const subjectDate = (request: Pick<RequestRow, 'locale' | 'regulation'>, instant: string) =>
  formatDate(request.locale, instant, isRegulationCode(request.regulation) ? REGULATIONS[request.regulation].timeZone : 'UTC');

/** The closing lines of a subject email: the reference and the private status link. */
export async function statusFooter(deps: { pool: CommonQueryMethods; publicUrl: string }, request: Pick<RequestRow, 'id' | 'locale'>): Promise<string> {
  const t = messagesFor(request.locale);
  const token = await mintStatusLink(deps.pool, request.id);
  return `\n${t.email.reference(request.id)}\n\n${t.email.statusLink(`${deps.publicUrl}/privacy/status/${token}`)}\n`;
}

/**
 * Where the subject may complain about the request's regime, in their language: GDPR Art. 77 written out, elsewhere
 * the authority's name and address in a sentence (English keeps the law table's own sentence).
 */
export function complaintSentence(request: Pick<RequestRow, 'locale' | 'regulation'>): string {
  const a = authorityFor(request.regulation);
  return messagesFor(request.locale).email.complaint({ name: a.name, url: a.complaintUrl, gdpr: request.regulation === 'GDPR', asWritten: a.howToComplain });
}

/** The language of an access answer's own sentences (rights, complaint, the files' labels): the request's. */
export const disclosureLanguage = (request: Pick<RequestRow, 'locale' | 'regulation'>): DisclosureLanguage => ({
  code: localeOf(request.locale),
  words: messagesFor(request.locale).exportFile.disclosures,
  complaint: complaintSentence(request),
});
