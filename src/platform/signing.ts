import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature dsrflow uses both ways (connected systems sign what they send us; we sign what we send to
 * destinations): `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.rawBody">`.
 */
export function signWebhook(secret: string, rawBody: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmacHex(secret, `${unixSeconds}.${rawBody}`)}`;
}

export const hmacHex = (secret: string, text: string): string => createHmac('sha256', secret).update(text).digest('hex');

/**
 * Constant-time comparison of two secrets of any length (CSRF tokens, signatures): both are hashed first, so neither
 * the bytes nor the length of the expected one shows in the time taken.
 */
export function sameSecret(given: string | Uint8Array | undefined, expected: string | Uint8Array): boolean {
  if (given === undefined) return false;
  const digest = (v: string | Uint8Array) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
