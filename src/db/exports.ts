import { randomUUID } from 'node:crypto';
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { EXPORT_FORMATS, type ExportFormat } from '../domain/data-model.ts';

export const exportRow = z.object({
  id: z.uuid(),
  request_id: z.uuid(),
  format: z.enum(EXPORT_FORMATS),
  status: z.enum(['building', 'ready', 'skipped', 'expired']),
  storage_key: z.string().nullable(),
  sha256: z.string().nullable(),
  bytes: z.coerce.number().nullable(),
  row_counts: z.record(z.string(), z.number()),
  skipped_reason: z.string().nullable(),
  /** Skipped exports: the row limit of the format that the subject's rows were over. */
  row_limit: z.number().nullable(),
  created_at: z.string(),
  ready_at: z.string().nullable(),
  expires_at: z.string().nullable(),
  expired_at: z.string().nullable(),
  /** The ring key that sealed the file's data key; null: a file written before encryption, or its key destroyed. */
  data_key_id: z.string().nullable(),
});
export type ExportRow = z.infer<typeof exportRow>;

/** The export of one format for a request: created once, found again by a retried activity. */
export const claimExport = (db: CommonQueryMethods, requestId: string, format: ExportFormat) =>
  db.one(sql.type(exportRow)`
    insert into dsrflow.exports (id, request_id, format) values (${randomUUID()}, ${requestId}, ${format})
    on conflict (request_id, format) do update set format = excluded.format
    returning *`);

export const findExport = (db: CommonQueryMethods, id: string) => db.maybeOne(sql.type(exportRow)`select * from dsrflow.exports where id = ${id}`);

export const setBuildingKey = (db: CommonQueryMethods, id: string, key: string) =>
  db.query(sql.unsafe`update dsrflow.exports set storage_key = ${key}, status = 'building' where id = ${id} and status = 'building'`);

/** The file is written: its plaintext hash and size, and its data key sealed under the key ring (docs/exports.md). */
export async function markExportReady(db: CommonQueryMethods, id: string, f: { key: string; sha256: string; bytes: number; wrappedKey: Buffer; keyId: string; rowCounts: Record<string, number> }) {
  await db.query(sql.unsafe`
    update dsrflow.exports set status = 'ready', storage_key = ${f.key}, sha256 = ${f.sha256}, bytes = ${f.bytes},
      data_key = ${sql.binary(f.wrappedKey)}, data_key_id = ${f.keyId}, row_counts = ${sql.jsonb(f.rowCounts)}, ready_at = now()
    where id = ${id} and status = 'building'`);
}

export async function markExportSkipped(db: CommonQueryMethods, id: string, f: { reason: string; rowLimit: number; rowCounts: Record<string, number> }) {
  await db.query(sql.unsafe`
    update dsrflow.exports set status = 'skipped', skipped_reason = ${f.reason}, row_limit = ${f.rowLimit}, row_counts = ${sql.jsonb(f.rowCounts)}
    where id = ${id} and status = 'building'`);
}

/** Every export of a request (one per format asked for, plus CSV when no asked-for format could be written). */
export const listExports = (db: CommonQueryMethods, requestId: string) =>
  db.any(sql.type(exportRow)`select * from dsrflow.exports where request_id = ${requestId} order by created_at, format`);

/**
 * Crypto-shreds the export: its data key is destroyed and it is marked expired at once, so from this commit on no
 * download reads the file (a null key on an expired export never means plaintext). Re-runnable.
 */
export const destroyExportKey = (db: CommonQueryMethods, id: string) =>
  db.query(sql.unsafe`
    update dsrflow.exports set data_key = null, data_key_id = null, status = 'expired', expired_at = coalesce(expired_at, now())
    where id = ${id}`);

export const downloadRow = z.object({
  export_id: z.uuid(),
  request_id: z.uuid(),
  organization_id: z.string(),
  format: z.enum(EXPORT_FORMATS),
  status: exportRow.shape.status,
  storage_key: z.string().nullable(),
  sha256: z.string().nullable(),
  bytes: z.coerce.number().nullable(),
  /** The file's sealed data key; null: a file written before encryption (plaintext). */
  data_key: z
    .string()
    .nullable()
    .transform((b64) => (b64 === null ? null : Buffer.from(b64, 'base64'))),
  token_expires_at: z.string(),
  expired_at: z.string().nullable(),
});
export type DownloadRow = z.infer<typeof downloadRow>;

export const findDownload = (db: CommonQueryMethods, tokenHash: string) =>
  db.maybeOne(sql.type(downloadRow)`
    select e.id as export_id, e.request_id, r.organization_id, e.format, e.status, e.storage_key, e.sha256, e.bytes,
           encode(e.data_key, 'base64') as data_key, t.expires_at as token_expires_at, e.expired_at
    from dsrflow.download_tokens t
    join dsrflow.exports e on e.id = t.export_id
    join dsrflow.requests r on r.id = e.request_id
    where t.token_hash = ${tokenHash}`);

/** The export file's sealed data key (null: a file written before encryption, or its key destroyed). */
export const findExportDataKey = async (db: CommonQueryMethods, id: string): Promise<Buffer | null> => {
  const b64 = await db.maybeOneFirst(sql.type(z.object({ data_key: z.string().nullable() }))`select encode(data_key, 'base64') as data_key from dsrflow.exports where id = ${id}`);
  return b64 ? Buffer.from(b64, 'base64') : null;
};

/** Counts a download and writes its audit event, keyed by the download's number: each download is one event. */
export async function recordDownload(db: CommonQueryMethods, d: { tokenHash: string; exportId: string; requestId: string; details: Record<string, unknown> }) {
  await db.transaction(async (tx) => {
    const n = await tx.oneFirst(sql.type(z.object({ download_count: z.number() }))`
      update dsrflow.download_tokens set download_count = download_count + 1, last_downloaded_at = now()
      where token_hash = ${d.tokenHash} returning download_count`);
    await tx.query(sql.unsafe`
      insert into dsrflow.audit_events (event_key, request_id, organization_id, actor, action, details)
      select ${`export/${d.exportId}/download/${n}`}, r.id, r.organization_id, 'subject', 'export.downloaded', ${sql.jsonb({ exportId: d.exportId, download: n, ...d.details } as never)}
      from dsrflow.requests r where r.id = ${d.requestId}
      on conflict (event_key) do nothing`);
  });
}

/** An audit event of the export lifecycle; the key makes a retried activity write it once. */
export const recordExportEvent = (db: CommonQueryMethods, e: { eventKey: string; requestId: string; action: string; reason?: string | null; details: Record<string, unknown> }) =>
  db.query(sql.unsafe`
    insert into dsrflow.audit_events (event_key, request_id, organization_id, actor, action, reason, details)
    select ${e.eventKey}, r.id, r.organization_id, 'system', ${e.action}, ${e.reason ?? null}, ${sql.jsonb(e.details as never)}
    from dsrflow.requests r where r.id = ${e.requestId}
    on conflict (event_key) do nothing`);
