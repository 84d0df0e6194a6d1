import { OpenAPIHono, type RouteHandler } from '@hono/zod-openapi';
import { changePrivacyCenterSettings, readPrivacyCenterSettings, type OrganizationSettings } from '../../db/privacy-center-settings.ts';
import { checkPrivacyCenterExtras, type PrivacyCenterExtras } from '../../domain/privacy-center-settings.ts';
import { assertMayChangeSettings, organizationScope } from '../access.ts';
import type { AppDeps } from '../deps.ts';
import type { Actor, AuthEnv } from '../auth.ts';
import { ApiError, defaultHook, validationError } from '../errors.ts';
import { getSettingsRoute, putSettingsRoute } from './privacy-center-settings.routes.ts';

// An organization's Privacy Center settings (docs/privacy-center.md): the API's routes and the functions the
// console's settings page calls too, so both check, refuse and audit alike.

const notFound = (organizationId: string) => new ApiError(404, 'ORGANIZATION_NOT_FOUND', `No organization ${organizationId}`);

/** A controller reads its own organization's settings only (403 before anything is read). */
function assertMayReadSettings(actor: Actor, organizationId: string): void {
  const scope = organizationScope(actor);
  if (scope !== undefined && scope !== organizationId) throw new ApiError(403, 'FORBIDDEN_ORGANIZATION', `Role controller of organization "${scope}" may not read another organization's settings`);
}

export async function readSettings(deps: AppDeps, actor: Actor, organizationId: string): Promise<OrganizationSettings> {
  assertMayReadSettings(actor, organizationId);
  const settings = await readPrivacyCenterSettings(deps.pool, organizationId);
  if (!settings) throw notFound(organizationId);
  return settings;
}

/** Checks (400 naming each field), refuses roles that may not change settings (403), stores and audits. */
export async function changeSettings(deps: AppDeps, actor: Actor, organizationId: string, input: { embedOrigins: readonly string[]; identityDocumentTypes: readonly string[] }): Promise<OrganizationSettings & { changed: boolean }> {
  assertMayReadSettings(actor, organizationId);
  assertMayChangeSettings(actor);
  const checked = checkPrivacyCenterExtras(input);
  if (!checked.ok) throw validationError(checked.problems);
  const stored = await changePrivacyCenterSettings(deps.pool, organizationId, checked.value, actor.name);
  if (!stored) throw notFound(organizationId);
  return stored;
}

const answer = (s: OrganizationSettings & Partial<PrivacyCenterExtras>) => ({
  organizationId: s.organization.id,
  organizationName: s.organization.name,
  embedOrigins: s.embedOrigins,
  identityDocumentTypes: s.identityDocumentTypes,
});

export function privacyCenterSettingsRouter(deps: AppDeps) {
  const get: RouteHandler<typeof getSettingsRoute, AuthEnv> = async (c) =>
    c.json(answer(await readSettings(deps, c.get('actor'), c.req.valid('param').organizationId)), 200);
  const put: RouteHandler<typeof putSettingsRoute, AuthEnv> = async (c) =>
    c.json(answer(await changeSettings(deps, c.get('actor'), c.req.valid('param').organizationId, c.req.valid('json'))), 200);
  return new OpenAPIHono<AuthEnv>({ defaultHook }).openapi(getSettingsRoute, get).openapi(putSettingsRoute, put);
}
