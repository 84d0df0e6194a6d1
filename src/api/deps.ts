import type { Client } from '@temporalio/client';
import type { DatabasePool } from 'slonik';
import type { DataModel, ExportFormat } from '../domain/data-model.ts';
import type { RetentionPolicy } from '../domain/retention.ts';
import type { KeyRing } from '../platform/data-keys.ts';
import type { Logger } from '../platform/logger.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { ExportStorage } from '../platform/storage.ts';
import type { SealedFileStore } from '../platform/sealed-files.ts';
import type { SubjectKeys } from '../platform/subject-keys.ts';
import type { WorkflowSettings } from '../workflow-client/starts.ts';
import type { RateLimitSettings } from './rate-limit.ts';
import type { PrivacyCenterSettings } from './privacy-center/settings.ts';

/** What createApp is built from; the route modules take their part of it (its own module: they import it, app.ts imports them). */
export interface AppDeps {
  pool: DatabasePool;
  /**
   * Where intake asks the warehouse for the subject's customer (api/subjects/intake.ts): one statement, bounded by
   * this pool's statement timeout (the API's: createWarehouseLookupPool, 2 s), so a slow warehouse never holds intake.
   */
  warehouseLookups: DatabasePool;
  temporal: { client: Client; namespace: string; uiUrl: string | undefined };
  workflows: WorkflowSettings;
  settings: {
    defaultOrganization: string;
    maxBodyBytes?: number;
    /** Connected systems' webhook secrets by source name (WEBHOOK_SOURCES); none configured = every delivery is 401. */
    webhookSources?: Readonly<Record<string, string>>;
    /** Admission on the unauthenticated routes; defaults to 60 requests a minute per client address. */
    publicRateLimit?: RateLimitSettings;
    /** Warehouse schema of deletion_requests and suppressions (DELETION_REQUESTS_SCHEMA; default delta_storage). */
    warehouseSchema?: string;
    /** PUBLIC_URL: the console's cookies are Secure when it is https, and forms may come from its origin. */
    publicUrl?: string;
    /** TRUST_PROXY: the proxy's X-Forwarded-Proto says whether the client used https (HSTS). */
    trustProxy?: boolean;
    /** Keys of the subjects' pseudonymous ids (SUBJECT_ID_SECRET, and rotated-out secrets for lookups). */
    subjectKeys: SubjectKeys;
    /** Export formats of an access or export request that names none (EXPORT_FORMATS; default csv, json). */
    exportFormats?: readonly ExportFormat[];
    /** The Privacy Center's limits and challenge (docs/privacy-center.md); defaults when absent. */
    privacyCenter?: PrivacyCenterSettings;
    /** Origins of the Temporal Web UI allowed to call the codec server from the browser (CODEC_CORS_ORIGINS). */
    codecOrigins?: readonly string[];
    /** METRICS_TOKEN: when set, /metrics asks for it as a bearer token. */
    metricsToken?: string;
  };
  logger: Logger;
  /** The process's Prometheus registry (shared with the worker under `npm start`); the app makes its own without. */
  metrics?: Metrics;
  now: () => Date;
  storage: ExportStorage;
  /** The encrypted store of uploaded documents (agent permissions, identity documents); without it uploads are refused (503). */
  documents?: SealedFileStore;
  /** The data keys (DATA_KEYS): they open export files' data keys for downloads, and the codec server's payloads. */
  keyRing: KeyRing;
  /**
   * The customer's data model (DATA_MODEL_FILE), to check a rectification's corrections before they are recorded.
   * Without it, rectification requests are refused with 503.
   */
  dataModel: DataModel;
  /** The retention policy (RETENTION_POLICY_FILE), for the console's erasure preview; without it there is none. */
  retentionPolicy?: RetentionPolicy;
}
