import type { Client } from '@temporalio/client';
import type { CountryCode } from 'libphonenumber-js';
import type { DatabasePool } from 'slonik';
import type { WorkflowSettings } from '../platform/temporal.ts';
import { createSweepActivities } from './sweep.ts';
import type { DataModel, ExportFormat } from '../domain/data-model.ts';
import type { RetentionPolicy } from '../domain/retention.ts';
import { createDeletionTableActivities } from './deletion-table.ts';
import { createDestinationActivities } from './destinations/index.ts';
import { createSuppressionActivities } from './suppression/index.ts';
import { createRectificationActivities } from './rectification/index.ts';
import type { Destination } from '../domain/destinations.ts';
import { createErasureActivities } from './erasure/index.ts';
import type { ExportStorage } from '../platform/storage.ts';
import { createExportActivities } from './export/index.ts';
import type { Logger } from '../platform/logger.ts';
import type { Mailer } from '../platform/mailer.ts';
import { createNotificationActivities } from './notifications.ts';
import { createTransitionActivities } from './transitions.ts';

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
  /** The customer's data model: what an access request exports. */
  dataModel: DataModel;
  /** Per model: what erasure does and the exceptions that keep rows (config/retention-policy.json). */
  retentionPolicy: RetentionPolicy;
  /** Warehouse schema of the deletion_requests table (default delta_storage). */
  deletionRequestsSchema?: string;
  /** Downstream webhook endpoints told of erasures and suppressions (config/destinations.json); none by default. */
  destinations?: readonly Destination[];
  /** The worker's Temporal client, for the sweep that starts requests recorded while Temporal was unreachable. */
  starter?: { client: Client; settings: WorkflowSettings };
  /** The country of phone numbers given without a country code, for the phone hash downstream (none: no hash for them). */
  phoneDefaultCountry?: CountryCode | undefined;
  /** Formats written when a request names none. */
  exportFormats?: ExportFormat[];
}

/** Every side effect the workflows may ask for, closing over injected dependencies (tests pass real test servers). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createTransitionActivities(deps),
    ...createNotificationActivities(deps),
    ...createErasureActivities(deps),
    ...createDeletionTableActivities(deps),
    ...createDestinationActivities(deps),
    ...createSuppressionActivities(deps),
    ...createSweepActivities(deps),
    ...createRectificationActivities(deps),
    ...createExportActivities({ ...deps, ...(deps.exportFormats ? { defaultFormats: deps.exportFormats } : {}) }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
