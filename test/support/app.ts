import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { ActivityDeps } from '../../src/activities/index.ts';
import { loadDataModelFile } from '../../src/warehouse/data-model-check.ts';
import { loadRetentionPolicyFile } from '../../src/warehouse/retention-policy-check.ts';
import { localFolderStorage, type ExportStorage } from '../../src/platform/storage.ts';
import { type KeyRing } from '../../src/platform/data-keys.ts';
import { sealedFileStore } from '../../src/platform/sealed-files.ts';
import { testKeyRing } from './stack.ts';
import type { DatabasePool } from 'slonik';
import { createApp } from '../../src/api/app.ts';
import type { PrivacyCenterSettings } from '../../src/api/privacy-center/settings.ts';
import type { ExportFormat } from '../../src/domain/data-model.ts';
import { generateToken, upsertToken, type Role } from '../../src/db/tokens.ts';
import { createLogger } from '../../src/platform/logger.ts';
import type { Mailer } from '../../src/platform/mailer.ts';
import type { WorkflowSettings } from '../../src/workflow-client/starts.ts';

export const TASK_QUEUE = 'dsrflow-test';

/** The subject keys of every test app: one secret for the run, so apps built by different test files agree. */
export const TEST_SUBJECT_KEYS = { current: 'test-subject-id-secret-0123456789abcdef', previous: [] as string[] };

export const testWorkflowSettings = (taskQueue: string): WorkflowSettings => ({
  taskQueue,
  verificationWindowDays: 14,
  reminderDaysBefore: [7, 2],
  autoApproveTypes: ['noSale'],
});

// One export folder and the demo data model for the whole run: the worker writes where the API reads.
export const testStorage = localFolderStorage(mkdtempSync(join(tmpdir(), 'dsrflow-exports-')));

/** The data keys of the run (one ring: the worker seals what the API opens, and the Temporal payloads too). */
export { testKeyRing };

// Uploaded documents, encrypted under the run's key ring (the worker shreds what the API stored).
export const TEST_DOCUMENTS_DIR = mkdtempSync(join(tmpdir(), 'dsrflow-documents-'));
export const testDocuments = sealedFileStore(localFolderStorage(TEST_DOCUMENTS_DIR), testKeyRing);

export const demoDataModel = await loadDataModelFile();
export const demoRetentionPolicy = await loadRetentionPolicyFile();

export const testActivityDeps = (pool: DatabasePool, mailer: Mailer): ActivityDeps => ({
  pool,
  mailer,
  logger: createLogger('silent'),
  publicUrl: 'http://localhost:3000',
  staffEmail: 'privacy-team@dsrflow.test',
  storage: testStorage,
  documents: testDocuments,
  keyRing: testKeyRing,
  dataModel: demoDataModel,
  retentionPolicy: demoRetentionPolicy,
  exportFormats: ['csv', 'json'],
});

export function testApp(opts: { pool: DatabasePool; warehouseLookups?: DatabasePool; client: Client; taskQueue?: string; maxBodyBytes?: number; now?: () => Date; startTimeoutMs?: number; decisionWaitMs?: number; exportFormats?: ExportFormat[]; privacyCenter?: PrivacyCenterSettings; storage?: ExportStorage; keyRing?: KeyRing; codecOrigins?: string[] }) {
  return createApp({
    pool: opts.pool,
    // Tests share one pool; the 2 s bound of the API's look-up pool is tested where it matters (subjects).
    warehouseLookups: opts.warehouseLookups ?? opts.pool,
    temporal: { client: opts.client, namespace: opts.client.options.namespace, uiUrl: 'http://localhost:8233' },
    workflows: { ...testWorkflowSettings(opts.taskQueue ?? TASK_QUEUE), ...(opts.startTimeoutMs ? { startTimeoutMs: opts.startTimeoutMs } : {}), ...(opts.decisionWaitMs ? { decisionWaitMs: opts.decisionWaitMs } : {}) },
    settings: { defaultOrganization: 'default', subjectKeys: TEST_SUBJECT_KEYS, ...(opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {}), ...(opts.exportFormats ? { exportFormats: opts.exportFormats } : {}), ...(opts.privacyCenter ? { privacyCenter: opts.privacyCenter } : {}), codecOrigins: opts.codecOrigins ?? [] },
    logger: createLogger('silent'),
    keyRing: opts.keyRing ?? testKeyRing,
    now: opts.now ?? (() => new Date()),
    storage: opts.storage ?? testStorage,
    documents: testDocuments,
    dataModel: demoDataModel,
    retentionPolicy: demoRetentionPolicy,
  });
}

/** A fresh API token of the given role, as `Authorization` headers. */
export async function tokenHeaders(pool: DatabasePool, role: Role = 'owner', organizationId: string | null = null) {
  const token = generateToken();
  await upsertToken(pool, { name: `test-${role}-${crypto.randomUUID()}`, role, organizationId, token });
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}

// Response bodies in tests are checked field by field; `any` keeps those assertions short.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const json = (res: Response): Promise<any> => res.json();
