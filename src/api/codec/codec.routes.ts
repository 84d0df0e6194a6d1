import { createRoute, z } from '@hono/zod-openapi';
import { errorResponse } from '../errors.ts';

// The codec server protocol of the Temporal Web UI and CLI: Payloads as protobuf JSON (bytes in base64).
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');

/** A payload as the UI sends it; fields besides metadata and data (external storage references) pass through untouched. */
export const CodecPayload = z
  .looseObject({
    metadata: z.record(z.string().max(256), base64).optional().openapi({ description: 'Metadata values in base64, e.g. encoding: YmluYXJ5L2VuY3J5cHRlZA== (binary/encrypted)' }),
    data: base64.optional().openapi({ description: 'The payload bytes in base64' }),
  })
  .openapi('CodecPayload');

export const CodecPayloads = z.object({ payloads: z.array(CodecPayload).max(10_000) }).openapi('CodecPayloads');

const request = {
  headers: z.object({
    'x-namespace': z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,255}$/, 'must be a Temporal namespace name')
      .optional()
      .openapi({ param: { name: 'x-namespace', in: 'header' }, description: 'The namespace the payloads come from (the Web UI and the CLI send it); recorded in the audit trail' }),
  }),
  query: z.object({
    preserveStorageRefs: z.enum(['true', 'false']).optional().openapi({ param: { name: 'preserveStorageRefs', in: 'query' }, description: 'Sent by the Web UI; dsrflow stores no payload externally, so it changes nothing' }),
  }),
  body: { content: { 'application/json': { schema: CodecPayloads } }, required: true },
};

const refusals = {
  401: errorResponse('Missing, malformed, unknown or revoked token'),
  403: errorResponse('The role may not read Temporal payloads (only owner, admin and dpo may)'),
  413: errorResponse('Request body over 4 MiB'),
} as const;

export const decodeRoute = createRoute({
  method: 'post',
  path: '/codec/decode',
  tags: ['Temporal codec'],
  summary: 'Decrypt Temporal payloads for the Web UI or the CLI (codec server)',
  description:
    "Opens each payload dsrflow's codec sealed (encoding binary/encrypted) with the key its metadata names and returns it as it was before encryption; any other payload comes back unchanged. Only owner, admin and dpo may; every call that opens a payload is recorded in the audit trail (who, how many, which namespace; never the contents). Point the Temporal CLI at it with --codec-endpoint <dsrflow>/codec --codec-auth 'Bearer <token>'.",
  security: [{ bearer: [] }],
  request,
  responses: {
    200: { content: { 'application/json': { schema: CodecPayloads } }, description: 'The payloads, decrypted, in the order sent' },
    400: errorResponse('Invalid body, or a payload that cannot be opened: sealed under a key not in the ring, or changed (names its index)'),
    ...refusals,
  },
});

export const encodeRoute = createRoute({
  method: 'post',
  path: '/codec/encode',
  tags: ['Temporal codec'],
  summary: 'Encrypt payloads as the workers do, for input typed into the Web UI or the CLI (a signal, an update)',
  description: "Seals each payload under the current data key, exactly as dsrflow's clients and workers do. Same roles as decode; recorded in the audit trail.",
  security: [{ bearer: [] }],
  request,
  responses: {
    200: { content: { 'application/json': { schema: CodecPayloads } }, description: 'The payloads, encrypted, in the order sent' },
    400: errorResponse('Invalid body'),
    ...refusals,
  },
});
