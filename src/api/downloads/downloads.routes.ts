import { createRoute, z } from '@hono/zod-openapi';
import { EXPORT_FORMATS, type ExportFormat } from '../../domain/data-model.ts';
import { CONTENT_TYPES } from '../../domain/export-formats.ts';
import { ErrorSchema } from '../errors.ts';

// Each format's real media type, from the table the writer and the handler use: a file, except JSON (a document).
const bodyOf: Record<ExportFormat, z.ZodType> = {
  csv: z.string().openapi({ format: 'binary', description: 'A ZIP of one CSV file per model' }),
  json: z
    .object({
      format: z.literal('dsrflow.subject-export'),
      version: z.number().int(),
      requestId: z.uuid(),
      generatedAt: z.string(),
      models: z.array(
        z.object({
          name: z.string(),
          displayName: z.string(),
          columns: z.array(z.object({ name: z.string(), type: z.string() })),
          rows: z.array(z.record(z.string(), z.unknown())),
        }),
      ),
    })
    .openapi('SubjectExport', { description: 'The export as one JSON document: every model with its columns and the rows held on the subject' }),
  xml: z.string().openapi({ description: 'The export as one XML document' }),
  docx: z.string().openapi({ format: 'binary', description: 'A Word document' }),
  pdf: z.string().openapi({ format: 'binary', description: 'A PDF document' }),
};
export const DOWNLOAD_CONTENT = Object.fromEntries(EXPORT_FORMATS.map((f) => [CONTENT_TYPES[f].contentType.split(';')[0]!, { schema: bodyOf[f] }]));

// No bearer token: the link's random token is the credential. Any malformed token is simply unknown (404).
export const downloadRoute = createRoute({
  method: 'get',
  path: '/downloads/{token}',
  tags: ['downloads'],
  summary: "Download a subject's data export",
  description:
    'Streams the export file the emailed link names, with its content type, a Content-Disposition filename and its SHA-256 in Repr-Digest. ' +
    'Every download is recorded in the audit trail. The file is decrypted as it streams (files are encrypted at rest); a file changed on disk ' +
    'breaks the transfer off before its Content-Length is reached, so a client never takes a part for the whole. ' +
    'One byte range may be asked for (Range: bytes=first-last, first-, or -suffix) to resume a download; with If-Range, only when it names the ' +
    "file's ETag (the SHA-256 of its content). Several ranges, or another unit, are answered with the whole file.",
  request: {
    params: z.object({ token: z.string().openapi({ param: { name: 'token', in: 'path' }, description: 'The token from the emailed link' }) }),
    headers: z.object({
      range: z.string().optional().openapi({ param: { name: 'range', in: 'header' }, description: 'One byte range, e.g. bytes=1048576-', example: 'bytes=0-1023' }),
      'if-range': z.string().optional().openapi({ param: { name: 'if-range', in: 'header' }, description: "The file's ETag: the range is served only for the same file" }),
    }),
  },
  responses: {
    200: { description: 'The export file, in the format the request was exported in', content: DOWNLOAD_CONTENT },
    206: { description: 'The byte range asked for (Content-Range names it and the whole size)', content: DOWNLOAD_CONTENT },
    404: { description: 'Unknown or tampered link', content: { 'application/json': { schema: ErrorSchema } } },
    410: { description: 'The link has expired and the file was deleted', content: { 'application/json': { schema: ErrorSchema } } },
    416: { description: 'The range starts after the end of the file (Content-Range: bytes */size)', content: { 'application/json': { schema: ErrorSchema } } },
    503: {
      description: 'The file cannot be read (its key is not configured, or the file was changed on disk); nothing of it is sent',
      content: { 'application/json': { schema: ErrorSchema } },
    },
  },
});
