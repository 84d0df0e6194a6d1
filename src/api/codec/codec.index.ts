import { OpenAPIHono, type RouteHandler, type z } from '@hono/zod-openapi';
import type { Payload } from '@temporalio/common';
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { recordCodecUse, type CodecAction } from '../../db/audit.ts';
import { SealError } from '../../platform/data-keys.ts';
import { decryptPayload, encryptPayload, isEncrypted } from '../../platform/payload-codec.ts';
import { assertMaySeePayloads } from '../access.ts';
import { requireToken, type Actor, type AuthEnv } from '../auth.ts';
import { requireSession, type ConsoleEnv } from '../console/session.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError, defaultHook, fieldProblems, validationError } from '../errors.ts';
import { CodecPayloads, decodeRoute, encodeRoute, type CodecPayload } from './codec.routes.ts';

/**
 * The codec server (docs/encryption.md): the Temporal Web UI and CLI send the payloads they show here to be
 * decrypted. Two ways in, one handler: /codec/* with an API token (the CLI, scripts), /console/codec/* with the
 * staff console's session cookie (the Web UI, "Include cross-origin credentials"), since the UI can pass no token
 * of ours. Both only for owner, admin and dpo, both audited.
 */
export const CODEC_MAX_BODY_BYTES = 4 * 1024 * 1024;
export const CODEC_PATHS = ['/codec/', '/console/codec/'] as const;

const NAMESPACE = /^[A-Za-z0-9._-]{1,255}$/;
type JsonPayload = z.infer<typeof CodecPayload>;
type Operation = 'decode' | 'encode';

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

async function convert(deps: AppDeps, op: Operation, payloads: JsonPayload[]): Promise<{ payloads: JsonPayload[]; sealedOrOpened: number }> {
  let count = 0;
  const out = await Promise.all(
    payloads.map(async (json, index) => {
      const payload = fromJson(json);
      if (op === 'encode') {
        count++;
        return toJson(await encryptPayload(deps.keyRing, payload));
      }
      // Not ours (search attributes, payloads from before encryption): returned exactly as received.
      if (!isEncrypted(payload)) return json;
      try {
        const opened = toJson(await decryptPayload(deps.keyRing, payload));
        count++;
        return opened;
      } catch (error) {
        if (error instanceof SealError) throw new ApiError(400, 'PAYLOAD_UNREADABLE', `payloads[${index}]: ${error.message}`);
        throw error;
      }
    }),
  );
  return { payloads: out, sealedOrOpened: count };
}

async function answer(c: Context, deps: AppDeps, op: Operation, actor: Actor, via: 'token' | 'console-session', body: { payloads: JsonPayload[] }) {
  assertMaySeePayloads(actor);
  const namespace = c.req.header('x-namespace') ?? null;
  if (namespace !== null && !NAMESPACE.test(namespace)) throw new ApiError(400, 'VALIDATION_FAILED', 'Invalid X-Namespace: must be a Temporal namespace name');
  const result = await convert(deps, op, body.payloads);
  // A call that opened nothing (only plain payloads) showed nothing that was encrypted: not worth an event.
  if (result.sealedOrOpened > 0) {
    const action: CodecAction = op === 'decode' ? 'temporal.payloads_decoded' : 'temporal.payloads_encoded';
    await recordCodecUse(deps.pool, { actor: actor.name, action, payloads: result.sealedOrOpened, namespace, via });
  }
  return c.json({ payloads: result.payloads }, 200);
}

/** CORS for the Web UI's origins only, with credentials (the console session); preflights answered before auth. */
export const codecCors = (deps: AppDeps) =>
  cors({
    origin: (origin) => ((deps.settings.codecOrigins ?? []).includes(origin) ? origin : null),
    allowMethods: ['POST'],
    allowHeaders: ['Content-Type', 'X-Namespace', 'Authorization', 'Authorization-Extras'],
    credentials: true,
    maxAge: 600,
  });

export function codecRouter(deps: AppDeps) {
  const handler =
    (op: Operation): RouteHandler<typeof decodeRoute, AuthEnv> =>
    async (c) =>
      answer(c, deps, op, c.get('actor'), 'token', c.req.valid('json'));
  const api = new OpenAPIHono<AuthEnv>({ defaultHook });
  api.use('/codec/*', requireToken(deps.pool));
  return api.openapi(decodeRoute, handler('decode')).openapi(encodeRoute, handler('encode'));
}

/** The same endpoints behind the console's session; JSON only, so a cross-origin call always needs the CORS preflight. */
export function consoleCodecRouter(deps: AppDeps) {
  const router = new Hono<ConsoleEnv>();
  for (const op of ['decode', 'encode'] as const) {
    router.post(`/console/codec/${op}`, requireSession(deps), async (c) => {
      if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the payloads as application/json');
      const parsed = CodecPayloads.safeParse(await c.req.json().catch(() => undefined));
      if (!parsed.success) throw validationError(fieldProblems(parsed.error.issues));
      return answer(c, deps, op, c.get('actor'), 'console-session', parsed.data);
    });
  }
  return router;
}
