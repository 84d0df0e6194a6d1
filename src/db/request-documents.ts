import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { DOCUMENT_EXTENSIONS, DOCUMENT_KINDS, DOCUMENT_MEDIA_TYPES, type DocumentKind, type DocumentMediaType } from '../domain/documents.ts';
import type { SealedFileStore } from '../platform/sealed-files.ts';
import { recordEvent } from './audit.ts';

// Documents people upload (migration 020, docs/privacy-center.md "Documents"): bytes in the encrypted file store
// (a data key per file, kept here wrapped), metadata here. Every upload, staff read and deletion is in the audit trail.

export const documentRow = z.object({
  id: z.uuid(),
  request_id: z.uuid(),
  kind: z.enum(DOCUMENT_KINDS),
  media_type: z.enum(DOCUMENT_MEDIA_TYPES),
  bytes: z.number(),
  uploaded_at: z.string(),
  deleted_at: z.string().nullable(),
});
export type DocumentRow = z.infer<typeof documentRow>;

/** Encrypts and stores an upload already checked (type sniffed, size), then records it; a failed record deletes the file. */
export async function storeDocument(db: CommonQueryMethods, store: SealedFileStore, d: { requestId: string; kind: DocumentKind; mediaType: DocumentMediaType; content: Uint8Array; actor: string }): Promise<string> {
  const pending = store.create(DOCUMENT_EXTENSIONS[d.mediaType]);
  pending.stream.end(d.content);
  const sealed = await pending.commit();
  const id = randomUUID();
  try {
    await db.transaction(async (tx) => {
      await tx.query(sql.unsafe`
        insert into dsrflow.request_documents (id, request_id, kind, media_type, bytes, sha256, storage_key, wrapped_key)
        values (${id}, ${d.requestId}, ${d.kind}, ${d.mediaType}, ${sealed.bytes}, ${sealed.sha256}, ${sealed.key}, ${sql.binary(sealed.wrappedKey)})`);
      await recordEvent(tx, {
        requestId: d.requestId,
        eventKey: `document/${id}/uploaded`,
        action: 'document.uploaded',
        actor: d.actor,
        reason: null,
        details: { documentId: id, kind: d.kind, mediaType: d.mediaType, bytes: sealed.bytes, keyId: sealed.keyId },
      });
    });
  } catch (error) {
    await store.delete(sealed.key);
    throw error;
  }
  return id;
}

export const listDocuments = (db: CommonQueryMethods, requestId: string) =>
  db.any(sql.type(documentRow)`
    select id, request_id, kind, media_type, bytes, uploaded_at, deleted_at from dsrflow.request_documents where request_id = ${requestId} order by uploaded_at, id`);

const liveRow = documentRow.extend({ storage_key: z.string(), wrapped_key: z.instanceof(Buffer) });

/** A staff member opens a document: the read is audited first, then the plaintext streams; null when deleted or unknown. */
export async function openDocument(db: CommonQueryMethods, store: SealedFileStore, d: { requestId: string; documentId: string; actor: string }): Promise<{ row: DocumentRow; content: Readable } | null> {
  const row = await db.maybeOne(sql.type(liveRow)`
    select id, request_id, kind, media_type, bytes, uploaded_at, deleted_at, storage_key, wrapped_key from dsrflow.request_documents
    where id = ${d.documentId} and request_id = ${d.requestId} and deleted_at is null`);
  if (!row) return null;
  await recordEvent(db, {
    requestId: d.requestId,
    eventKey: `document/${row.id}/viewed/${randomUUID()}`,
    action: 'document.viewed',
    actor: d.actor,
    reason: null,
    details: { documentId: row.id, kind: row.kind },
  });
  const { storage_key, wrapped_key, ...meta } = row;
  return { row: meta, content: store.read(storage_key, wrapped_key) };
}

/**
 * Data minimisation once the identity is decided (or the request ended): each document's data key is destroyed first
 * (the file is unreadable from then on, wherever copies went), then its file, each step audited. Idempotent.
 */
export async function shredDocuments(db: CommonQueryMethods, store: SealedFileStore, requestId: string, why: { actor: string; reason: string }): Promise<number> {
  const live = await db.any(sql.type(z.object({ id: z.uuid(), kind: z.enum(DOCUMENT_KINDS), storage_key: z.string().nullable() }))`
    select id, kind, storage_key from dsrflow.request_documents where request_id = ${requestId} and (deleted_at is null or storage_key is not null)`);
  for (const doc of live) {
    await db.transaction(async (tx) => {
      await tx.query(sql.unsafe`update dsrflow.request_documents set wrapped_key = null, deleted_at = coalesce(deleted_at, now()) where id = ${doc.id}`);
      await recordEvent(tx, { requestId, eventKey: `document/${doc.id}/key-destroyed`, action: 'document.key_destroyed', actor: why.actor, reason: why.reason, details: { documentId: doc.id, kind: doc.kind } });
    });
    if (doc.storage_key) await store.delete(doc.storage_key);
    await db.transaction(async (tx) => {
      await tx.query(sql.unsafe`update dsrflow.request_documents set storage_key = null where id = ${doc.id}`);
      await recordEvent(tx, { requestId, eventKey: `document/${doc.id}/deleted`, action: 'document.deleted', actor: why.actor, reason: why.reason, details: { documentId: doc.id, kind: doc.kind } });
    });
  }
  return live.length;
}

/** The authorized agent of a request (CCPA 11 CCR 7063): who filed it for the consumer. */
export async function recordAgent(db: CommonQueryMethods, a: { requestId: string; name: string; email: string }): Promise<void> {
  await db.query(sql.unsafe`insert into dsrflow.request_agents (request_id, name, email) values (${a.requestId}, ${a.name}, ${a.email}) on conflict (request_id) do nothing`);
}

export const findAgent = (db: CommonQueryMethods, requestId: string) =>
  db.maybeOne(sql.type(z.object({ name: z.string(), email: z.string() }))`select name, email from dsrflow.request_agents where request_id = ${requestId}`);

/** Staff, or the organization's settings, ask the subject for an identity document (the status page then offers the upload). */
export async function askForIdentityDocument(db: CommonQueryMethods, requestId: string, askedBy: string): Promise<boolean> {
  const asked = await db.maybeOneFirst(sql.type(z.object({ request_id: z.uuid() }))`
    insert into dsrflow.identity_document_asks (request_id, asked_by) values (${requestId}, ${askedBy}) on conflict (request_id) do nothing returning request_id`);
  return asked !== null;
}

export const identityDocumentAsked = (db: CommonQueryMethods, requestId: string) =>
  db.exists(sql.type(z.object({ request_id: z.uuid() }))`select request_id from dsrflow.identity_document_asks where request_id = ${requestId}`);
