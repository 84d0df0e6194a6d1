import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';

// The security headers of every answer, set in this one place (docs/security.md): the console, the Privacy Center,
// the verification and download links, /docs and the JSON API all leave here with the same policy.

export interface SecurityHeaderSettings {
  /** PUBLIC_URL: https there means every answer carries HSTS. */
  publicUrl?: string | undefined;
  /** TRUST_PROXY: a proxy's X-Forwarded-Proto: https also turns HSTS on. */
  trustProxy?: boolean | undefined;
}

/** Scripts, styles, images, fonts and fetches from this origin only; no inline script or style; no plugins. */
const BASE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
].join('; ');

const HSTS = 'max-age=31536000';

/** Pages whose URL is a secret (emailed links): no Referer at all, not even to this origin's own assets. */
export const SECRET_LINK_PREFIXES = ['/verify/', '/downloads/', '/privacy/status/'] as const;

// Elsewhere no Referer leaves this origin. Not no-referrer everywhere: under it browsers send `Origin: null` with our
// own forms, and the console's CSRF defence checks that Origin.
const referrerPolicy = (path: string) => (SECRET_LINK_PREFIXES.some((p) => path.startsWith(p)) ? 'no-referrer' : 'same-origin');

// Who may frame an answer: decided by the route (a Privacy Center page of an organization that allows origins), per
// request; everything else is never framed.
const framers = new WeakMap<Request, readonly string[]>();

/** Lets the organization's allowed origins frame this answer (Privacy Center pages only; origins already checked). */
export function allowFraming(c: Context, origins: readonly string[]): void {
  if (origins.length > 0) framers.set(c.req.raw, origins);
}

const behindHttps = (c: Context, s: SecurityHeaderSettings) =>
  (s.publicUrl?.startsWith('https:') ?? false) || (s.trustProxy === true && c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https');

/**
 * After the route answered (or failed): the CSP with its frame-ancestors, no Referer to other sites, no
 * MIME sniffing, HSTS behind https, and no caching unless the route marked its answer cacheable (static assets).
 */
export const securityHeaders = (settings: SecurityHeaderSettings) =>
  createMiddleware(async (c, next) => {
    await next();
    const origins = framers.get(c.req.raw);
    let headers = c.res.headers;
    try {
      headers.set('X-Content-Type-Options', 'nosniff');
    } catch {
      // Some answers (Response.redirect, fetched bodies) have immutable headers: copy them once.
      c.res = new Response(c.res.body, c.res);
      headers = c.res.headers;
      headers.set('X-Content-Type-Options', 'nosniff');
    }
    headers.set('Content-Security-Policy', `${BASE_POLICY}; frame-ancestors ${origins ? origins.join(' ') : "'none'"}`);
    // X-Frame-Options cannot name several origins: sent only when no one may frame (older browsers).
    if (origins) headers.delete('X-Frame-Options');
    else headers.set('X-Frame-Options', 'DENY');
    headers.set('Referrer-Policy', referrerPolicy(c.req.path));
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    headers.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    if (behindHttps(c, settings)) headers.set('Strict-Transport-Security', HSTS);
    if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store');
  });
