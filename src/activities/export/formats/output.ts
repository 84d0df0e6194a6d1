import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { EXPORT_FORMATS, type ExportFormat, type ResolvedModel } from '../../../domain/data-model.ts';
import type { Disclosures } from '../../../domain/disclosures.ts';
import type { Messages } from '../../../locales/index.ts';
import type { RowValues } from '../../../warehouse/subject-rows.ts';

/** What every package carries about itself. Counts and hashes only: the rows are the file's content. */
export interface ExportManifest {
  format: ExportFormat;
  requestId: string;
  generatedAt: string;
  models: Array<{ name: string; displayName: string; rows: number; file?: string }>;
  /** SHA-256 of each file inside a multi-file package (CSV); a single-file format's own hash is in the exports row. */
  files?: Array<{ name: string; sha256: string; bytes: number }>;
}

export { EXPORT_FORMATS, type ExportFormat };

export { CONTENT_TYPES } from '../../../domain/export-formats.ts';

/** The facts of the request shown on a cover page (DOCX, PDF): ids, type and dates, no personal data beyond the rows. */
export interface ExportFacts {
  requestId: string;
  type: string;
  regulation: string;
  receivedAt: string;
  generatedAt: string;
  /** What the law asks the answer to say besides the data (domain/disclosures.ts): a small prefix of every format. */
  disclosures: Disclosures;
  /** The file's own words in the request's language (src/locales `exportFile`, the disclosures' language). */
  words: Messages['exportFile'];
  /** The right exercised as the subject reads it ("access", "Antrag auf Auskunft"). */
  typeInText: string;
}

/** One format's writer: models arrive in order, rows in key order; finish() ends the output stream. */
export interface ExportSink {
  beginModel(model: ResolvedModel, rowCount: number): void | Promise<void>;
  row(values: RowValues): void | Promise<void>;
  endModel(): void | Promise<void>;
  finish(manifest: ExportManifest): Promise<void>;
}

/** Batches small writes into ~64 KiB chunks and honours backpressure: write() returns a promise only when full. */
export class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;
  private readonly out: Writable;
  private readonly chunkSize: number;
  constructor(out: Writable, chunkSize = 64 * 1024) {
    this.out = out;
    this.chunkSize = chunkSize;
  }

  write(text: string): void | Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.chunkSize) return this.flush();
  }

  flush(): void | Promise<void> {
    if (this.size === 0) return;
    const ok = this.out.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    if (!ok) return once(this.out, 'drain').then(() => undefined);
  }

  async end(): Promise<void> {
    await this.flush();
    const finished = once(this.out, 'finish');
    this.out.end();
    await finished;
  }
}
