import { createHash } from 'node:crypto';
import { Transform, type Writable } from 'node:stream';
import yazl from 'yazl';
import type { ResolvedModel } from '../../../domain/data-model.ts';
import type { RowValues } from '../collect.ts';
import { ChunkedWriter, type ExportManifest, type ExportSink } from './output.ts';

// A zip with one CSV per model (RFC 4180, UTF-8, header row, LF line ends) and manifest.json. A NULL is an empty
// field and an empty string is "", as PostgreSQL's COPY ... (FORMAT csv) writes them, so the two stay comparable.
// yazl streams: each model's file is deflated as it is written, and the zip never holds a whole file.

const NEEDS_QUOTES = /[",\n\r]/;

export function csvField(value: string | null): string {
  if (value === null) return '';
  if (value === '') return '""';
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export const csvLine = (values: RowValues) => {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : ',') + csvField(values[i]!);
  return line + '\n';
};

export function createCsvSink(out: Writable): ExportSink {
  const zip = new yazl.ZipFile();
  const piped = new Promise<void>((resolve, reject) => {
    zip.outputStream.on('error', reject);
    out.on('error', reject);
    zip.outputStream.pipe(out).on('finish', () => resolve());
  });
  piped.catch(() => {});
  const files: NonNullable<ExportManifest['files']> = [];
  let current: { name: string; writer: ChunkedWriter; hash: ReturnType<typeof createHash>; bytes: number } | undefined;
  // Level 1: deflate is most of the cost of this format, and CSV compresses well even at the fastest level.
  const entryOptions = { compressionLevel: 1, mtime: new Date(0) };

  return {
    beginModel(model: ResolvedModel) {
      const name = `${model.name}.csv`;
      const hash = createHash('sha256');
      const state = { name, hash, bytes: 0, writer: undefined as unknown as ChunkedWriter };
      // Hashed as it passes: when the writer's stream has finished, every byte of the file went through here.
      const entry = new Transform({
        highWaterMark: 256 * 1024,
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          state.bytes += chunk.length;
          done(null, chunk);
        },
      });
      state.writer = new ChunkedWriter(entry);
      zip.addReadStream(entry, name, entryOptions);
      current = state;
      return current.writer.write(csvLine(model.columns.map((c) => c.name)));
    },
    row(values) {
      return current!.writer.write(csvLine(values));
    },
    async endModel() {
      await current!.writer.end();
      files.push({ name: current!.name, sha256: current!.hash.digest('hex'), bytes: current!.bytes });
      current = undefined;
    },
    async finish(manifest) {
      zip.addBuffer(Buffer.from(JSON.stringify({ ...manifest, files }, null, 2) + '\n'), 'manifest.json', entryOptions);
      zip.end();
      await piped;
    },
  };
}
