import { createRoute, z } from '@hono/zod-openapi';
import { ErrorSchema } from '../errors.ts';

// No bearer token: the link's random token is the credential. Any malformed token is simply unknown (404).
export const downloadRoute = createRoute({
  method: 'get',
  path: '/downloads/{token}',
  tags: ['downloads'],
  summary: "Download a subject's data export",
  description:
    'Streams the export file the emailed link names, with its content type, a Content-Disposition filename and its SHA-256 in Repr-Digest. ' +
    'Every download is recorded in the audit trail.',
  request: { params: z.object({ token: z.string().openapi({ param: { name: 'token', in: 'path' }, description: 'The token from the emailed link' }) }) },
  responses: {
    200: {
      description: 'The export file',
      content: {
        'application/zip': { schema: z.string().openapi({ format: 'binary' }) },
        'application/json': { schema: z.string().openapi({ format: 'binary' }) },
        'application/xml': { schema: z.string().openapi({ format: 'binary' }) },
        'application/pdf': { schema: z.string().openapi({ format: 'binary' }) },
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document': { schema: z.string().openapi({ format: 'binary' }) },
      },
    },
    404: { description: 'Unknown or tampered link', content: { 'application/json': { schema: ErrorSchema } } },
    410: { description: 'The link has expired and the file was deleted', content: { 'application/json': { schema: ErrorSchema } } },
  },
});
