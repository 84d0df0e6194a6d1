import type { ArrivalEnv } from '../arrival.ts';
import { createHmac } from 'node:crypto';
import { sameSecret } from '../../platform/signing.ts';
import { createMiddleware } from 'hono/factory';
import type { DatabasePool } from 'slonik';
import { acceptSignedDeliveryOnce } from '../../db/gpc.ts';
import { ApiError } from '../errors.ts';

export const SIGNATURE_HEADER = 'dsrflow-signature';
export const SOURCE_HEADER = 'dsrflow-source';
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export type WebhookEnv = { Variables: { webhookSource: string } & ArrivalEnv['Variables'] };

// What a connected system sends: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.rawBody">` (several v1 allowed while rotating).
export { signWebhook } from '../../platform/signing.ts';

const refuse = (code: string, message: string) => new ApiError(401, code, message);

/**
 * Checks the source's signature over the raw body before anything is parsed or recorded: unknown source, missing
 * or malformed header, a timestamp outside the tolerance (replays) or a wrong MAC are all 401.
 */
export const verifyWebhookSignature = (sources: Readonly<Record<string, string>>, now: () => Date) =>
  createMiddleware<WebhookEnv>(async (c, next) => {
    const source = c.req.header(SOURCE_HEADER) ?? '';
    const secret = Object.hasOwn(sources, source) ? sources[source] : undefined;
    const header = c.req.header(SIGNATURE_HEADER);
    if (!header) throw refuse('WEBHOOK_SIGNATURE_MISSING', 'Missing Dsrflow-Signature header: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">');
    if (!secret) throw refuse('WEBHOOK_SOURCE_UNKNOWN', 'Dsrflow-Source names no configured source');
    const parts = header.split(',').map((p) => p.trim().split('=', 2) as [string, string | undefined]);
    const t = parts.find(([k]) => k === 't')?.[1];
    const macs = parts.filter(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v)).map(([, v]) => Buffer.from(v!, 'hex'));
    if (!t || !/^\d{1,12}$/.test(t) || macs.length === 0) throw refuse('WEBHOOK_SIGNATURE_MALFORMED', 'Dsrflow-Signature must be t=<unix seconds>,v1=<64 hex>');
    if (Math.abs(now().getTime() / 1000 - Number(t)) > SIGNATURE_TOLERANCE_SECONDS) {
      throw refuse('WEBHOOK_TIMESTAMP_STALE', `The signature timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} s away from our clock; sign the delivery again`);
    }
    const expected = createHmac('sha256', secret).update(`${t}.${await c.req.text()}`).digest();
    // Constant time per candidate; every candidate is compared, so the timing says nothing about which failed.
    let matched = false;
    for (const mac of macs) matched = sameSecret(mac, expected) || matched;
    if (!matched) throw refuse('WEBHOOK_SIGNATURE_INVALID', 'The signature does not match the body and the source’s secret');
    c.set('webhookSource', source);
    await next();
  });

/** After the signature holds: the same signature accepted twice is a replay (401), within the tolerance or not. */
export const refuseReplays = (pool: DatabasePool) =>
  createMiddleware<WebhookEnv>(async (c, next) => {
    const fresh = await acceptSignedDeliveryOnce(pool, c.get('webhookSource'), c.req.header(SIGNATURE_HEADER) ?? '', SIGNATURE_TOLERANCE_SECONDS);
    if (!fresh) throw refuse('WEBHOOK_REPLAYED', 'This signature was already used; sign each delivery afresh (a new timestamp)');
    await next();
  });
