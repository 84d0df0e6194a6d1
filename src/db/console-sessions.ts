import { createHmac, randomBytes } from 'node:crypto';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { unreadCountOf } from './console-notifications.ts';
import { hashToken, tokenRow, type TokenRow } from './tokens.ts';

// Staff console sessions, sign-in links and form submissions (migration 016). Every secret here carries 256
// random bits and is stored as its SHA-256 (db/tokens.ts hashToken), like the API tokens themselves. The CSRF token
// is derived from the session id (migration 020), so no secret of a session is stored in the clear.

const secret = () => randomBytes(32).toString('base64url');

/** The session's synchronizer token: an HMAC keyed by the session id, so only the cookie's holder can compute it. */
export const csrfTokenOf = (sessionId: string) => createHmac('sha256', sessionId).update('dsrflow console csrf').digest('base64url');

export interface ConsoleSession {
  token: TokenRow;
  csrfToken: string;
  expiresAt: string;
  /** Unread notifications for the badge (counted only when asked for; 0 otherwise). */
  unread: number;
  /** Every organization (id order), when asked for and the token's role sees more than its own; else null. */
  organizations: Array<{ id: string; name: string }> | null;
}

/** Opens a session for an active token; answers the session id for the cookie (shown only now). */
export async function openSession(db: CommonQueryMethods, tokenId: string, ttlSeconds: number): Promise<{ sessionId: string; expiresAt: string }> {
  const sessionId = secret();
  const expiresAt = await db.oneFirst(sql.type(z.object({ expires_at: z.string() }))`
    insert into dsrflow.console_sessions (id_hash, token_id, expires_at)
    values (${hashToken(sessionId)}, ${tokenId}, now() + make_interval(secs => ${ttlSeconds}))
    returning expires_at`);
  return { sessionId, expiresAt };
}

const sessionRow = tokenRow.extend({ expires_at: z.string(), unread: z.coerce.number(), organizations: z.array(z.object({ id: z.string(), name: z.string() })).nullable() });

/** What a page reads with its session, in the same statement. */
export interface SessionExtras {
  /** The badge's unread count. */
  unread?: boolean;
  /** The organizations a role that sees several filters by (the list page). */
  organizations?: boolean;
}

/**
 * The live session of this id: not expired, its token not revoked. Idle sessions slide forward (an hour of use
 * keeps them open), never past `maxSeconds` after sign-in; the slide is written at most once a minute, so reading
 * pages writes nothing most of the time. With `withUnread`, the badge's unread count (docs/console.md: a controller
 * counts its organization's) comes in the same statement, and so do the organizations for the list's filter. One
 * round trip either way.
 */
export async function findSession(db: CommonQueryMethods, sessionId: string, ttlSeconds: number, maxSeconds: number, extras: SessionExtras = {}): Promise<ConsoleSession | null> {
  const organizations = extras.organizations
    ? sql.fragment`case when live.role <> 'controller' then (select coalesce(json_agg(json_build_object('id', o.id, 'name', o.name) order by o.id), '[]') from dsrflow.organizations o) end`
    : sql.fragment`null`;
  const unread = extras.unread
    ? unreadCountOf(sql.fragment`live.id`, sql.fragment`(case when live.role = 'controller' then coalesce(live.organization_id, '-') end)`)
    : sql.fragment`0`;
  const row = await db.maybeOne(sql.type(sessionRow)`
    with live as (
      select s.id_hash, s.expires_at, s.last_seen_at, s.created_at,
             t.id, t.name, t.role, t.organization_id, t.created_at as token_created_at, t.last_used_at, t.revoked_at
      from dsrflow.console_sessions s join dsrflow.api_tokens t on t.id = s.token_id
      where s.id_hash = ${hashToken(sessionId)} and s.expires_at > now() and t.revoked_at is null
    ), slid as (
      update dsrflow.console_sessions s
      set last_seen_at = now(),
          expires_at = least(now() + make_interval(secs => ${ttlSeconds}), s.created_at + make_interval(secs => ${maxSeconds}))
      from live where s.id_hash = live.id_hash and live.last_seen_at < now() - interval '1 minute'
    )
    select id, name, role, organization_id, token_created_at as created_at, last_used_at, revoked_at, expires_at, ${unread} as unread, ${organizations} as organizations from live`);
  if (!row) return null;
  const { expires_at, unread: count, organizations: listed, ...token } = row;
  return { token, csrfToken: csrfTokenOf(sessionId), expiresAt: expires_at, unread: count, organizations: listed };
}

export async function closeSession(db: CommonQueryMethods, sessionId: string): Promise<void> {
  await db.query(sql.unsafe`delete from dsrflow.console_sessions where id_hash = ${hashToken(sessionId)} or expires_at < now() - interval '1 day'`);
}

/** A one-time sign-in link's secret for the named active token (the CLI prints it inside a URL). */
export async function createSigninLink(db: CommonQueryMethods, tokenName: string, ttlSeconds: number): Promise<string | null> {
  const linkSecret = secret();
  const made = await db.maybeOneFirst(sql.type(z.object({ token_id: z.uuid() }))`
    insert into dsrflow.console_signin_links (token_hash, token_id, expires_at)
    select ${hashToken(linkSecret)}, id, now() + make_interval(secs => ${ttlSeconds}) from dsrflow.api_tokens
    where name = ${tokenName} and revoked_at is null
    returning token_id`);
  return made === null ? null : linkSecret;
}

/** Uses a sign-in link once: answers its token id, or null when unknown, used, expired or its token revoked. */
export const useSigninLink = (db: CommonQueryMethods, linkSecret: string) =>
  db.maybeOneFirst(sql.type(z.object({ token_id: z.uuid() }))`
    update dsrflow.console_signin_links l set used_at = now()
    from dsrflow.api_tokens t
    where l.token_hash = ${hashToken(linkSecret)} and l.used_at is null and l.expires_at > now()
      and t.id = l.token_id and t.revoked_at is null
    returning l.token_id`);

const submissionRow = z.object({ request_id: z.uuid(), action: z.string(), outcome: z.string() });

/** The outcome of a form already submitted with this key by this token, if any. */
export const findSubmission = (db: CommonQueryMethods, tokenId: string, key: string) =>
  db.maybeOne(sql.type(submissionRow)`
    select request_id, action, outcome from dsrflow.console_submissions where idempotency_key = ${key} and token_id = ${tokenId}`);

export async function recordSubmission(db: CommonQueryMethods, s: { key: string; tokenId: string; requestId: string; action: string; outcome: string }): Promise<void> {
  await db.query(sql.unsafe`
    insert into dsrflow.console_submissions (idempotency_key, token_id, request_id, action, outcome)
    values (${s.key}, ${s.tokenId}, ${s.requestId}, ${s.action}, ${s.outcome}) on conflict (idempotency_key) do nothing`);
}

