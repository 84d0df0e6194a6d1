import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  Document,
  HeadingLevel,
  PageOrientation,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
  type ISectionOptions,
} from 'docx';
import type { ResolvedModel } from '../../../domain/data-model.ts';
import type { RowValues } from '../collect.ts';
import type { ExportFacts, ExportManifest, ExportSink } from './output.ts';

// A Word document: a cover with the request's facts and what the file holds, then one landscape section per
// model with a table of its rows, then the manifest. The `docx` package builds the whole document in memory,
// so a DOCX holds at most DOCX_ROW_LIMIT rows; above it the export skips DOCX with that reason and writes CSV
// (index.ts decides from the counts before anything is written). NULL is an empty cell; a line break in a value
// is a line break in the cell.

/** Measured (bench/README.md): 50,000 rows take ~12 s and ~2.4 GB peak RSS; the object model grows with the rows. */
export const DOCX_ROW_LIMIT = 50_000;

const cell = (text: string, bold = false) =>
  new TableCell({
    children: [new Paragraph({ children: text.split('\n').map((line, i) => new TextRun({ text: line, bold, ...(i > 0 ? { break: 1 } : {}) })) })],
  });

const factLine = (label: string, value: string) => new Paragraph({ children: [new TextRun({ text: `${label}: `, bold: true }), new TextRun(value)] });

export function createDocxSink(out: Writable, facts: ExportFacts): ExportSink {
  const sections: ISectionOptions[] = [];
  let model: ResolvedModel | undefined;
  let rows: TableRow[] = [];

  return {
    beginModel(m: ResolvedModel) {
      model = m;
      rows = [new TableRow({ tableHeader: true, children: m.columns.map((c) => cell(c.name, true)) })];
    },
    row(values: RowValues) {
      rows.push(new TableRow({ children: values.map((v) => cell(v ?? '')) }));
    },
    endModel() {
      const m = model!;
      sections.push({
        properties: { page: { size: { orientation: PageOrientation.LANDSCAPE } } },
        children: [
          new Paragraph({ text: m.displayName, heading: HeadingLevel.HEADING_1 }),
          new Paragraph({ text: `${rows.length - 1} row(s) from ${m.name}.` }),
          new Table({ rows, width: { size: 100, type: WidthType.PERCENTAGE } }),
        ],
      });
      rows = [];
    },
    async finish(manifest: ExportManifest) {
      const cover: ISectionOptions = {
        children: [
          new Paragraph({ text: 'Copy of your personal data', heading: HeadingLevel.TITLE }),
          factLine('Request', facts.requestId),
          factLine('Right exercised', `${facts.type} (${facts.regulation})`),
          factLine('Request received', facts.receivedAt),
          factLine('Generated', facts.generatedAt),
          new Paragraph({ text: 'What this document contains', heading: HeadingLevel.HEADING_2 }),
          ...manifest.models.map((m) => new Paragraph({ text: `${m.displayName} (${m.name}): ${m.rows} row(s)`, bullet: { level: 0 } })),
        ],
      };
      const closing: ISectionOptions = {
        children: [
          new Paragraph({ text: 'Manifest', heading: HeadingLevel.HEADING_1 }),
          new Paragraph({ text: JSON.stringify(manifest) }),
        ],
      };
      const doc = new Document({ creator: 'dsrflow', title: `Data export ${facts.requestId}`, sections: [cover, ...sections, closing] });
      sections.length = 0;
      await pipeline(Packer.toStream(doc) as unknown as NodeJS.ReadableStream, out);
      if (!out.writableFinished) await once(out, 'finish');
    },
  };
}
