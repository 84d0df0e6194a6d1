import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { CONTENT_TYPES } from '../../domain/export-formats.ts';
import { findDownload, recordDownload } from '../../db/exports.ts';
import { hashToken } from '../../db/tokens.ts';
import type { ExportStorage } from '../../platform/storage.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';

export type DownloadDeps = Pick<AppDeps, 'pool' | 'logger' | 'now'> & { storage: ExportStorage };

// Tokens are 32 random bytes in base64url; anything else cannot be one of ours.
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const notFound = () => new ApiError(404, 'DOWNLOAD_NOT_FOUND', 'This download link is not valid');
const gone = () => new ApiError(410, 'DOWNLOAD_EXPIRED', 'This download link has expired and the file has been deleted');

export function createDownloadHandlers(deps: DownloadDeps) {
  return {
    async download(c: Context) {
      const token = c.req.param('token') ?? '';
      if (!TOKEN_PATTERN.test(token)) throw notFound();
      const tokenHash = hashToken(token);
      const found = await findDownload(deps.pool, tokenHash);
      if (!found) throw notFound();
      if (found.expired_at !== null || found.status === 'expired' || new Date(found.token_expires_at) <= deps.now()) throw gone();
      if (found.status !== 'ready' || !found.storage_key) throw notFound();
      const bytes = await deps.storage.size(found.storage_key);
      if (bytes === null) throw gone();

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
      const body = Readable.toWeb(deps.storage.read(found.storage_key)) as ReadableStream<Uint8Array>;
      return new Response(body, { status: 200, headers });
    },
  };
}
