import { createHash } from 'node:crypto';
import { Transform, type Writable } from 'node:stream';
import yazl from 'yazl';
import type { ExportManifest } from './output.ts';

// A zip with disclosures.txt (what the law asks the answer to say), one CSV per model (RFC 4180, UTF-8, header row, LF
// line ends) and manifest.json. PostgreSQL writes each
// CSV itself (collect.ts: COPY ... TO STDOUT (FORMAT csv, HEADER)): a NULL is an empty field and an empty string is
// "". Node only passes the bytes on: hashed for the manifest, deflated by yazl as they arrive, so neither the zip nor
// a file is ever held whole.

export interface CsvPackage {
  /** Adds a small text file held in memory (disclosures.txt), hashed for the manifest like the others. */
  addText(fileName: string, text: string): void;
  /** Adds `fileName` to the zip; `onBytes` sees each chunk's size as it passes (progress, heartbeats). */
  addFile(fileName: string, onBytes: (bytes: number) => void): Writable;
  /** Adds manifest.json (with each file's SHA-256 and size) and ends the zip. Call after every file has ended. */
  finish(manifest: ExportManifest): Promise<void>;
}

export function createCsvPackage(out: Writable): CsvPackage {
  const zip = new yazl.ZipFile();
  const piped = new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.outputStream.on('error', reject);
    out.on('error', reject);
    zip.outputStream.pipe(out).on('finish', () => resolve());
  });
  piped.catch(() => {});
  const files: NonNullable<ExportManifest['files']> = [];
  // Level 1: deflate is most of the cost of this format, and CSV compresses well even at the fastest level.
  const entryOptions = { compressionLevel: 1, mtime: new Date(0) };

  return {
    addText(fileName, text) {
      const bytes = Buffer.from(text, 'utf8');
      files.push({ name: fileName, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
      zip.addBuffer(bytes, fileName, entryOptions);
    },
    addFile(fileName, onBytes) {
      const hash = createHash('sha256');
      let bytes = 0;
      // Hashed as it passes: when the stream has flushed, every byte of the file went through here.
      const entry = new Transform({
        highWaterMark: 256 * 1024,
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          bytes += chunk.length;
          try {
            onBytes(chunk.length);
          } catch (error) {
            return done(error as Error); // a cancelled activity stops the file here
          }
          done(null, chunk);
        },
        flush(done) {
          files.push({ name: fileName, sha256: hash.digest('hex'), bytes });
          done();
        },
      });
      zip.addReadStream(entry, fileName, entryOptions);
      return entry;
    },
    async finish(manifest) {
      zip.addBuffer(Buffer.from(JSON.stringify({ ...manifest, files }, null, 2) + '\n'), 'manifest.json', entryOptions);
      zip.end();
      await piped;
    },
  };
}
