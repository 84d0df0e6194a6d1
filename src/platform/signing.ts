import { createHmac } from 'node:crypto';

/**
 * The signature dsrflow uses both ways (connected systems sign what they send us; we sign what we send to
 * destinations): `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.rawBody">`.
 */
export function signWebhook(secret: string, rawBody: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmacHex(secret, `${unixSeconds}.${rawBody}`)}`;
}

export const hmacHex = (secret: string, text: string): string => createHmac('sha256', secret).update(text).digest('hex');
