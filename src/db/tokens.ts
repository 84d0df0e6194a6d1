import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

export const ROLES = ['owner', 'admin', 'dpo', 'controller', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const tokenRow = z.object({
  id: z.uuid(),
  name: z.string(),
  role: z.enum(ROLES),
  organization_id: z.string().nullable(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export type TokenRow = z.infer<typeof tokenRow>;

// Every stored token (API, verification link, download link) carries 256 random bits, so a plain SHA-256 is enough
// to store it (no password stretching needed).
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const generateToken = () => `dsr_${randomBytes(32).toString('base64url')}`;

/**
 * The active token of this secret. `last_used_at` is written at most once a minute (as console sessions slide), so
 * a busy client's calls read the token without a write and its commit; one round trip either way.
 */
export async function findActiveToken(db: CommonQueryMethods, token: string): Promise<TokenRow | null> {
  return db.maybeOne(sql.type(tokenRow)`
    with live as (
      select id, name, role, organization_id, created_at, last_used_at, revoked_at from dsrflow.api_tokens
      where token_hash = ${hashToken(token)} and revoked_at is null
    ), used as (
      update dsrflow.api_tokens t set last_used_at = now()
      from live where t.id = live.id and (live.last_used_at is null or live.last_used_at < now() - interval '1 minute')
      returning t.id, t.last_used_at
    )
    select live.id, name, role, organization_id, created_at, coalesce(used.last_used_at, live.last_used_at) as last_used_at, revoked_at
    from live left join used on used.id = live.id`);
}

/** Creates or re-keys a named token (used for the local owner token printed by `npm start`). */
export async function upsertToken(db: CommonQueryMethods, t: { name: string; role: Role; organizationId: string | null; token: string }) {
  await db.query(sql.unsafe`
    insert into dsrflow.api_tokens (id, name, role, organization_id, token_hash)
    values (${randomUUID()}, ${t.name}, ${t.role}, ${t.organizationId}, ${hashToken(t.token)})
    on conflict (name) do update set token_hash = excluded.token_hash, role = excluded.role,
      organization_id = excluded.organization_id, revoked_at = null`);
}

export async function ensureOrganization(db: CommonQueryMethods, id: string, name = id): Promise<void> {
  await db.query(sql.unsafe`insert into dsrflow.organizations (id, name) values (${id}, ${name}) on conflict (id) do nothing`);
}

export class TokenNameTaken extends Error {}

/** A new named token; the plain token is returned once and only its hash is kept. */
export async function createToken(db: CommonQueryMethods, t: { name: string; role: Role; organizationId: string | null }): Promise<{ id: string; token: string }> {
  if (t.organizationId) await ensureOrganization(db, t.organizationId);
  const token = generateToken();
  const id = await db.maybeOneFirst(sql.type(z.object({ id: z.uuid() }))`
    insert into dsrflow.api_tokens (id, name, role, organization_id, token_hash)
    values (${randomUUID()}, ${t.name}, ${t.role}, ${t.organizationId}, ${hashToken(token)})
    on conflict (name) do nothing
    returning id`);
  if (id === null) throw new TokenNameTaken(`a token named "${t.name}" already exists (revoked tokens keep their name)`);
  return { id, token };
}

/** Revokes by name; answers whether an active token was revoked. */
export async function revokeToken(db: CommonQueryMethods, name: string): Promise<boolean> {
  const revoked = await db.maybeOneFirst(sql.type(z.object({ id: z.uuid() }))`
    update dsrflow.api_tokens set revoked_at = now() where name = ${name} and revoked_at is null returning id`);
  return revoked !== null;
}

export const listTokens = (db: CommonQueryMethods) =>
  db.any(sql.type(tokenRow)`select id, name, role, organization_id, created_at, last_used_at, revoked_at from dsrflow.api_tokens order by created_at, name`);
