import type { Writable } from 'node:stream';
import type { ResolvedColumn, ResolvedModel } from '../../../domain/data-model.ts';
import type { RowValues } from '../../../warehouse/subject-rows.ts';
import { ChunkedWriter, type ExportFacts, type ExportSink } from './output.ts';

// One JSON document, written as the rows stream (never built in memory):
//   {"format": "dsrflow.subject-export", "version": 1, "requestId", "generatedAt", "disclosures": {...} (domain/disclosures.ts),
//    "models": [{"name", "displayName", "columns": [{"name", "type"}], "rows": [{column: value}]}],
//    "manifest": {...}}
// Numbers are written digit for digit as PostgreSQL holds them (numeric keeps its scale; a bigint above 2^53
// needs a big-number-aware reader), booleans as true/false, json/jsonb columns as nested JSON, NULL as null,
// timestamps as ISO 8601 strings, everything else as strings.

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function encoderFor(column: ResolvedColumn): (text: string) => string {
  switch (column.kind) {
    case 'integer':
    case 'decimal':
      // NaN and Infinity are not JSON numbers: they stay strings.
      return (t) => (JSON_NUMBER.test(t) ? t : JSON.stringify(t));
    case 'boolean':
      return (t) => (t === 't' || t === 'true' ? 'true' : 'false');
    case 'json':
      return (t) => t;
    default:
      return (t) => JSON.stringify(t);
  }
}

export function createJsonSink(out: Writable, facts: ExportFacts): ExportSink {
  const writer = new ChunkedWriter(out);
  let keys: string[] = [];
  let encoders: Array<(text: string) => string> = [];
  let firstModel = true;
  let firstRow = true;
  writer.write(`{\n"format": "dsrflow.subject-export",\n"version": 1,\n"requestId": ${JSON.stringify(facts.requestId)},\n"generatedAt": ${JSON.stringify(facts.generatedAt)},\n"disclosures": ${JSON.stringify(facts.disclosures)},\n"models": [`);

  return {
    beginModel(model: ResolvedModel) {
      keys = model.columns.map((c) => `${JSON.stringify(c.name)}: `);
      encoders = model.columns.map(encoderFor);
      const columns = JSON.stringify(model.columns.map((c) => ({ name: c.name, type: c.dataType })));
      const head = `${firstModel ? '' : ','}\n{"name": ${JSON.stringify(model.name)}, "displayName": ${JSON.stringify(model.displayName)},\n "columns": ${columns},\n "rows": [`;
      firstModel = false;
      firstRow = true;
      return writer.write(head);
    },
    row(values: RowValues) {
      let line = firstRow ? '\n  {' : ',\n  {';
      firstRow = false;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        line += (i === 0 ? '' : ', ') + keys[i] + (v === null || v === undefined ? 'null' : encoders[i]!(v));
      }
      return writer.write(line + '}');
    },
    endModel() {
      return writer.write(firstRow ? ']}' : '\n ]}');
    },
    async finish(manifest) {
      writer.write(`\n],\n"manifest": ${JSON.stringify(manifest)}\n}\n`);
      await writer.end();
    },
  };
}
