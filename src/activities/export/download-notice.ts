import type { ExportFormat } from '../../domain/data-model.ts';
import type { Messages } from '../../locales/index.ts';

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

/** The download email, in the subject's language (`t`, `date` already formatted for them); English keeps its own skipped-format lines. */
export function downloadLinkEmail(f: { requestId: string; links: readonly string[]; expiresOn: string; skipped: readonly SkippedFormat[]; t: Messages; english: boolean; disclosure?: readonly string[] }) {
  const lines = f.english ? skippedFormatLines(f.skipped, f.links.length) : f.skipped.map((s) => f.t.email.skippedLine(FORMAT_NAMES[s.format], s.rows, s.limit));
  const heading = f.english ? `${f.skipped.length > 1 ? 'Formats' : 'A format'} you asked for could not be made:` : f.t.email.skippedHeading;
  const skipped = f.skipped.length > 0 ? `\n\n${heading}\n${lines.join('\n')}` : '';
  // The short disclosure: labels and the complaint in the subject's language, the register's own words as written.
  const disclosure = f.disclosure?.length ? `\n\n${f.t.email.disclosureHeading}\n${f.disclosure.join('\n')}` : '';
  return {
    subject: f.t.email.downloadSubject(f.requestId),
    text: `${f.t.email.downloadText(f.requestId, `${f.links.join('\n')}${skipped}`, f.expiresOn)}${disclosure}\n`,
  };
}
