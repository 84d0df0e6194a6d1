import type { ExportFormat } from '../../domain/data-model.ts';

// What the subject reads about their export: plain words, the request id to refer to, no data beyond counts.

const FORMAT_NAMES: Record<ExportFormat, string> = { csv: 'CSV', json: 'JSON', xml: 'XML', docx: 'DOCX (Word)', pdf: 'PDF' };
const count = (n: number) => n.toLocaleString('en-GB');

export interface SkippedFormat {
  format: ExportFormat;
  rows: number;
  limit: number;
}

/** One line per format not made: which, how many rows the subject's data has, the most the format holds. */
export const skippedFormatLines = (skipped: readonly SkippedFormat[], filesWritten: number) =>
  skipped.map(
    (s) =>
      `${FORMAT_NAMES[s.format]}: not made. Your data has ${count(s.rows)} records, more than the ${count(s.limit)} we put in one ${FORMAT_NAMES[s.format]} file: ` +
      `a longer document is too slow to open and read. ${filesWritten > 1 ? 'The files above hold' : 'The file above holds'} all of your data.`,
  );

export function downloadLinkEmail(f: { requestId: string; links: readonly string[]; expiresAt: string; skipped: readonly SkippedFormat[]; disclosure?: readonly string[] }) {
  const many = f.links.length > 1;
  const skipped = f.skipped.length > 0 ? `\n${f.skipped.length > 1 ? 'Formats' : 'A format'} you asked for could not be made:\n${skippedFormatLines(f.skipped, f.links.length).join('\n')}\n` : '';
  return {
    subject: `Your data export for request ${f.requestId}`,
    text:
      `The copy of your personal data you asked for (request ${f.requestId}) is ready.\n\n` +
      `${f.links.join('\n')}\n` +
      skipped +
      `\nThe link${many ? 's work' : ' works'} until ${f.expiresAt.slice(0, 10)}; after that the file${many ? 's are' : ' is'} deleted.\n` +
      `Each file carries a manifest listing what it contains.\n` +
      (f.disclosure?.length ? `\nWhat the law asks us to tell you\n${f.disclosure.join('\n')}\n` : ''),
  };
}

export const NO_DATA_TEXT = (requestId: string) =>
  `We searched every system listed in our data inventory for the identifiers given with request ${requestId}.\n` +
  `We hold no personal data about you under them, so there is nothing to export.\n` +
  `If you have used another email address or customer number with us, reply with it and we will search again.\n`;
