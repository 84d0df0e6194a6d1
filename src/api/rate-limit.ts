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

/**
 * Request admission for the unauthenticated routes (webhooks, verification and download links): a fixed window
 * per client address, kept in this process's memory. Several API replicas each keep their own windows, so a
 * client may get up to `limit x replicas` per window overall; put a shared limiter at the proxy if that matters.
 */
export function fixedWindowLimiter(settings: RateLimitSettings, now: () => number = Date.now) {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = now();
  const clientAddress = (c: Context) => {
    if (settings.trustProxy) {
      const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
      if (forwarded) return forwarded;
    }
    try {
      return getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      return 'unknown'; // app.request() in tests has no socket
    }
  };
  return createMiddleware(async (c, next) => {
    const t = now();
    // Forget finished windows now and then, so memory follows the active clients only.
    if (t - lastSweep > settings.windowMs) {
      for (const [key, w] of windows) if (t - w.start >= settings.windowMs) windows.delete(key);
      lastSweep = t;
    }
    const key = clientAddress(c);
    let w = windows.get(key);
    if (!w || t - w.start >= settings.windowMs) {
      w = { start: t, count: 0 };
      windows.set(key, w);
    }
    w.count += 1;
    if (w.count > settings.limit) {
      const retryAfter = Math.max(1, Math.ceil((w.start + settings.windowMs - t) / 1000));
      c.header('Retry-After', String(retryAfter));
      throw new ApiError(429, 'RATE_LIMITED', `Too many requests from this address; retry in ${retryAfter} s`);
    }
    await next();
  });
}
