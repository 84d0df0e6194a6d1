import { createHash, randomBytes } from 'node:crypto';
import { sameSecret } from '../../platform/signing.ts';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { findSession } from '../../db/console-sessions.ts';
import type { Actor } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { z } from 'zod';
import { findRequest } from '../../db/requests.ts';
import { assertMayAct, assertOrganization } from '../access.ts';

// Console sessions (docs/console.md): the cookie holds a random session id (PostgreSQL keeps its hash), httpOnly,
// SameSite=Strict, Secure when PUBLIC_URL is https. Every POST carries the session's synchronizer token.

export const SESSION_IDLE_SECONDS = 2 * 3600;
export const SESSION_MAX_SECONDS = 12 * 3600;

/** What a page read while its session was being checked (see `requireSession`), settled, and by which reads. */
export type EarlyReads = { reads: PageReads; settled: Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> };

export type ConsoleEnv = {
  Variables: { actor: Actor; csrfToken: string; unread: number; organizations: Array<{ id: string; name: string }> | null; earlyReads?: EarlyReads };
};

const secure = (deps: AppDeps) => deps.settings.publicUrl?.startsWith('https:') ?? false;
const cookieName = (deps: AppDeps) => (secure(deps) ? '__Secure-dsrflow_console' : 'dsrflow_console');
const PRE_COOKIE = 'dsrflow_console_signin';

const cookieOptions = (deps: AppDeps, maxAge: number) => ({ path: '/console', httpOnly: true, sameSite: 'Strict', secure: secure(deps), maxAge }) as const;

export function setSessionCookie(c: Context, deps: AppDeps, sessionId: string): void {
  setCookie(c, cookieName(deps), sessionId, cookieOptions(deps, SESSION_MAX_SECONDS));
}

export const sessionIdOf = (c: Context, deps: AppDeps) => getCookie(c, cookieName(deps));

export const clearSessionCookie = (c: Context, deps: AppDeps) => deleteCookie(c, cookieName(deps), { path: '/console', secure: secure(deps) });

/**
 * A form posted from another site is refused before its token is looked at: the browser's Origin (when sent) must
 * be this server's (the request's own origin, or PUBLIC_URL's behind a proxy).
 */
export function assertSameOrigin(c: Context, deps: AppDeps): void {
  const origin = c.req.header('origin');
  if (origin === undefined) return;
  const allowed = [new URL(c.req.url).origin, deps.settings.publicUrl ? new URL(deps.settings.publicUrl).origin : null];
  if (!allowed.includes(origin)) throw new ApiError(403, 'CSRF_ORIGIN', 'This form was sent from another site; nothing was done.');
}

/** Sign-in forms have no session yet: a short-lived cookie and the same value in the form (double submit). */
export function issueSigninGuard(c: Context, deps: AppDeps): string {
  const guard = randomBytes(24).toString('base64url');
  setCookie(c, PRE_COOKIE, guard, cookieOptions(deps, 900));
  return guard;
}

export function checkSigninGuard(c: Context, deps: AppDeps, posted: string | undefined): void {
  assertSameOrigin(c, deps);
  const cookie = getCookie(c, PRE_COOKIE);
  if (!cookie || !sameSecret(posted, cookie)) throw new ApiError(403, 'CSRF_INVALID', 'The sign-in form expired or came from elsewhere. Open the sign-in page again.');
  deleteCookie(c, PRE_COOKIE, { path: '/console', secure: secure(deps) });
}

// The actor each session had on its last page, by the session id's hash. Tokens never change role or organization
// (they are only revoked), so a session's next page is for the same actor unless the session has ended.
const lastActors = new Map<string, Actor>();
const LAST_ACTORS_KEPT = 10_000;
const sessionKey = (sessionId: string) => createHash('sha256').update(sessionId).digest('base64url');
const actorKey = (a: Actor) => `${a.tokenId}/${a.role}/${a.organizationId ?? ''}`;
const sameActor = (a: Actor, b: Actor) => actorKey(a) === actorKey(b);

function rememberActor(key: string, actor: Actor): void {
  lastActors.delete(key);
  if (lastActors.size >= LAST_ACTORS_KEPT) lastActors.delete(lastActors.keys().next().value!);
  lastActors.set(key, actor);
}

/** A page's reads (no writes) that may start while its session is checked, for the actor the session last had. */
export type PageReads = (c: Context<ConsoleEnv>, actor: Actor) => Promise<unknown>;

/** What a page reads with its session: `reads` started at the same time; the organizations in the same statement. */
export interface SessionPage {
  reads?: PageReads;
  organizations?: boolean;
}

/**
 * A signed-in staff member, or: a page asked for is redirected to sign-in, anything posted is a 401. Each page
 * re-reads the session and its token, so a revoked token or an expired session ends access at once.
 *
 * `pages` (by path): a page's `reads` start at the same time as the session check, for the actor this session had
 * on its previous page, and are handed to the page (`earlyReads`) only when the check passes for that same actor;
 * otherwise they are dropped unseen and the page reads after the check (docs/console.md, "The list"). Nothing is
 * shown or done before the check passes. With `organizations`, the session's statement reads them too.
 */
export const requireSession = (deps: AppDeps, pages: Record<string, SessionPage> = {}) =>
  createMiddleware<ConsoleEnv>(async (c, next) => {
    const sessionId = sessionIdOf(c, deps);
    const isPage = c.req.method === 'GET';
    const key = sessionId && isPage ? sessionKey(sessionId) : undefined;
    const guessed = key === undefined ? undefined : lastActors.get(key);
    const page = isPage && Object.hasOwn(pages, c.req.path) ? pages[c.req.path]! : undefined;
    const reads = guessed ? page?.reads : undefined;
    const early: EarlyReads | undefined = reads && guessed
      ? { reads, settled: reads(c, guessed).then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error })) }
      : undefined;
    // A page's badge (its unread count) is read with the session, in one round trip; a POST needs none.
    const session = sessionId ? await findSession(deps.pool, sessionId, SESSION_IDLE_SECONDS, SESSION_MAX_SECONDS, { unread: isPage, organizations: page?.organizations }) : null;
    if (!session) {
      if (key !== undefined) lastActors.delete(key);
      if (c.req.method === 'GET' || c.req.method === 'HEAD') {
        const next = c.req.path + (new URL(c.req.url).search || '');
        return c.redirect(`/console/sign-in?next=${encodeURIComponent(next)}`, 303);
      }
      throw new ApiError(401, 'SESSION_REQUIRED', 'Your session has ended. Sign in again; nothing was done.');
    }
    const t = session.token;
    const actor: Actor = { tokenId: t.id, name: t.name, role: t.role, organizationId: t.organization_id };
    if (key !== undefined) rememberActor(key, actor);
    c.set('actor', actor);
    c.set('csrfToken', session.csrfToken);
    c.set('unread', session.unread);
    c.set('organizations', session.organizations);
    if (early && guessed && sameActor(guessed, actor)) c.set('earlyReads', early);
    await next();
  });

/** The page's reads: those started with the session check when they were for this actor, else read now. */
export async function pageReads<T>(c: Context<ConsoleEnv>, reads: (c: Context<ConsoleEnv>, actor: Actor) => Promise<T>): Promise<T> {
  const early = c.get('earlyReads');
  if (early?.reads !== reads) return reads(c, c.get('actor'));
  const settled = await early.settled;
  if (!settled.ok) throw settled.error;
  return settled.value as T;
}

/** Every POST of a session: same origin, and the session's synchronizer token in the `_csrf` field. */
export async function checkedForm(c: Context<ConsoleEnv>, deps: AppDeps): Promise<Record<string, string | string[]>> {
  assertSameOrigin(c, deps);
  const form = (await c.req.parseBody({ all: true })) as Record<string, string | string[] | File>;
  const token = typeof form._csrf === 'string' ? form._csrf : undefined;
  if (!sameSecret(token, c.get('csrfToken'))) throw new ApiError(403, 'CSRF_INVALID', 'The form is missing its security token or it is out of date. Reload the page and try again; nothing was done.');
  const fields: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(form)) if (typeof v === 'string' || Array.isArray(v)) fields[k] = Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : v;
  return fields;
}

/** The request named by the path's `:id`, if the signed-in actor's organization may see it (404 / 403 otherwise). */
export async function requestInPath(c: Context<ConsoleEnv>, deps: AppDeps) {
  const id = z.uuid().safeParse(c.req.param('id'));
  if (!id.success) throw new ApiError(404, 'REQUEST_NOT_FOUND', 'There is no request with that id.');
  const row = await findRequest(deps.pool, id.data);
  if (!row) throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with id ${id.data}`);
  assertOrganization(c.get('actor'), row.organization_id);
  return row;
}

/**
 * A form that acts (opens or decides a request): checked (CSRF, origin), by staff who may act, with its
 * Idempotency-Key; `arrivedAt` is taken before any database call, so a request typed in counts from then.
 */
export async function actingForm(c: Context<ConsoleEnv>, deps: AppDeps) {
  const arrivedAt = deps.now();
  const form = await checkedForm(c, deps);
  const actor = c.get('actor');
  assertMayAct(actor);
  return { arrivedAt, form, actor, key: formIdempotencyKey(form) };
}

/** The first value of a form field (a repeated field arrives as an array). */
export const firstValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

const IDEMPOTENCY_KEY = /^[A-Za-z0-9-]{16,100}$/;

/** The Idempotency-Key each rendered form carries: a double submit or a refresh replays the first result. */
export function formIdempotencyKey(form: Record<string, string | string[]>): string {
  const key = firstValue(form.idempotencyKey) ?? '';
  if (!IDEMPOTENCY_KEY.test(key)) throw new ApiError(400, 'IDEMPOTENCY_KEY_REQUIRED', 'The form has no valid Idempotency-Key; reload the page.');
  return key;
}

/** Only console paths are followed after sign-in (never another site). */
export const safeNext = (next: string | undefined) => (next && /^\/console(\/[A-Za-z0-9/_?=&%.-]*)?$/.test(next) && !next.startsWith('//') ? next : '/console');
