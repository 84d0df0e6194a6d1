import { createRoute, z } from '@hono/zod-openapi';
import { MAX_EMBED_ORIGINS } from '../../domain/privacy-center-settings.ts';
import { REQUEST_TYPES } from '../../domain/request.ts';
import { errorResponse } from '../errors.ts';

export const OrganizationParam = z.object({
  organizationId: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'an organization id is lower-case letters, digits and hyphens')
    .openapi({ param: { name: 'organizationId', in: 'path' }, example: 'acme' }),
});

const origins = z.array(z.string().max(300)).openapi({
  description: `Exact origins (scheme, host, optional port; no path or trailing slash; host in lower case) that may embed the Privacy Center widget (CORS of embed.json and frame-ancestors of the form). https:// only, but http://localhost and http://127.0.0.1 for local testing. At most ${MAX_EMBED_ORIGINS}; repeats are dropped.`,
  example: ['https://www.acme.com', 'https://shop.acme.com'],
});
const types = z.array(z.enum(REQUEST_TYPES)).openapi({
  description: 'Request types for which the person must upload an identity document on the status page (staff then decide the identity). Not noSale: an opt-out of sale is never verified.',
  example: ['erasure'],
});

export const SettingsBody = z.object({ embedOrigins: origins, identityDocumentTypes: types }).strict().openapi('PrivacyCenterSettingsChange');

export const SettingsSchema = z
  .object({
    organizationId: z.string(),
    organizationName: z.string(),
    embedOrigins: z.array(z.string()),
    identityDocumentTypes: z.array(z.enum(REQUEST_TYPES)),
  })
  .openapi('PrivacyCenterSettings');

const path = '/v1/organizations/{organizationId}/privacy-center-settings';
const ok = (description: string) => ({ content: { 'application/json': { schema: SettingsSchema } }, description });

export const getSettingsRoute = createRoute({
  method: 'get',
  path,
  tags: ['Organizations'],
  summary: "An organization's Privacy Center settings: who may embed it, which types need an identity document",
  security: [{ bearer: [] }],
  request: { params: OrganizationParam },
  responses: {
    200: ok('The stored settings (empty lists when never set)'),
    400: errorResponse('The organization id is not one'),
    401: errorResponse('Missing or invalid token'),
    403: errorResponse("A controller asking for another organization's settings"),
    404: errorResponse('No such organization'),
  },
});

export const putSettingsRoute = createRoute({
  method: 'put',
  path,
  tags: ['Organizations'],
  summary: "Replace an organization's Privacy Center settings (owner, admin, dpo)",
  description:
    'Both lists are required and replace the stored ones. A change is recorded in the audit trail as settings.privacy_center_changed (organization-level, the values before and after); the same values again change and record nothing.',
  security: [{ bearer: [] }],
  request: { params: OrganizationParam, body: { content: { 'application/json': { schema: SettingsBody } }, required: true } },
  responses: {
    200: ok('The settings as stored (origins without repeats, types in the usual order)'),
    400: errorResponse('An origin that is not an exact https origin, more than 20, an unknown type: details name each field'),
    401: errorResponse('Missing or invalid token'),
    403: errorResponse('Controllers and auditors may not change settings'),
    404: errorResponse('No such organization'),
  },
});
