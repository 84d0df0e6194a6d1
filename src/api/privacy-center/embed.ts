import { readFileSync } from 'node:fs';
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context, Next } from 'hono';
import { findPrivacyCenter } from '../../db/privacy-center.ts';
import { privacyCenterExtras } from '../../db/privacy-center-settings.ts';
import { isLocale, messagesFor, DEFAULT_LOCALE } from '../../locales/index.ts';
import type { AppDeps } from '../deps.ts';
import { ErrorSchema } from '../errors.ts';
import { allowFraming } from '../security-headers.ts';

// Embedding the Privacy Center in the organization's own site (docs/privacy-center.md "Embedding"): the widget
// script, the question it asks (CORS: only the organization's allowed origins get an answer they can read), and the
// framing of the form's pages (frame-ancestors: the same origins; 'none' for everyone else).

const WIDGET = readFileSync(new URL('./widget.js', import.meta.url), 'utf8');
export const EMBED_SCRIPT = readFileSync(new URL('./embed.js', import.meta.url), 'utf8');

const ORGANIZATION = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The form's pages (/privacy/{organization}) may be framed by the organization's allowed origins. */
export const framingOfForm = (deps: AppDeps) => async (c: Context, next: Next) => {
  const organization = c.req.param('organization') ?? '';
  if (ORGANIZATION.test(organization)) allowFraming(c, (await privacyCenterExtras(deps.pool, organization)).embedOrigins);
  await next();
};

const EmbedSchema = z
  .object({
    path: z.string().openapi({ description: 'The form’s address on this server, for the widget’s frame', example: '/privacy/acme?lang=en' }),
    title: z.string().openapi({ description: 'The frame’s accessible title', example: 'Your privacy rights with ACME' }),
  })
  .openapi('PrivacyCenterEmbed');

export function embedRoutes(app: OpenAPIHono, deps: AppDeps): void {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/privacy/widget.js',
    tags: ['Privacy Center'],
    summary: 'The embeddable widget: <dsrflow-privacy-center organization="…"> (an iframe of the form in a shadow root)',
    responses: { 200: { description: 'The script', content: { 'text/javascript': { schema: z.string() } } } },
  });
  app.get('/privacy/widget.js', (c) => c.body(WIDGET, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }));

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/privacy/{organization}/embed.json',
    tags: ['Privacy Center'],
    summary: 'What the widget frames; readable (CORS) only from the organization’s allowed origins',
    description: 'Access-Control-Allow-Origin is the request’s Origin when the organization lists it (privacy_center_settings.embed_origins); any other Origin is 403.',
    request: {
      params: z.object({ organization: z.string().openapi({ param: { name: 'organization', in: 'path' }, example: 'acme' }) }),
      query: z.object({ lang: z.string().optional().openapi({ description: 'The host page’s language (en, de, fr, es); default English' }) }),
    },
    responses: {
      200: { description: 'The frame’s address and title', content: { 'application/json': { schema: EmbedSchema } } },
      403: { description: 'The Origin may not embed this organization’s Privacy Center', content: { 'application/json': { schema: ErrorSchema } } },
      404: { description: 'No organization at this address', content: { 'application/json': { schema: ErrorSchema } } },
    },
  });
  app.get('/privacy/:organization/embed.json', async (c) => {
    c.header('Vary', 'Origin');
    const organization = c.req.param('organization');
    const center = ORGANIZATION.test(organization) ? await findPrivacyCenter(deps.pool, organization) : null;
    if (!center) return c.json({ error: { code: 'ORGANIZATION_NOT_FOUND', message: 'No Privacy Center at this address' } }, 404);
    const origin = c.req.header('origin');
    if (origin !== undefined) {
      const allowed = (await privacyCenterExtras(deps.pool, center.id)).embedOrigins;
      if (!allowed.includes(origin)) return c.json({ error: { code: 'EMBED_ORIGIN_NOT_ALLOWED', message: `${origin} may not embed this Privacy Center; the organization lists the sites that may` } }, 403);
      c.header('Access-Control-Allow-Origin', origin);
    }
    const lang = c.req.query('lang');
    const locale = isLocale(lang) ? lang : DEFAULT_LOCALE;
    return c.json({ path: `/privacy/${center.id}?lang=${locale}`, title: messagesFor(locale).form.title(center.name) }, 200);
  });
}
