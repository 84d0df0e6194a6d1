import type { Writable } from 'node:stream';
import { activityContext } from '../activity-context.ts';
import type { ExportFormat, ResolvedModel } from '../../domain/data-model.ts';
import type { SubjectReader } from '../../warehouse/subject-rows.ts';
import { disclosureSections, type Disclosures, type DisclosureWords } from '../../domain/disclosures.ts';
import { createCsvPackage } from './formats/csv.ts';
import { createDocxSink } from './formats/docx.ts';
import { createJsonSink } from './formats/json.ts';
import type { ExportFacts, ExportManifest, ExportSink } from './formats/output.ts';
import { createPdfSink } from './formats/pdf.ts';
import { createXmlSink } from './formats/xml.ts';

/**
 * Progress heartbeated to Temporal while a file is written. It tells an operator how far the file is; a retried
 * attempt does not resume from it. A retry skips the formats already ready (their exports rows) and rewrites a file
 * cut off midway from its start, in the retry's own snapshot: continuing it from a key would put rows of two
 * snapshots into one file, and a zip entry cannot be continued by another attempt anyway.
 */
export interface ExportProgress {
  format: ExportFormat;
  model: string;
  /** Rows of the model written so far (row-by-row formats); null for CSV, whose lines PostgreSQL writes (COPY). */
  rows: number | null;
  /** Key of the last row written (row-by-row formats); null for CSV: COPY's output carries the model's columns only. */
  lastKey: string | null;
  /** Bytes of the model's file streamed so far (CSV). */
  bytes?: number;
  formatsReady: ExportFormat[];
}

/** A heartbeat every 5,000 rows (row-by-row formats) or every MiB of CSV (~13,000 rows of the demo warehouse). */
const HEARTBEAT_ROWS = 5_000;
const HEARTBEAT_BYTES = 1024 * 1024;

/** Reports progress to Temporal (the SDK throttles what it sends) and stops the export when it was cancelled. */
export function heartbeat(progress: ExportProgress): void {
  const ctx = activityContext();
  if (!ctx) return; // called outside an activity (tests, scripts): nothing to report to
  ctx.heartbeat(progress);
  if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new Error('export cancelled');
}

function sinkFor(format: Exclude<ExportFormat, 'csv'>, out: Writable, input: PackageInput): ExportSink {
  const { facts } = input;
  switch (format) {
    case 'json':
      return createJsonSink(out, facts);
    case 'xml':
      return createXmlSink(out, facts);
    case 'docx':
      // The cover lists every model with its rows before the first row is written.
      return createDocxSink(out, facts, input.models.map((model) => ({ model, rows: input.counts[model.name]! })));
    case 'pdf':
      return createPdfSink(out, facts);
  }
}

export interface PackageInput {
  format: ExportFormat;
  reader: SubjectReader;
  models: ResolvedModel[];
  /** Rows per model, counted in the same snapshot as the rows are read. */
  counts: Record<string, number>;
  facts: ExportFacts;
  formatsReady: ExportFormat[];
}

/** Writes every model's rows, in order, as one file of the format into `out`, and ends it. */
export async function writePackage(out: Writable, input: PackageInput): Promise<void> {
  const { format, facts } = input;
  const manifest: ExportManifest = { format, requestId: facts.requestId, generatedAt: facts.generatedAt, models: [] };
  if (format === 'csv') {
    await writeCsvPackage(out, input, manifest);
    return;
  }
  const sink = sinkFor(format, out, input);
  let sinceBeat = 0;
  for (const m of input.models) {
    await sink.beginModel(m, input.counts[m.name]!);
    let lastKey: string | null = null;
    let rows = 0;
    heartbeat({ format, model: m.name, lastKey, rows, formatsReady: input.formatsReady });
    await input.reader.forEachRow(m, (values, key) => {
      rows++;
      lastKey = key;
      if (++sinceBeat >= HEARTBEAT_ROWS) {
        sinceBeat = 0;
        heartbeat({ format, model: m.name, lastKey, rows, formatsReady: input.formatsReady });
      }
      return sink.row(values);
    });
    await sink.endModel();
    manifest.models.push({ name: m.name, displayName: m.displayName, rows });
  }
  await sink.finish(manifest);
}

/** CSV: each model's file as PostgreSQL's COPY writes it, straight into its zip entry. */
async function writeCsvPackage(out: Writable, input: PackageInput, manifest: ExportManifest): Promise<void> {
  const csv = createCsvPackage(out);
  csv.addText(DISCLOSURES_FILE, disclosureText(input.facts.disclosures, input.facts.words.disclosures));
  for (const m of input.models) {
    const progress: ExportProgress = { format: 'csv', model: m.name, rows: null, lastKey: null, bytes: 0, formatsReady: input.formatsReady };
    heartbeat({ ...progress });
    let sinceBeat = 0;
    const file = `${m.name}.csv`;
    const entry = csv.addFile(file, (bytes) => {
      progress.bytes! += bytes;
      sinceBeat += bytes;
      if (sinceBeat >= HEARTBEAT_BYTES) {
        sinceBeat = 0;
        heartbeat({ ...progress });
      }
    });
    const rows = await input.reader.copyCsv(m, entry);
    manifest.models.push({ name: m.name, displayName: m.displayName, rows, file });
  }
  await csv.finish(manifest);
}

/** The CSV package's disclosure section: a plain-text file first in the zip, in the request's language. */
export const DISCLOSURES_FILE = 'disclosures.txt';

export const disclosureText = (d: Disclosures, words: DisclosureWords): string =>
  disclosureSections(d, words)
    .map((s) => `${s.heading}\n${'='.repeat(s.heading.length)}\n${s.lines.map((l) => `- ${l}`).join('\n')}\n`)
    .join('\n');
