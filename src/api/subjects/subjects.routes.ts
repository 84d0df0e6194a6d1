import { createRoute, z } from '@hono/zod-openapi';
import { errorResponse, readErrorResponses } from '../errors.ts';
import { emailAddress, text } from '../fields.ts';
import { SubjectRecordSchema, SubjectSummarySchema } from './schemas.ts';


export const FindSubjectsQuery = z
  .object({
    email: emailAddress().optional().openapi({ description: 'Compared through its keyed hash (trimmed, lower-cased); never scanned' }),
    customerId: text({ max: 200 }).optional(),
    phone: text({ max: 50 }).optional().openapi({ description: 'Digits and a leading +; spaces, dashes and brackets are ignored' }),
  })
  .strict()
  .refine((q) => [q.email, q.customerId, q.phone].filter((v) => v !== undefined).length === 1, { message: 'give exactly one of email, customerId, phone', path: ['email'] });

export const findSubjectsRoute = createRoute({
  method: 'get',
  path: '/v1/subjects',
  tags: ['Subjects'],
  summary: 'Find subjects by one identifier (a keyed-hash lookup; audited)',
  security: [{ bearer: [] }],
  request: { query: FindSubjectsQuery },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ items: z.array(SubjectSummarySchema) }).openapi('SubjectMatches') } }, description: 'Subjects holding the identifier, one per organization at most; a controller sees its own organization only' },
    ...readErrorResponses,
  },
});

export const getSubjectRoute = createRoute({
  method: 'get',
  path: '/v1/subjects/{did}',
  tags: ['Subjects'],
  summary: "A subject's record: identifiers, requests, open suppressions and legal holds (personal data: every read is audited)",
  security: [{ bearer: [] }],
  request: {
    params: z.object({ did: z.string().regex(/^did:dsrflow:[0-9a-f]{32}$/, 'a subject id: did:dsrflow: and 32 hex digits').openapi({ param: { name: 'did', in: 'path' }, example: 'did:dsrflow:3f2a9c0d4b1e8f7a6c5d4e3f2a1b0c9d' }) }),
  },
  responses: {
    200: { content: { 'application/json': { schema: SubjectRecordSchema } }, description: 'The record' },
    ...readErrorResponses,
    404: errorResponse('No such subject'),
  },
});
