import { Hono } from 'hono';
import { html } from 'hono/html';
import { closeSession, openSession, useSigninLink } from '../../db/console-sessions.ts';
import { startReading } from '../../db/console-notifications.ts';
import { findActiveToken } from '../../db/tokens.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { layout } from './layout.ts';
import { checkedForm, checkSigninGuard, clearSessionCookie, issueSigninGuard, requireSession, safeNext, SESSION_IDLE_SECONDS, sessionIdOf, setSessionCookie, type ConsoleEnv } from './session.ts';

const field = (form: Record<string, string | File>, name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);

const signInPage = (guard: string, next: string, error?: string) =>
  layout({
    title: 'Sign in',
    body: html`<section class="narrow">
  <h1>Sign in to the staff console</h1>
  ${error ? html`<div class="error-summary" role="alert" tabindex="-1"><h2>There is a problem</h2><p><a href="#token">${error}</a></p></div>` : ''}
  <form method="post" action="/console/sign-in" class="stack">
    <input type="hidden" name="_guard" value="${guard}">
    <input type="hidden" name="next" value="${next}">
    <div class="field${error ? ' field-error' : ''}">
      <label for="token">What is your API token?</label>
      <p class="hint" id="token-hint">It starts with dsr_. Ask an owner for one with <code>npm run token -- create</code>. You act with its role and organization.</p>
      ${error ? html`<p class="field-message" id="token-error">${error}</p>` : ''}
      <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required maxlength="200" aria-describedby="token-hint${error ? ' token-error' : ''}">
    </div>
    <button type="submit">Sign in</button>
  </form>
</section>`,
  });

const linkPage = (guard: string, secret: string) =>
  layout({
    title: 'Sign in with a link',
    body: html`<section class="narrow">
  <h1>Sign in with your one-time link</h1>
  <p>This link signs you in once. It stops working after use or when it expires.</p>
  <form method="post" action="/console/sign-in/link" class="stack">
    <input type="hidden" name="_guard" value="${guard}">
    <input type="hidden" name="link" value="${secret}">
    <button type="submit">Sign in</button>
  </form>
</section>`,
  });

/** Sign-in (API token or one-time link) and sign-out. A wrong token says so without telling which part was wrong. */
export function signInRouter(deps: AppDeps) {
  const router = new Hono<ConsoleEnv>();
  router.get('/sign-in', (c) => c.html(signInPage(issueSigninGuard(c, deps), safeNext(c.req.query('next')))));
  router.post('/sign-in', async (c) => {
    const form = await c.req.parseBody();
    checkSigninGuard(c, deps, field(form, '_guard'));
    const next = safeNext(field(form, 'next'));
    const token = field(form, 'token')?.trim() ?? '';
    const found = /^dsr_[A-Za-z0-9_-]{20,100}$/.test(token) ? await findActiveToken(deps.pool, token) : null;
    if (!found) return c.html(signInPage(issueSigninGuard(c, deps), next, 'That token is not known or has been revoked. Check it and try again.'), 401);
    const { sessionId } = await openSession(deps.pool, found.id, SESSION_IDLE_SECONDS);
    await startReading(deps.pool, found.id);
    setSessionCookie(c, deps, sessionId);
    return c.redirect(next, 303);
  });
  // The link only shows a button: mail scanners and link previews fetch GETs, and must not use it up.
  router.get('/sign-in/link/:secret{[A-Za-z0-9_-]{40,60}}', (c) => c.html(linkPage(issueSigninGuard(c, deps), c.req.param('secret'))));
  router.post('/sign-in/link', async (c) => {
    const form = await c.req.parseBody();
    checkSigninGuard(c, deps, field(form, '_guard'));
    const secret = field(form, 'link') ?? '';
    const tokenId = /^[A-Za-z0-9_-]{40,60}$/.test(secret) ? await useSigninLink(deps.pool, secret) : null;
    if (!tokenId) throw new ApiError(401, 'SIGNIN_LINK_INVALID', 'This sign-in link is unknown, used or expired. Ask for a new one, or sign in with your token.');
    const { sessionId } = await openSession(deps.pool, tokenId, SESSION_IDLE_SECONDS);
    await startReading(deps.pool, tokenId);
    setSessionCookie(c, deps, sessionId);
    return c.redirect('/console', 303);
  });
  router.post('/sign-out', requireSession(deps), async (c) => {
    await checkedForm(c, deps);
    const sessionId = sessionIdOf(c, deps);
    if (sessionId) await closeSession(deps.pool, sessionId);
    clearSessionCookie(c, deps);
    return c.redirect('/console/sign-in', 303);
  });
  return router;
}
