import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { CONTENT_TYPES } from '../../domain/export-formats.ts';
import { findDownload, recordDownload } from '../../db/exports.ts';
import { hashToken } from '../../db/tokens.ts';
import { FileIntegrityError, FileKeyError, sealedFileStore } from '../../platform/sealed-files.ts';
import type { ExportStorage } from '../../platform/storage.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';

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
export async function openExportFile(deps: DownloadDeps, file: { exportId: string; storageKey: string; dataKey: Buffer | null; bytes: number | null }): Promise<{ body: Readable; bytes: number } | null> {
  const files = sealedFileStore(deps.storage, deps.keyRing);
  try {
    const bytes = await files.size(file.storageKey, file.dataKey);
    if (bytes === null) return null;
    // A file cut or extended on disk is refused before anything is sent (its size is known from the record).
    if (file.bytes !== null && bytes !== file.bytes) throw new FileIntegrityError('the file on disk is not the size recorded');
    const body = await startReading(files.read(file.storageKey, file.dataKey));
    body.once('error', (error) => deps.logger.error('export download broke off: file damaged', { exportId: file.exportId, reason: error.name }));
    return { body, bytes };
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
      const opened = await openExportFile(deps, { exportId: found.export_id, storageKey: found.storage_key, dataKey: found.data_key, bytes: found.bytes });
      if (!opened) throw gone();
      const { body, bytes } = opened;

      await recordDownload(deps.pool, { tokenHash, exportId: found.export_id, requestId: found.request_id, details: { format: found.format, bytes } });
      deps.logger.info('export downloaded', { requestId: found.request_id, exportId: found.export_id });
      const { contentType, extension } = CONTENT_TYPES[found.format];
      const headers: Record<string, string> = {
        'content-type': contentType,
        'content-length': String(bytes),
        'content-disposition': `attachment; filename="data-export-${found.request_id}.${extension}"`,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
      };
      if (found.sha256) headers['repr-digest'] = `sha-256=:${Buffer.from(found.sha256, 'hex').toString('base64')}:`;
      return new Response(Readable.toWeb(body) as ReadableStream<Uint8Array>, { status: 200, headers });
    },
  };
}
