import { PassThrough, type Writable } from 'node:stream';
import { Document, HeadingLevel, PageOrientation, Packer, Paragraph, Table, TableCell, TableRow, TextRun, WidthType, type ISectionOptions } from 'docx';
import yazl from 'yazl';
import type { ResolvedModel } from '../../../domain/data-model.ts';
import { disclosureSections } from '../../../domain/disclosures.ts';
import type { RowValues } from '../../../warehouse/subject-rows.ts';
import { ChunkedWriter, type ExportFacts, type ExportManifest, type ExportSink } from './output.ts';
import { xmlText } from './xml-text.ts';
import { zipEntries } from './zip-entries.ts';

// A Word document: a cover with the request's facts, the disclosure section and what the file holds, then one landscape section per model
// with a table of its rows, then the manifest. NULL is an empty cell; a line break in a value is a line break in the
// cell; characters XML cannot carry become U+FFFD (xml-text.ts).
//
// The `docx` package builds a whole document in memory (~45 KB per table row: 2.4 GB peak RSS at 50,000 rows), so
// it builds only the skeleton here: the cover, the sections, each table's header row and one placeholder row, the
// manifest's placeholder, and the package around them (styles, numbering, properties). word/document.xml is then
// streamed into the zip with the rows written in the placeholders' place, in the cell form `docx` itself writes:
// memory stays flat whatever the row count (bench/README.md), and the rest of the package is exactly what `docx` made.

/**
 * Rows above which DOCX is skipped with that reason, and CSV written when no asked-for format could be
 * (index.ts decides from the counts before anything is written). Not a memory limit any more: a Word table of
 * 50,000 rows is already ~1,500 landscape pages, which Word lays out slowly and nobody reads; CSV, JSON or XML
 * serve a subject that large.
 */
export const DOCX_ROW_LIMIT = 50_000;

const ROWS_MARKER = (i: number) => `DSRFLOW-DOCX-ROWS-${i}`;
const MANIFEST_MARKER = 'DSRFLOW-DOCX-MANIFEST';

const headerCell = (text: string) => new TableCell({ children: [new Paragraph({ children: [new TextRun({ text, bold: true })] })] });
const factLine = (label: string, value: string) => new Paragraph({ children: [new TextRun({ text: `${label} `, bold: true }), new TextRun(value)] });

/** One table row as `docx` writes it (w:tr > w:tc > w:p > w:r), a w:br between the lines of a value. */
function tableRow(values: RowValues): string {
  let xml = '<w:tr>';
  for (const value of values) {
    xml += '<w:tc><w:p>';
    const lines = (value ?? '').split('\n');
    for (let i = 0; i < lines.length; i++) xml += `<w:r>${i > 0 ? '<w:br/>' : ''}<w:t xml:space="preserve">${xmlText(lines[i]!)}</w:t></w:r>`;
    xml += '</w:p></w:tc>';
  }
  return xml + '</w:tr>';
}

/**
 * The package `docx` writes for the document without its rows, with word/document.xml cut at the placeholders:
 * `parts[i]` comes before model i's rows, the last part after the last model's (it holds the manifest marker).
 */
async function skeleton(facts: ExportFacts, contents: Array<{ model: ResolvedModel; rows: number }>) {
  const w = facts.words;
  const cover: ISectionOptions = {
    children: [
      new Paragraph({ text: w.title, heading: HeadingLevel.TITLE }),
      factLine(w.fact(w.request), facts.requestId),
      factLine(w.fact(w.rightExercised), `${facts.typeInText} (${facts.regulation})`),
      factLine(w.fact(w.received), facts.receivedAt),
      factLine(w.fact(w.generated), facts.generatedAt),
      // The disclosure section the law asks for (domain/disclosures.ts), read before the data, in the request's language.
      ...disclosureSections(facts.disclosures, w.disclosures).flatMap((section) => [
        new Paragraph({ text: section.heading, heading: HeadingLevel.HEADING_2 }),
        ...section.lines.map((text) => new Paragraph({ text, bullet: { level: 0 } })),
      ]),
      new Paragraph({ text: w.contentsHeading, heading: HeadingLevel.HEADING_2 }),
      ...contents.map(({ model, rows }) => new Paragraph({ text: w.contentsLine(model.displayName, model.name, rows), bullet: { level: 0 } })),
    ],
  };
  const sections = contents.map(({ model, rows }, i): ISectionOptions => ({
    properties: { page: { size: { orientation: PageOrientation.LANDSCAPE } } },
    children: [
      new Paragraph({ text: model.displayName, heading: HeadingLevel.HEADING_1 }),
      new Paragraph({ text: `${w.modelRows(rows, model.name)}.` }),
      new Table({
        rows: [
          new TableRow({ tableHeader: true, children: model.columns.map((c) => headerCell(c.name)) }),
          new TableRow({ children: model.columns.map((_, j) => headerCell(j === 0 ? ROWS_MARKER(i) : '')) }),
        ],
        width: { size: 100, type: WidthType.PERCENTAGE },
      }),
    ],
  }));
  const closing: ISectionOptions = {
    children: [new Paragraph({ text: w.manifestHeading, heading: HeadingLevel.HEADING_1 }), new Paragraph({ text: MANIFEST_MARKER })],
  };
  const doc = new Document({ creator: 'dsrflow', title: w.documentTitle(facts.requestId), sections: [cover, ...sections, closing] });
  const files = zipEntries(await Packer.toBuffer(doc));
  const document = files.get('word/document.xml')!.toString('utf8');
  const parts: string[] = [];
  let from = 0;
  contents.forEach((_, i) => {
    const marker = document.indexOf(`>${ROWS_MARKER(i)}<`, from);
    const rowStart = document.lastIndexOf('<w:tr>', marker);
    const rowEnd = document.indexOf('</w:tr>', marker) + '</w:tr>'.length;
    if (marker < 0 || rowStart < from) throw new Error(`DOCX skeleton: placeholder ${i} not found`);
    parts.push(document.slice(from, rowStart));
    from = rowEnd;
  });
  parts.push(document.slice(from));
  if (!parts.at(-1)!.includes(`>${MANIFEST_MARKER}<`)) throw new Error('DOCX skeleton: manifest placeholder not found');
  return { files, parts };
}

export function createDocxSink(out: Writable, facts: ExportFacts, contents: Array<{ model: ResolvedModel; rows: number }>): ExportSink {
  const zip = new yazl.ZipFile();
  const piped = new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.outputStream.on('error', reject);
    out.on('error', reject);
    zip.outputStream.pipe(out).on('finish', () => resolve());
  });
  piped.catch(() => {});
  const documentXml = new PassThrough({ highWaterMark: 256 * 1024 });
  const writer = new ChunkedWriter(documentXml);
  const entryOptions = { mtime: new Date(facts.generatedAt) };
  let parts: string[] = [];
  let model = -1;
  // The skeleton's other files go into the zip as they are; [Content_Types].xml first, as Word itself writes it.
  const ready = skeleton(facts, contents).then((s) => {
    parts = s.parts;
    const names = [...s.files.keys()].sort((a, b) => Number(b === '[Content_Types].xml') - Number(a === '[Content_Types].xml'));
    for (const name of names) {
      if (name === 'word/document.xml') zip.addReadStream(documentXml, name, entryOptions);
      else zip.addBuffer(s.files.get(name)!, name, entryOptions);
    }
    zip.end();
    return writer.write(parts[0]!);
  });
  ready.catch(() => {});

  return {
    async beginModel() {
      await ready;
      model++;
    },
    row(values: RowValues) {
      return writer.write(tableRow(values));
    },
    endModel() {
      if (model + 1 < contents.length) return writer.write(parts[model + 1]!);
    },
    async finish(manifest: ExportManifest) {
      await ready;
      await writer.write(parts.at(-1)!.replace(`>${MANIFEST_MARKER}<`, `>${xmlText(JSON.stringify(manifest))}<`));
      await writer.end();
      await piped;
    },
  };
}
