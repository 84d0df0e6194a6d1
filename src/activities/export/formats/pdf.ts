import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import type { ResolvedModel } from '../../../domain/data-model.ts';
import { disclosureSections } from '../../../domain/disclosures.ts';
import type { RowValues } from '../../../warehouse/subject-rows.ts';
import type { ExportFacts, ExportManifest, ExportSink } from './output.ts';

// A PDF for reading: a cover with the request's facts and the disclosure section, then each model with one block per row ("column: value"
// lines, long values wrapped), then the manifest. pdfkit because it writes pages as a stream (memory stays flat
// whatever the row count), embeds subsets of TrueType fonts (the file carries only the glyphs it uses) and has no
// native dependency. Noto Sans covers Latin, Greek, Cyrillic and Vietnamese; characters it lacks (CJK) fall back
// to Noto Sans SC, both from npm packages. NULL is an empty value. Above PDF_ROW_LIMIT the export skips PDF with
// that reason and writes CSV: a PDF of that many pages helps no reader, and its writing time grows with it.

/**
 * Measured (bench/README.md): 50,000 rows take ~22 s and ~450 MB peak RSS, 100,000 rows ~42 s and ~525 MB (the live
 * heap stays ~50 MB; the rest is garbage of fontkit's layout between V8's full collections).
 */
export const PDF_ROW_LIMIT = 100_000;

const LAYOUT_CACHE_ROWS = 1_000;

const require = createRequire(import.meta.url);
const MAIN_FONT = require.resolve('@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf');
const BOLD_FONT = require.resolve('@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf');
const CJK_FONT = require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf');

type Doc = InstanceType<typeof PDFDocument>;

export function createPdfSink(out: Writable, facts: ExportFacts): ExportSink {
  const w = facts.words;
  const doc: Doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: w.documentTitle(facts.requestId), Creator: 'dsrflow' } });
  doc.registerFont('main', MAIN_FONT);
  doc.registerFont('bold', BOLD_FONT);
  doc.registerFont('cjk', CJK_FONT);
  doc.pipe(out);
  const finished = once(out, 'finish');
  finished.catch(() => {});
  doc.font('main');
  // pdfkit has no font fallback: ask the main font whether it has each character's glyph.
  const mainFont = (doc as unknown as { _font: { font: { hasGlyphForCodePoint(cp: number): boolean } } })._font.font;
  const covered = (text: string) => {
    for (const ch of text) if (!mainFont.hasGlyphForCodePoint(ch.codePointAt(0)!)) return false;
    return true;
  };

  /** Writes a line of text, switching to the fallback font for the characters the main font lacks. */
  const line = (text: string, font = 'main') => {
    if (font !== 'main' || covered(text)) {
      doc.font(font).text(text);
      return;
    }
    const runs: Array<{ font: string; text: string }> = [];
    for (const ch of text) {
      const f = mainFont.hasGlyphForCodePoint(ch.codePointAt(0)!) ? 'main' : 'cjk';
      if (runs.at(-1)?.font === f) runs.at(-1)!.text += ch;
      else runs.push({ font: f, text: ch });
    }
    runs.forEach((r, i) => doc.font(r.font).text(r.text, { continued: i < runs.length - 1 }));
    doc.font('main');
  };

  let columns: string[] = [];
  let n = 0;
  doc.fontSize(20);
  line(w.title, 'bold');
  doc.fontSize(11).moveDown();
  for (const [label, value] of [
    [w.request, facts.requestId],
    [w.rightExercised, `${facts.typeInText} (${facts.regulation})`],
    [w.received, facts.receivedAt],
    [w.generated, facts.generatedAt],
  ] as const) line(`${w.fact(label)} ${value}`);
  // The disclosure section the law asks for (domain/disclosures.ts), on the cover before the data, in the request's language.
  for (const section of disclosureSections(facts.disclosures, w.disclosures)) {
    doc.moveDown(0.6).fontSize(13);
    line(section.heading, 'bold');
    doc.fontSize(10);
    for (const text of section.lines) line(`- ${text}`);
  }
  doc.fontSize(9);

  // pdfkit caches the layout of every word it has set, per font, for the whole document: with ids, timestamps and
  // paths every row adds words, and the cache held ~300 MB at 50,000 rows. Without it layout is ~5x slower, so the
  // caches are emptied every LAYOUT_CACHE_ROWS rows instead: repeated words (column names) stay fast, memory flat.
  const fonts = (doc as unknown as { _fontFamilies: Record<string, { layoutCache?: Record<string, unknown> }> })._fontFamilies;
  const forgetLayouts = () => {
    for (const font of Object.values(fonts)) if (font.layoutCache) font.layoutCache = Object.create(null);
  };

  // pdfkit pushes pages without waiting for the reader; pause the rows while the output is behind.
  const keepUp = async () => {
    while (doc.readableLength > 4 * 1024 * 1024) await new Promise((r) => setImmediate(r));
  };

  return {
    beginModel(m: ResolvedModel, rowCount: number) {
      columns = m.columns.map((c) => c.name);
      n = 0;
      doc.addPage();
      doc.fontSize(14);
      line(m.displayName, 'bold');
      doc.fontSize(9);
      line(w.modelRows(rowCount, m.name));
      doc.moveDown(0.5);
    },
    row(values: RowValues) {
      n++;
      line(`Row ${n}`, 'bold');
      for (let i = 0; i < values.length; i++) {
        const v = values[i] ?? '';
        const lines = v.split('\n');
        line(`${columns[i]}: ${lines[0]}`);
        for (const more of lines.slice(1)) line(`    ${more}`);
      }
      doc.moveDown(0.4);
      if (n % LAYOUT_CACHE_ROWS === 0) forgetLayouts();
      if (n % 200 === 0) return keepUp();
    },
    endModel() {},
    async finish(manifest: ExportManifest) {
      doc.addPage();
      doc.fontSize(14);
      line(w.manifestHeading, 'bold');
      doc.fontSize(9);
      line(w.manifestLine(manifest.requestId, manifest.generatedAt, manifest.format));
      for (const m of manifest.models) line(w.contentsLine(m.displayName, m.name, m.rows));
      doc.end();
      await finished;
    },
  };
}
