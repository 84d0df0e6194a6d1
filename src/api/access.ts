import { createMiddleware } from 'hono/factory';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { Role } from '../db/tokens.ts';
import type { Actor, AuthEnv } from './auth.ts';
import { ApiError } from './errors.ts';

/**
 * Who may do what, in one place:
 * - owner, admin, dpo: everything;
 * - controller: their organization's requests only (create, read, act, audit of those requests, stats of their
 *   organization); not the organization-wide audit trail or its verification;
 * - auditor: read-only, everything, the full audit trail included.
 * Checked by `authorize` (role x route, before any handler) and `assertOrganization` (the request's organization,
 * once it is known). A refusal is a 403 that says which rule refused.
 */
export const FULL_ACCESS: readonly Role[] = ['owner', 'admin', 'dpo'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The organization a listing is restricted to: the controller's own, or none (all) for the other roles. */
export function organizationScope(actor: Actor): string | undefined {
  if (actor.role !== 'controller') return undefined;
  if (!actor.organizationId) throw new ApiError(403, 'FORBIDDEN_NO_ORGANIZATION', `Token "${actor.name}" is a controller token without an organization; it may see nothing`);
  return actor.organizationId;
}

/** Acting (creating, deciding, lifting): every role but the read-only auditor. The API and the console both ask this. */
export function assertMayAct(actor: Actor): void {
  if (!mayAct(actor)) throw new ApiError(403, 'FORBIDDEN_READ_ONLY', 'Role auditor is read-only: it may not create requests or act on them');
}

export const mayAct = (actor: Actor): boolean => actor.role !== 'auditor';

/** The organization-wide audit trail and its chain check: every role but the controller (which reads its requests' events). */
export function assertMayReadTrail(actor: Actor): void {
  if (actor.role === 'controller') {
    throw new ApiError(403, 'FORBIDDEN_ROLE', 'Role controller may read the audit trail of its own requests (/v1/requests/{id}/audit), not the whole trail');
  }
}

export function assertOrganization(actor: Actor, organizationId: string): void {
  const scope = organizationScope(actor);
  if (scope !== undefined && scope !== organizationId) {
    throw new ApiError(403, 'FORBIDDEN_ORGANIZATION', `Role controller of organization "${scope}" may not see or act on requests of another organization`);
  }
}

/** Role x route, for every authenticated route under /v1; runs after `requireToken`. */
export const authorize = (pool: DatabasePool) =>
  createMiddleware<AuthEnv>(async (c, next) => {
    const actor = c.get('actor');
    const method = c.req.method;
    const path = c.req.path;
    const reading = method === 'GET' || method === 'HEAD';
    if (!reading) assertMayAct(actor);
    if (actor.role === 'controller') {
      if (path === '/v1/audit' || path.startsWith('/v1/audit/')) assertMayReadTrail(actor);
      organizationScope(actor);
      // A request named by id: its organization decides, before the handler reads or changes anything.
      const id = /^\/v1\/requests\/([^/]+)(?:\/|$)/.exec(path)?.[1];
      if (id && UUID.test(id)) {
        const organizationId = await pool.maybeOneFirst(sql.type(z.object({ organization_id: z.string() }))`
          select organization_id from dsrflow.requests where id = ${id}`);
        if (organizationId !== null) assertOrganization(actor, organizationId);
      }
    }
    await next();
  });

/** Temporal payloads, decrypted by the codec server: only the roles with full access (owner, admin, dpo). */
export function assertMaySeePayloads(actor: Actor): void {
  if (!FULL_ACCESS.includes(actor.role)) throw new ApiError(403, 'FORBIDDEN_ROLE', `Role ${actor.role} may not read or seal Temporal payloads: only owner, admin and dpo may`);
}

/** An organization's settings (the Privacy Center's embedding, identity documents): owner, admin and dpo change them. */
export function assertMayChangeSettings(actor: Actor): void {
  assertMayAct(actor);
  if (!FULL_ACCESS.includes(actor.role)) throw new ApiError(403, 'FORBIDDEN_ROLE', `Role ${actor.role} may read its organization's settings, not change them: only owner, admin and dpo may`);
}

export const mayChangeSettings = (actor: Actor): boolean => FULL_ACCESS.includes(actor.role);
