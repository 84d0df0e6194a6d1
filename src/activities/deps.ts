import type { Client } from '@temporalio/client';
import type { CountryCode } from 'libphonenumber-js';
import type { DatabasePool } from 'slonik';
import type { DataModel, ExportFormat } from '../domain/data-model.ts';
import type { Destination } from '../domain/destinations.ts';
import type { ProcessingRegister } from '../domain/processing-register.ts';
import type { RetentionPolicy } from '../domain/retention.ts';
import type { KeyRing } from '../platform/data-keys.ts';
import type { Logger } from '../platform/logger.ts';
import type { Mailer } from '../platform/mailer.ts';
import type { ExportStorage } from '../platform/storage.ts';
import type { SealedFileStore } from '../platform/sealed-files.ts';
import type { WorkflowSettings } from '../workflow-client/starts.ts';

/** What createActivities closes over; each activity module takes its part of it (its own module: index.ts imports them). */
export interface ActivityDeps {
  pool: DatabasePool;
  mailer: Mailer;
  logger: Logger;
  /** Base URL for links in emails to the subject. */
  publicUrl: string;
  /** Where reminders and escalations for the privacy team go. */
  staffEmail: string;
  /** Where export files are kept until their link expires. */
  storage: ExportStorage;
  /** The data keys (DATA_KEYS): seal export files' data keys and Temporal payloads. */
  keyRing: KeyRing;
  /** The customer's data model: what an access request exports. */
  dataModel: DataModel;
  /** Per model: what erasure does and the exceptions that keep rows (config/retention-policy.json). */
  retentionPolicy: RetentionPolicy;
  /** What every access answer discloses besides the data (config/processing-register.json); default: the demo's. */
  processingRegister?: ProcessingRegister;
  /** Warehouse schema of the deletion_requests table (default delta_storage). */
  deletionRequestsSchema?: string;
  /** Downstream webhook endpoints told of erasures and suppressions (config/destinations.json); none by default. */
  destinations?: readonly Destination[];
  /** The worker's Temporal client, for the sweep that starts requests recorded while Temporal was unreachable. */
  starter?: { client: Client; settings: WorkflowSettings };
  /** The country of phone numbers given without a country code, for the phone hash downstream (none: no hash for them). */
  phoneDefaultCountry?: CountryCode | undefined;
  /** Formats written for a request recorded before formats were stored per request (EXPORT_FORMATS). */
  exportFormats?: ExportFormat[];
  /** Row limits of the paged formats (DOCX, PDF); tests lower them. */
  exportRowLimits?: Partial<Record<ExportFormat, number>>;
  /** The encrypted store of uploaded documents (permission, identity): shredded once the identity is decided. */
  documents?: SealedFileStore;
}
