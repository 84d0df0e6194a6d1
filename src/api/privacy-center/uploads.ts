import type { Context, MiddlewareHandler } from 'hono';
import { html } from 'hono/html';
import { bodyLimit } from 'hono/body-limit';
import { checkDocument, MAX_DOCUMENT_BYTES, type DocumentMediaType, type DocumentProblem } from '../../domain/documents.ts';
import { isLocale, messagesFor, pickLocale } from '../../locales/index.ts';
import { publicLayout } from './layout.ts';

// Uploads of the Privacy Center (docs/privacy-center.md "Documents"): the agent's permission with the form, an
// identity document from the status page. One size limit, one type check (the bytes, never the name), one wording.

/** The form around a document: its fields and the multipart framing fit well inside this. */
const FORM_OVERHEAD_BYTES = 256 * 1024;
export const UPLOAD_BODY_BYTES = MAX_DOCUMENT_BYTES + FORM_OVERHEAD_BYTES;

const UPLOAD_PATHS = [/^\/privacy\/[a-z0-9][a-z0-9-]{0,62}$/, /^\/privacy\/status\/[A-Za-z0-9_-]{43}\/identity-document$/];

/** A multipart POST to a route that takes a document: it gets the upload limit instead of the API's 64 KiB. */
export const isUploadRequest = (c: Context) =>
  c.req.method === 'POST' && (c.req.header('content-type') ?? '').startsWith('multipart/form-data') && UPLOAD_PATHS.some((p) => p.test(c.req.path));

/**
 * Over the limit, the body is not read further and nothing is stored: a page in the person's language says why
 * (the form cannot be shown again here, its answers were not read).
 */
export const uploadBodyLimit = (): MiddlewareHandler =>
  bodyLimit({
    maxSize: UPLOAD_BODY_BYTES,
    onError: (c) => {
      const chosen = c.req.query('lang');
      const locale = isLocale(chosen) ? chosen : pickLocale(c.req.header('accept-language'));
      const t = messagesFor(locale);
      return c.html(publicLayout({ locale, title: t.page.problem, body: html`<h1>${t.page.problem}</h1><div class="card"><p>${t.extras.errors.tooLarge}</p><p><a href="${c.req.path.replace(/\/identity-document$/, '')}?lang=${locale}">${t.extras.back}</a></p></div>` }), 413);
    },
  });

export interface CheckedUpload {
  type: DocumentMediaType;
  content: Uint8Array;
}

/** The posted file of this field, checked: its type from its first bytes, its size; or why it is refused. */
export async function readUpload(c: Context, field: string): Promise<CheckedUpload | { problem: DocumentProblem }> {
  const body = await c.req.parseBody();
  const file = body[field];
  if (!(file instanceof File) || (file.size === 0 && file.name === '')) return { problem: 'missing' };
  // The size is known before the bytes are read: an oversized file is not read at all.
  if (file.size > MAX_DOCUMENT_BYTES) return { problem: 'tooLarge' };
  const content = new Uint8Array(await file.arrayBuffer());
  const checked = checkDocument({ size: content.byteLength, head: content.subarray(0, 16) });
  return 'problem' in checked ? checked : { type: checked.type, content };
}

/** Whether a file was posted in this field at all (an empty file input posts an empty, nameless part). */
export async function hasUpload(c: Context, field: string): Promise<boolean> {
  if (!(c.req.header('content-type') ?? '').startsWith('multipart/form-data')) return false;
  const file = (await c.req.parseBody())[field];
  return file instanceof File && !(file.size === 0 && file.name === '');
}
