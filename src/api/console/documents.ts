import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { sql } from 'slonik';
import { z } from 'zod';
import { recordEvent } from '../../db/audit.ts';
import { askForIdentityDocument, findAgent, identityDocumentAsked, listDocuments, openDocument } from '../../db/request-documents.ts';
import type { RequestRow } from '../../db/requests.ts';
import { DOCUMENT_EXTENSIONS } from '../../domain/documents.ts';
import { assertMayAct, mayAct } from '../access.ts';
import type { Actor } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { formGuards } from './layout.ts';
import { checkedForm, requestInPath, type ConsoleEnv } from './session.ts';
import { startIdentityDocumentNotice } from '../../workflow-client/starts.ts';
import { fileSize, utcStamp } from './words.ts';

// The documents of a request in the console (docs/privacy-center.md "Documents"): the authorized agent, the signed
// permission and identity documents, each opened by staff as an audited read; staff may ask the subject for an
// identity document while the request awaits verification. The worker deletes them once the identity is decided.

const KIND_WORDS = { agent_permission: 'Signed permission (authorized agent)', identity: 'Identity document' } as const;

export async function documentsSection(deps: AppDeps, actor: Actor, row: RequestRow, csrf: string) {
  const [agent, documents, asked] = await Promise.all([findAgent(deps.pool, row.id), listDocuments(deps.pool, row.id), identityDocumentAsked(deps.pool, row.id)]);
  const mayAsk = mayAct(actor) && row.status === 'awaiting_verification' && !asked;
  if (!agent && documents.length === 0 && !asked && !mayAsk) return '';
  return html`<section aria-labelledby="h-documents"><h2 id="h-documents">Documents</h2>
${agent ? html`<p><strong>Filed by an authorized agent:</strong> ${agent.name}, ${agent.email}. Check the signed permission before verifying; no link was emailed to the subject.</p>` : ''}
${asked && row.status === 'awaiting_verification' && !documents.some((d) => d.kind === 'identity') ? html`<p class="muted">An identity document was asked for; the subject can upload it from their status page.</p>` : ''}
${documents.length
  ? html`<ul class="plain">${documents.map((d) => html`<li>${KIND_WORDS[d.kind]} (${d.media_type.split('/')[1]!.toUpperCase()}, ${fileSize(d.bytes)}, uploaded ${utcStamp(d.uploaded_at)}): ${
      d.deleted_at
        ? html`<span class="muted">deleted ${utcStamp(d.deleted_at)} once the identity was decided</span>`
        : mayAct(actor)
          ? html`<a href="/console/requests/${row.id}/documents/${d.id}">Open the document</a> <span class="muted">(your reading is recorded in the audit trail)</span>`
          : html`<span class="muted">only staff who decide may open it</span>`
    }</li>`)}</ul>`
  : ''}
${mayAsk ? html`<form method="post" action="/console/requests/${row.id}/identity-document" class="stack">${formGuards(csrf)}<button type="submit" class="secondary">Ask the subject for an identity document</button></form>` : ''}
</section>`;
}

/** GET /console/requests/:id/documents/:documentId: the plaintext, after the read is audited (not for auditors). */
export async function documentDownload(c: Context<ConsoleEnv>, deps: AppDeps) {
  const row = await requestInPath(c, deps);
  const actor = c.get('actor');
  assertMayAct(actor);
  if (!deps.documents) throw new ApiError(503, 'DOCUMENTS_UNAVAILABLE', 'The document store is not configured.');
  const documentId = z.uuid().safeParse(c.req.param('documentId'));
  const opened = documentId.success ? await openDocument(deps.pool, deps.documents, { requestId: row.id, documentId: documentId.data, actor: actor.name }) : null;
  if (!opened) throw new ApiError(404, 'DOCUMENT_NOT_FOUND', 'There is no such document on this request, or it was deleted once the identity was decided.');
  return new Response(Readable.toWeb(opened.content) as ReadableStream<Uint8Array>, {
    headers: {
      'Content-Type': opened.row.media_type,
      'Content-Length': String(opened.row.bytes),
      // A download, never shown inline: no viewer of ours runs the file.
      'Content-Disposition': `attachment; filename="request-${row.id.slice(0, 8)}-${opened.row.kind}.${DOCUMENT_EXTENSIONS[opened.row.media_type]}"`,
    },
  });
}

/** POST /console/requests/:id/identity-document: staff ask for one; the emailed link can no longer decide alone. */
export async function postAskIdentityDocument(c: Context<ConsoleEnv>, deps: AppDeps) {
  await checkedForm(c, deps);
  const row = await requestInPath(c, deps);
  const actor = c.get('actor');
  assertMayAct(actor);
  if (row.status !== 'awaiting_verification') throw new ApiError(409, 'NOT_AWAITING_VERIFICATION', 'An identity document can be asked for only while the request awaits verification.');
  if (await askForIdentityDocument(deps.pool, row.id, actor.name)) {
    // The subject's confirmation link stops working: the decision is now staff's, on the document.
    await deps.pool.query(sql.unsafe`update dsrflow.verification_tokens set expires_at = least(expires_at, now()) where request_id = ${row.id} and used_at is null`);
    await recordEvent(deps.pool, {
      requestId: row.id,
      eventKey: `request/${row.id}/identity-document-asked`,
      action: 'identity_document.requested',
      actor: actor.name,
      reason: 'staff asked the subject for an identity document (upload on the status page)',
    });
  }
  // The subject is emailed (in their language, with the status link) by a workflow of its own: started on every ask,
  // so an ask recorded while Temporal was away is sent on the retry; never twice (one workflow id per request).
  try {
    await startIdentityDocumentNotice(deps.temporal.client, deps.workflows, row);
  } catch (error) {
    deps.logger.warn('identity document notice start failed; the ask is recorded, sent when staff ask again', { requestId: row.id, error: (error as Error).name });
    throw new ApiError(503, 'WORKFLOW_START_FAILED', 'The identity document was asked for, but the email to the subject could not be sent yet. Ask again in a moment; it is sent once.');
  }
  return c.redirect(`/console/requests/${row.id}#h-documents`, 303);
}
