import type { ArrivalEnv } from './arrival.ts';
import { createMiddleware } from 'hono/factory';
import type { DatabasePool } from 'slonik';
import { findActiveToken, type Role } from '../db/tokens.ts';
import { ApiError } from './errors.ts';

export interface Actor {
  tokenId: string;
  name: string;
  role: Role;
  organizationId: string | null;
}

export type AuthEnv = { Variables: { actor: Actor } & ArrivalEnv['Variables'] };

/** Bearer-token authentication: 401 with a reason when the header is missing, malformed, unknown or revoked. */
export const requireToken = (pool: DatabasePool) =>
  createMiddleware<AuthEnv>(async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) throw new ApiError(401, 'AUTH_REQUIRED', 'Missing Authorization header: send "Authorization: Bearer <token>"');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new ApiError(401, 'AUTH_MALFORMED', 'Authorization header must be "Bearer <token>"');
    const token = await findActiveToken(pool, match[1]!);
    if (!token) throw new ApiError(401, 'AUTH_INVALID', 'The token is unknown or revoked');
    c.set('actor', { tokenId: token.id, name: token.name, role: token.role, organizationId: token.organization_id });
    await next();
  });
