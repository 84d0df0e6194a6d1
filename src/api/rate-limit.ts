import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { ApiError } from './errors.ts';

export interface RateLimitSettings {
  /** Requests admitted per client address and window. */
  limit: number;
  windowMs: number;
  /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy?: boolean;
}

/** The client's address: the first X-Forwarded-For hop behind a trusted proxy, else the socket's peer. */
export function clientAddress(c: Context, trustProxy = false): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // app.request() in tests has no socket
  }
}

/**
 * Fixed windows counted per key, in this process's memory: `hit(key)` counts one and answers the seconds to wait
 * when the key is over its limit, else null. Finished windows are forgotten now and then.
 */
export function fixedWindows(settings: Pick<RateLimitSettings, 'limit' | 'windowMs'>, now: () => number = Date.now) {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = now();
  return {
    hit(key: string): number | null {
      const t = now();
      if (t - lastSweep > settings.windowMs) {
        for (const [k, w] of windows) if (t - w.start >= settings.windowMs) windows.delete(k);
        lastSweep = t;
      }
      let w = windows.get(key);
      if (!w || t - w.start >= settings.windowMs) {
        w = { start: t, count: 0 };
        windows.set(key, w);
      }
      w.count += 1;
      return w.count > settings.limit ? Math.max(1, Math.ceil((w.start + settings.windowMs - t) / 1000)) : null;
    },
  };
}

/**
 * Request admission for the unauthenticated routes (webhooks, verification and download links): a fixed window
 * per client address, kept in this process's memory. Several API replicas each keep their own windows, so a
 * client may get up to `limit x replicas` per window overall; put a shared limiter at the proxy if that matters.
 */
export function fixedWindowLimiter(settings: RateLimitSettings, now: () => number = Date.now) {
  const windows = fixedWindows(settings, now);
  return createMiddleware(async (c, next) => {
    const retryAfter = windows.hit(clientAddress(c, settings.trustProxy));
    if (retryAfter !== null) {
      c.header('Retry-After', String(retryAfter));
      throw new ApiError(429, 'RATE_LIMITED', `Too many requests from this address; retry in ${retryAfter} s`);
    }
    await next();
  });
}
