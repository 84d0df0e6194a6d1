import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { CONTENT_TYPES } from '../../domain/export-formats.ts';
import { findDownload, recordDownload } from '../../db/exports.ts';
import { hashToken } from '../../db/tokens.ts';
import { FileIntegrityError, FileKeyError, sealedFileStore } from '../../platform/sealed-files.ts';
import type { ExportStorage } from '../../platform/storage.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { byteRange, etagOf, rangeStillApplies, type ByteRange } from './byte-range.ts';

export type DownloadDeps = Pick<AppDeps, 'pool' | 'logger' | 'now' | 'keyRing'> & { storage: ExportStorage };

// Tokens are 32 random bytes in base64url; anything else cannot be one of ours.
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const notFound = () => new ApiError(404, 'DOWNLOAD_NOT_FOUND', 'This download link is not valid');
const gone = () => new ApiError(410, 'DOWNLOAD_EXPIRED', 'This download link has expired and the file has been deleted');
const unreadable = () => new ApiError(503, 'DOWNLOAD_UNAVAILABLE', 'This file cannot be read. The privacy team has been told; ask them for a new export if it persists');

/**
 * The first decrypted chunk, read before any header is sent: a file whose key cannot be unwrapped, or whose start is
 * damaged, is a clean 503 rather than a 200 that breaks off. Later chunks are checked as they stream.
 */
async function startReading(stream: Readable): Promise<Readable> {
  const chunks = stream[Symbol.asyncIterator]();
  const first = await chunks.next();
  async function* all() {
    try {
      if (first.done) return;
      yield first.value as Buffer;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value as Buffer;
    } finally {
      await chunks.return?.();
    }
  }
  return Readable.from(all(), { objectMode: false });
}

/**
 * An export file opened for a subject's download (the emailed link, the status page): its plaintext size and a stream
 * whose first chunk is verified. null: the file is gone (410). A file that cannot be read is the 503, logged.
 */
export async function openExportFile(
  deps: DownloadDeps,
  file: { exportId: string; storageKey: string; dataKey: Buffer | null; bytes: number | null },
  range: (size: number) => ByteRange | null = () => null,
): Promise<{ body: Readable; bytes: number; range: ByteRange | null } | null> {
  const files = sealedFileStore(deps.storage, deps.keyRing);
  try {
    const bytes = await files.size(file.storageKey, file.dataKey);
    if (bytes === null) return null;
    // A file cut or extended on disk is refused before anything is sent (its size is known from the record).
    if (file.bytes !== null && bytes !== file.bytes) throw new FileIntegrityError('the file on disk is not the size recorded');
    const part = range(bytes);
    const body = await startReading(part ? await files.readRange(file.storageKey, file.dataKey, part.start, part.end) : files.read(file.storageKey, file.dataKey));
    body.once('error', (error) => deps.logger.error('export download broke off: file damaged', { exportId: file.exportId, reason: error.name }));
    return { body, bytes, range: part };
  } catch (error) {
    if (!(error instanceof FileKeyError || error instanceof FileIntegrityError)) throw error;
    // Operators need to know which ring key is missing or that a file was changed; the subject gets a plain 503.
    deps.logger.error('export file cannot be read', { exportId: file.exportId, reason: error.name, keyId: error instanceof FileKeyError ? error.keyId : undefined });
    throw unreadable();
  }
}

export function createDownloadHandlers(deps: DownloadDeps) {
  return {
    async download(c: Context) {
      const token = c.req.param('token') ?? '';
      if (!TOKEN_PATTERN.test(token)) throw notFound();
      const tokenHash = hashToken(token);
      const found = await findDownload(deps.pool, tokenHash);
      if (!found) throw notFound();
      // An expired export's key is destroyed (crypto-shredded): checked first, so a null key there never reads as plaintext.
      if (found.expired_at !== null || found.status === 'expired' || new Date(found.token_expires_at) <= deps.now()) throw gone();
      if (found.status !== 'ready' || !found.storage_key) throw notFound();
      // A Range (resuming a download) applies to this very file only: If-Range must name its ETag, if sent.
      const etag = etagOf(found.sha256);
      const asked = rangeStillApplies(c.req.header('if-range'), etag) ? c.req.header('range') : undefined;
      let unsatisfiable: number | null = null;
      const opened = await openExportFile(deps, { exportId: found.export_id, storageKey: found.storage_key, dataKey: found.data_key, bytes: found.bytes }, (size) => {
        const r = byteRange(asked, size);
        if (r === 'unsatisfiable') unsatisfiable = size;
        return r === 'unsatisfiable' ? null : r;
      });
      if (!opened) throw gone();
      if (unsatisfiable !== null) {
        opened.body.destroy();
        c.header('content-range', `bytes */${unsatisfiable}`);
        throw new ApiError(416, 'RANGE_NOT_SATISFIABLE', `The file has ${unsatisfiable} bytes; the range asked for starts after its end`);
      }
      const { body, bytes, range } = opened;
      const sent = range ? range.end - range.start + 1 : bytes;

      await recordDownload(deps.pool, { tokenHash, exportId: found.export_id, requestId: found.request_id, details: { format: found.format, bytes: sent, ...(range ? { range: `${range.start}-${range.end}/${bytes}` } : {}) } });
      deps.logger.info('export downloaded', { requestId: found.request_id, exportId: found.export_id, ...(range ? { range: `${range.start}-${range.end}` } : {}) });
      const { contentType, extension } = CONTENT_TYPES[found.format];
      const headers: Record<string, string> = {
        'content-type': contentType,
        'content-length': String(sent),
        'accept-ranges': 'bytes',
        ...(etag ? { etag } : {}),
        ...(range ? { 'content-range': `bytes ${range.start}-${range.end}/${bytes}` } : {}),
        'content-disposition': `attachment; filename="data-export-${found.request_id}.${extension}"`,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
      };
      if (found.sha256) headers['repr-digest'] = `sha-256=:${Buffer.from(found.sha256, 'hex').toString('base64')}:`;
      return new Response(Readable.toWeb(body) as ReadableStream<Uint8Array>, { status: range ? 206 : 200, headers });
    },
  };
}
