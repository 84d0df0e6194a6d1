import type { Writable } from 'node:stream';
import { createCB } from 'xmlbuilder2';
import type { ResolvedModel } from '../../../domain/data-model.ts';
import type { RowValues } from '../collect.ts';
import { ChunkedWriter, type ExportFacts, type ExportSink } from './output.ts';

// One XML document, UTF-8, written by xmlbuilder2's callback builder as rows stream:
//
//   <?xml version="1.0" encoding="UTF-8"?>
//   <subjectExport xmlns="urn:dsrflow:subject-export:1" requestId="..." generatedAt="...">
//     <model name="orders" displayName="Orders" rows="3">
//       <row><field name="id">1</field><field name="shipping_address" null="true"/></row>
//     </model>
//     <manifest format="xml" requestId="..." generatedAt="..."><model name="orders" displayName="Orders" rows="3"/></manifest>
//   </subjectExport>
//
// Column names are attribute values, never element names, so any column name gives well-formed XML. NULL is an
// empty field with null="true"; an empty string is an empty field without it. Characters XML 1.0 cannot carry
// (control characters other than tab, LF, CR) are replaced by U+FFFD.

export const XML_NAMESPACE = 'urn:dsrflow:subject-export:1';

export function createXmlSink(out: Writable, facts: ExportFacts): ExportSink {
  const writer = new ChunkedWriter(out);
  let pending: Promise<void> | undefined;
  let failure: Error | undefined;
  const xml = createCB({
    data: (chunk: string) => {
      const p = writer.write(chunk);
      if (p) pending = p;
    },
    error: (err: Error) => {
      failure = err;
    },
    prettyPrint: false,
    invalidCharReplacement: '\uFFFD',
  });
  const waitIfFull = () => {
    if (failure) throw failure;
    const p = pending;
    pending = undefined;
    return p;
  };
  let columns: string[] = [];

  xml.dec({ version: '1.0', encoding: 'UTF-8' });
  xml.ele(XML_NAMESPACE, 'subjectExport', { requestId: facts.requestId, generatedAt: facts.generatedAt });

  return {
    beginModel(model: ResolvedModel, rowCount: number) {
      columns = model.columns.map((c) => c.name);
      xml.ele('model', { name: model.name, displayName: model.displayName, rows: String(rowCount) });
      return waitIfFull();
    },
    row(values: RowValues) {
      xml.ele('row');
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v === null || v === undefined) xml.ele('field', { name: columns[i]!, null: 'true' }).up();
        else xml.ele('field', { name: columns[i]! }).txt(v).up();
      }
      xml.up();
      return waitIfFull();
    },
    endModel() {
      xml.up();
      return waitIfFull();
    },
    async finish(manifest) {
      xml.ele('manifest', { format: manifest.format, requestId: manifest.requestId, generatedAt: manifest.generatedAt });
      for (const m of manifest.models) xml.ele('model', { name: m.name, displayName: m.displayName, rows: String(m.rows) }).up();
      xml.up();
      xml.up();
      xml.end();
      await waitIfFull();
      await writer.end();
    },
  };
}
