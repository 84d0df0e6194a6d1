import { randomBytes } from 'node:crypto';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { REQUEST_TYPES, TERMINAL_STATUSES, type RequestType } from '../domain/request.ts';
import { hashToken } from './tokens.ts';

// The Privacy Center's records (docs/privacy-center.md): the organization's form settings, the open requests of an
// email address (before a new one is recorded), and the private status links emailed to subjects.

export const PRIVACY_IDENTIFIERS = ['customerId', 'fullName', 'phone'] as const;
export type PrivacyIdentifier = (typeof PRIVACY_IDENTIFIERS)[number];
const DEFAULT_IDENTIFIERS: readonly PrivacyIdentifier[] = ['customerId', 'fullName'];

const organizationRow = z.object({ id: z.string(), name: z.string(), identifiers: z.array(z.enum(PRIVACY_IDENTIFIERS)).nullable() });

/** The organization behind /privacy/{organization}, with the identifiers its form asks for; null if unknown. */
export async function findPrivacyCenter(db: CommonQueryMethods, organizationId: string) {
  const row = await db.maybeOne(sql.type(organizationRow)`
    select o.id, o.name, s.identifiers from dsrflow.organizations o
    left join dsrflow.privacy_center_settings s on s.organization_id = o.id where o.id = ${organizationId}`);
  return row ? { id: row.id, name: row.name, identifiers: row.identifiers ?? DEFAULT_IDENTIFIERS } : null;
}

/** The types of the open requests of the subject known by one of these email hashes, in this organization. */
export const openRequestTypes = (db: CommonQueryMethods, organizationId: string, emailHashes: readonly string[]): Promise<readonly RequestType[]> =>
  emailHashes.length === 0
    ? Promise.resolve([])
    : db.anyFirst(sql.type(z.object({ type: z.enum(REQUEST_TYPES) }))`
        select r.type from dsrflow.requests r
        join dsrflow.subject_identifiers i on i.subject_id = r.subject_id and i.organization_id = r.organization_id
        where i.organization_id = ${organizationId} and i.kind = 'email' and i.identifier_hash = any(${sql.array([...emailHashes], 'text')})
          and r.status <> all(${sql.array([...TERMINAL_STATUSES], 'text')})`);

/** How long an emailed status link opens its page. Every email carries a fresh one, so the newest lasts longest. */
export const STATUS_LINK_DAYS = 400;

/** A fresh private link token for the request's status page; only its hash is stored. */
export async function mintStatusLink(db: CommonQueryMethods, requestId: string, now: Date = new Date()): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.query(sql.unsafe`
    insert into dsrflow.status_links (token_hash, request_id, expires_at)
    values (${hashToken(token)}, ${requestId}, ${new Date(now.getTime() + STATUS_LINK_DAYS * 86_400_000).toISOString()})`);
  return token;
}

const linkRow = z.object({ request_id: z.uuid(), expires_at: z.string() });

export const findStatusLink = (db: CommonQueryMethods, token: string) =>
  db.maybeOne(sql.type(linkRow)`select request_id, expires_at from dsrflow.status_links where token_hash = ${hashToken(token)}`);
