import { createHash, randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { DEFAULT_EXPORT_FORMATS, type DataModel, type ExportFormat, type ResolvedDataModel } from '../../domain/data-model.ts';
import { buildDisclosures, disclosureSummary } from '../../domain/disclosures.ts';
import type { ProcessingRegister } from '../../domain/processing-register.ts';
import { loadProcessingRegisterFile } from '../../warehouse/processing-register-file.ts';
import {
  claimExport,
  destroyExportKey,
  findExport,
  listExports,
  markExportReady,
  markExportSkipped,
  recordExportEvent,
  setBuildingKey,
  type ExportRow,
} from '../../db/exports.ts';
import { findRequest, findSubject } from '../../db/requests.ts';
import { hashToken } from '../../db/tokens.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Mailer } from '../../platform/mailer.ts';
import type { KeyRing } from '../../platform/data-keys.ts';
import { sealedFileStore, type SealedFileStore } from '../../platform/sealed-files.ts';
import type { ExportStorage } from '../../platform/storage.ts';
import { withSubjectSnapshot, type SubjectReader } from '../../warehouse/subject-rows.ts';
import { checkDataModel } from '../../warehouse/data-model-check.ts';
import { downloadLinkEmail, type SkippedFormat } from './download-notice.ts';
import { complaintSentence, disclosureLanguage, statusFooter, subjectDate, subjectMessages } from '../subject-mail.ts';
import { rememberSent, sentInEarlierAttempt } from '../notifications.ts';
import { DOCX_ROW_LIMIT } from './formats/docx.ts';
import { CONTENT_TYPES, type ExportFacts } from './formats/output.ts';
import { PDF_ROW_LIMIT } from './formats/pdf.ts';
import { lookupSubject } from '../../warehouse/subject-lookup.ts';
import { writePackage } from './write-package.ts';

export type { ExportProgress } from './write-package.ts';

export interface ExportDeps {
  pool: DatabasePool;
  mailer: Mailer;
  logger: Logger;
  publicUrl: string;
  storage: ExportStorage;
  /** Seals each file's data key (files are encrypted at rest: docs/exports.md). */
  keyRing: KeyRing;
  /** The encrypted store over `storage` and `keyRing` unless given (the benchmark gives a plaintext one to price the cipher). */
  files?: SealedFileStore;
  dataModel: DataModel;
  /** Formats written for a request that stored none (recorded before formats were stored per request): EXPORT_FORMATS. */
  defaultFormats?: ExportFormat[];
  /** Row limits of the paged formats; the defaults are PAGED_FORMAT_LIMITS (tests lower them). */
  rowLimits?: Partial<Record<ExportFormat, number>>;
  /** How long a download link stays valid. */
  linkValidDays?: number;
  /** What each answer discloses besides the data (PROCESSING_REGISTER_FILE, checked at worker start); default: the demo's. */
  processingRegister?: ProcessingRegister;
}

export const LINK_VALID_DAYS = 7;
/** Rows above which a paged format (DOCX, PDF) is skipped with a reason, and CSV is written instead. */
export const PAGED_FORMAT_LIMITS: Partial<Record<ExportFormat, number>> = { docx: DOCX_ROW_LIMIT, pdf: PDF_ROW_LIMIT };

export interface ExportedFile {
  exportId: string;
  format: ExportFormat;
  status: 'ready' | 'skipped';
  bytes: number | null;
  reason?: string;
}

/** What the workflow learns: ids, formats and counts, never a row or an identifier. */
export type ExportResult =
  | { outcome: 'exported'; exportIds: string[]; exports: ExportedFile[]; counts: Record<string, number> }
  | { outcome: 'noData'; exportIds: []; exports: []; counts: Record<string, number> }
  | { outcome: 'ambiguous'; exportIds: []; exports: []; counts: Record<string, number>; candidates: number };

export const hashDownloadToken = hashToken;

export function createExportActivities(deps: ExportDeps) {
  const validDays = deps.linkValidDays ?? LINK_VALID_DAYS;
  const rowLimits = { ...PAGED_FORMAT_LIMITS, ...deps.rowLimits };
  const files = deps.files ?? sealedFileStore(deps.storage, deps.keyRing);
  let resolved: Promise<ResolvedDataModel> | undefined;
  let demoRegister: Promise<ProcessingRegister> | undefined;
  const processingRegister = () => (deps.processingRegister ? Promise.resolve(deps.processingRegister) : (demoRegister ??= loadProcessingRegisterFile()));
  // Checked against the live warehouse once per worker; a failed check is tried again on the next call.
  const dataModel = () => {
    resolved ??= checkDataModel(deps.pool, deps.dataModel).catch((error: unknown) => {
      resolved = undefined;
      throw ApplicationFailure.nonRetryable((error as Error).message, 'EXPORT.DATA_MODEL_INVALID');
    });
    return resolved;
  };

  async function loadRequest(requestId: string) {
    const [request, subject] = await Promise.all([findRequest(deps.pool, requestId), findSubject(deps.pool, requestId)]);
    if (!request || !subject) throw ApplicationFailure.nonRetryable(`request ${requestId} does not exist`, 'REQUEST.NOT_FOUND');
    return { request, subject };
  }

  /** Writes one format from the snapshot into storage and marks the export ready (or skipped above its limit). */
  async function writeFormat(row: ExportRow, reader: SubjectReader, model: ResolvedDataModel, counts: Record<string, number>, facts: ExportFacts, formatsReady: ExportFormat[]) {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const limit = rowLimits[row.format];
    if (limit !== undefined && total > limit) {
      const reason = `ROW_LIMIT: ${total} rows is over the ${limit} rows a ${row.format.toUpperCase()} file holds; use CSV, JSON or XML`;
      // One transaction: a skipped export always has its audit event (a retry finds it skipped and moves on).
      await deps.pool.transaction(async (tx) => {
        await markExportSkipped(tx, row.id, { reason, rowLimit: limit, rowCounts: counts });
        await recordExportEvent(tx, {
          eventKey: `export/${row.id}/skipped`,
          requestId: row.request_id,
          action: 'export.format_skipped',
          reason: `${row.format.toUpperCase()} not written: ${total} rows is over its limit of ${limit} rows`,
          details: { exportId: row.id, format: row.format, code: 'ROW_LIMIT', rows: total, limit },
        });
      });
      return;
    }
    // A previous attempt that died mid-file left a partial file under its key: remove it first.
    if (row.storage_key) await files.delete(row.storage_key);
    const pending = files.create(CONTENT_TYPES[row.format].extension);
    await setBuildingKey(deps.pool, row.id, pending.key);
    try {
      await writePackage(pending.stream, { format: row.format, reader, models: model.models, counts, facts, formatsReady });
      const file = await pending.commit();
      await markExportReady(deps.pool, row.id, { ...file, rowCounts: counts });
      await recordExportEvent(deps.pool, {
        eventKey: `export/${row.id}/ready`,
        requestId: row.request_id,
        action: 'export.created',
        details: { exportId: row.id, format: row.format, bytes: file.bytes, sha256: file.sha256, rowCounts: counts, encryptedUnderKey: file.keyId },
      });
    } catch (error) {
      await pending.abort();
      throw error;
    }
  }

  const activities = {
    /**
     * Exports everything held on the request's subject, one file per format. Idempotent: one export row per
     * (request, format); a retry reuses the formats already written and rewrites an unfinished one.
     */
    async exportSubjectData(input: { requestId: string; formats?: ExportFormat[] }): Promise<ExportResult> {
      const [{ request, subject }, model] = await Promise.all([loadRequest(input.requestId), dataModel()]);
      const match = await lookupSubject(deps.pool, model, subject);
      if (match.outcome !== 'found') {
        const action = match.outcome === 'notFound' ? 'export.no_data' : 'export.ambiguous_subject';
        const details = match.outcome === 'ambiguous' ? { candidates: match.candidates } : {};
        await recordExportEvent(deps.pool, {
          eventKey: `export/${request.id}/${match.outcome}`,
          requestId: request.id,
          action,
          reason: match.outcome === 'notFound' ? 'no user in the warehouse matches the identifiers given' : `${match.candidates} users match the identifiers given`,
          details,
        });
        deps.logger.info('export subject lookup', { requestId: request.id, outcome: match.outcome });
        return match.outcome === 'notFound'
          ? { outcome: 'noData', exportIds: [], exports: [], counts: {} }
          : { outcome: 'ambiguous', exportIds: [], exports: [], counts: {}, candidates: match.candidates };
      }

      // The formats stored with the request at intake; the worker's configuration only for requests recorded before.
      const requested: ExportFormat[] = [...new Set(input.formats ?? request.export_formats ?? deps.defaultFormats ?? DEFAULT_EXPORT_FORMATS)];
      const rows: ExportRow[] = [];
      for (const format of requested) rows.push(await claimExport(deps.pool, request.id, format));
      const register = await processingRegister();
      const generatedAt = new Date().toISOString();

      const counts = await withSubjectSnapshot(deps.pool, match.userKey, async (reader) => {
        const counted = await reader.countRows(model.models);
        // Only the models that hold rows for this person, counted in the snapshot the rows are read from.
        const disclosures = buildDisclosures({ regulation: request.regulation, organizationId: request.organization_id, register, held: model.models.map((m) => ({ name: m.name, displayName: m.displayName, rows: counted[m.name] ?? 0 })), language: disclosureLanguage(request) });
        const t = subjectMessages(request);
        const facts: ExportFacts = { requestId: request.id, type: request.type, regulation: request.regulation, receivedAt: request.received_at, generatedAt, disclosures, words: t.exportFile, typeInText: t.typeInText[request.type] };
        const formatsReady = rows.filter((r) => r.status === 'ready').map((r) => r.format);
        for (const row of rows) {
          if (row.status !== 'building') continue;
          await writeFormat(row, reader, model, counted, facts, formatsReady);
          formatsReady.push(row.format);
        }
        return counted;
      });

      let written = await Promise.all(rows.map((r) => findExport(deps.pool, r.id).then((x) => x!)));
      // A subject too large for every paged format asked for still gets a complete export: CSV.
      if (!written.some((r) => r.status === 'ready' || r.status === 'expired')) {
        return activities.exportSubjectData({ requestId: input.requestId, formats: [...requested, 'csv'] });
      }
      written = written.filter((r) => requested.includes(r.format));
      deps.logger.info('export written', { requestId: request.id, formats: written.map((r) => `${r.format}:${r.status}`).join(',') });
      return {
        outcome: 'exported',
        exportIds: written.filter((r) => r.status === 'ready').map((r) => r.id),
        exports: written.map((r) => ({
          exportId: r.id,
          format: r.format,
          status: r.status === 'skipped' ? 'skipped' : 'ready',
          bytes: r.bytes,
          ...(r.skipped_reason ? { reason: r.skipped_reason } : {}),
        })),
        counts,
      };
    },

    /**
     * Emails the subject one download link per export, valid `linkValidDays` (7). Tokens are random and stored
     * hashed. Before the email has gone out a retry issues new tokens; after (marked sent, or heartbeated as sent by
     * the attempt that then lost the database), it returns the first expiry and the links sent stand.
     */
    async issueDownloadLink(input: { requestId: string; exportId?: string; exportIds?: string[] }): Promise<{ sent: boolean; expiresAt: string }> {
      const exportIds = [...new Set([...(input.exportIds ?? []), ...(input.exportId ? [input.exportId] : [])])].sort();
      if (exportIds.length === 0) throw ApplicationFailure.nonRetryable('no export to link', 'EXPORT.NOTHING_TO_LINK');
      const { request, subject } = await loadRequest(input.requestId);
      const exports = await Promise.all(exportIds.map((id) => findExport(deps.pool, id)));
      for (const [i, e] of exports.entries()) {
        if (!e || e.request_id !== request.id || e.status !== 'ready') {
          throw ApplicationFailure.nonRetryable(`export ${exportIds[i]} is not a ready export of request ${request.id}`, 'EXPORT.NOT_READY');
        }
      }
      const key = `${request.id}/download-link/${createHash('sha256').update(exportIds.join(',')).digest('hex').slice(0, 16)}`;
      const messageId = `<${key.replaceAll('/', '.')}@dsrflow>`;
      const notice = await deps.pool.one(sql.type(z.object({ sent_at: z.string().nullable() }))`
        insert into dsrflow.notifications (notification_key, request_id, kind, message_id)
        values (${key}, ${request.id}, 'download_link', ${messageId})
        on conflict (notification_key) do update set kind = excluded.kind
        returning sent_at`);
      if (notice.sent_at) {
        const expiresAt = exports[0]!.expires_at!;
        return { sent: false, expiresAt };
      }
      // Formats asked for but over their row limit: the subject is told which and why, beside the links.
      const skipped: SkippedFormat[] = (await listExports(deps.pool, request.id))
        .filter((e) => e.status === 'skipped' && e.row_limit !== null)
        .map((e) => ({ format: e.format, limit: e.row_limit!, rows: Object.values(e.row_counts).reduce((a, b) => a + b, 0) }));
      /** New tokens, one link per export, the email sent; returns the links' expiry. */
      const sendLinks = async (): Promise<string> => {
        const expiresAt = new Date(Date.now() + validDays * 24 * 60 * 60 * 1000).toISOString();
        const links: string[] = [];
        for (const e of exports) {
          const token = randomBytes(32).toString('base64url');
          await deps.pool.transaction(async (tx) => {
            await tx.query(sql.unsafe`
              insert into dsrflow.download_tokens (token_hash, export_id, expires_at) values (${hashDownloadToken(token)}, ${e!.id}, ${expiresAt})
              on conflict (export_id) do update set token_hash = excluded.token_hash, expires_at = excluded.expires_at, download_count = 0`);
            await tx.query(sql.unsafe`update dsrflow.exports set expires_at = ${expiresAt} where id = ${e!.id}`);
          });
          links.push(`${e!.format.toUpperCase()}: ${deps.publicUrl}/downloads/${token}`);
        }
        // The short disclosure (the files open with the full one), from the counts the export recorded.
        const [model, register] = await Promise.all([dataModel(), processingRegister()]);
        const rowCounts = exports[0]!.row_counts;
        const disclosures = buildDisclosures({ regulation: request.regulation, organizationId: request.organization_id, register, held: model.models.map((m) => ({ name: m.name, displayName: m.displayName, rows: rowCounts[m.name] ?? 0 })), language: disclosureLanguage(request) });
        const t = subjectMessages(request);
        const disclosure = disclosureSummary(disclosures, t.email.disclosureLines, complaintSentence(request));
        const mail = downloadLinkEmail({ requestId: request.id, links, expiresOn: subjectDate(request, expiresAt), skipped, t, english: !request.locale || request.locale === 'en', disclosure });
        await deps.mailer.send({ to: subject.email, messageId, subject: mail.subject, text: `${mail.text}${await statusFooter(deps, request)}` });
        rememberSent(key);
        return expiresAt;
      };
      // An earlier attempt that sent the links and then lost the database: they stand (new tokens would break them).
      const expiresAt = sentInEarlierAttempt(key) ? exports[0]!.expires_at! : await sendLinks();
      await deps.pool.query(sql.unsafe`update dsrflow.notifications set sent_at = coalesce(sent_at, now()) where notification_key = ${key}`);
      await recordExportEvent(deps.pool, {
        eventKey: `notice/${key}`,
        requestId: request.id,
        action: 'export.link_sent',
        details: { exportIds, expiresAt, ...(skipped.length > 0 ? { skippedFormats: skipped.map((x) => x.format) } : {}) },
      });
      deps.logger.info('download link sent', { requestId: request.id, exports: exportIds.length });
      return { sent: true, expiresAt };
    },

    /**
     * Crypto-shreds the export (the workflow's 7-day timer calls it): destroys its data key and marks it expired in one
     * transaction, then deletes the file; each step has its audit event. Re-runnable: a retry finds the key gone and
     * deletes the file again (deleting a missing file is not an error); the events are keyed, so written once.
     */
    async expireExport(input: { exportId: string }): Promise<{ expired: boolean }> {
      const row = await findExport(deps.pool, input.exportId);
      if (!row) throw ApplicationFailure.nonRetryable(`export ${input.exportId} does not exist`, 'EXPORT.NOT_FOUND');
      await deps.pool.transaction(async (tx) => {
        await destroyExportKey(tx, row.id);
        // A file written before encryption has no key to destroy: only its deletion below is recorded.
        if (row.data_key_id === null) return;
        await recordExportEvent(tx, {
          eventKey: `export/${row.id}/key-destroyed`,
          requestId: row.request_id,
          action: 'export.key_destroyed',
          reason: 'download period over: the file\'s data key is destroyed, so no copy of the file can be read again',
          details: { exportId: row.id, format: row.format, keyId: row.data_key_id },
        });
      });
      if (row.storage_key) await files.delete(row.storage_key);
      await recordExportEvent(deps.pool, {
        eventKey: `export/${row.id}/expired`,
        requestId: row.request_id,
        action: 'export.expired',
        reason: 'download period over: file deleted',
        details: { exportId: row.id, format: row.format },
      });
      return { expired: true };
    },

    /** The documented answer when no user matches: "we hold no personal data about you" (sent once). */
    async sendNoDataResponse(input: { requestId: string }): Promise<{ sent: boolean }> {
      const { request, subject } = await loadRequest(input.requestId);
      const key = `${request.id}/no-data`;
      const messageId = `<${key.replaceAll('/', '.')}@dsrflow>`;
      const notice = await deps.pool.one(sql.type(z.object({ sent_at: z.string().nullable() }))`
        insert into dsrflow.notifications (notification_key, request_id, kind, message_id)
        values (${key}, ${request.id}, 'no_data', ${messageId})
        on conflict (notification_key) do update set kind = excluded.kind
        returning sent_at`);
      if (notice.sent_at) return { sent: false };
      const t = subjectMessages(request);
      await deps.mailer.send({ to: subject.email, messageId, subject: t.email.noDataSubject(t.typeInText[request.type], request.id), text: `${t.email.noDataText(request.id)}\n${await statusFooter(deps, request)}` });
      await deps.pool.query(sql.unsafe`update dsrflow.notifications set sent_at = now() where notification_key = ${key}`);
      await recordExportEvent(deps.pool, { eventKey: `notice/${key}`, requestId: request.id, action: 'notice.sent', details: { kind: 'no_data' } });
      return { sent: true };
    },
  };
  return activities;
}

export type ExportActivities = ReturnType<typeof createExportActivities>;
