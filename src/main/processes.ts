import { createServer, type Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime as TemporalRuntime, type Worker } from '@temporalio/worker';
import type { DatabasePool } from 'slonik';
import { createApp } from '../api/app.ts';
import type { AppDeps } from '../api/deps.ts';
import { linkEarlierRequests } from '../api/subjects/backfill.ts';
import { checkDataModel, DEMO_DATA_MODEL_PATH, loadDataModelFile } from '../warehouse/data-model-check.ts';
import { checkRetentionPolicy, DEMO_RETENTION_POLICY_PATH, loadRetentionPolicyFile } from '../warehouse/retention-policy-check.ts';
import { DEMO_PROCESSING_REGISTER_PATH, loadProcessingRegisterFile } from '../warehouse/processing-register-file.ts';
import { checkProcessingRegister } from '../domain/processing-register.ts';
import { ensureDeletionTable } from '../warehouse/deletion-table.ts';
import { loadDestinationsFile } from '../activities/destinations/file.ts';
import { ensureSuppressionTable } from '../warehouse/suppressions.ts';
import { ensureDeletionPushSchedule, ensureSchedule, recordedRequestsSweepSchedule } from './deletion-schedule.ts';
import { createApiDatabasePool, createDatabasePool, createWarehouseLookupPool } from '../db/pool.ts';
import { databaseConnection, DatabaseTlsError } from '../db/connection-tls.ts';
import { ensureOrganization, upsertToken } from '../db/tokens.ts';
import { createWorker, startRecordedRequests } from './temporal-worker.ts';
import { codecOrigins, ConfigError, loadConfig, publicUrl, temporalUiUrl, type Config } from '../platform/config.ts';
import { createLogger, type Logger } from '../platform/logger.ts';
import { createMailer, type Mailer } from '../platform/mailer.ts';
import { countedMailer, createMetrics, type Metrics } from '../platform/metrics.ts';
import { activityObserver } from './activity-observer.ts';
import { workflowThreadMetrics } from './workflow-threads.ts';
import { databaseUnusable, portInUse, StartupError, startupFailureLine } from '../platform/startup-error.ts';
import { localFolderStorage } from '../platform/storage.ts';
import { sealedFileStore } from '../platform/sealed-files.ts';
import { join } from 'node:path';
import { DATA_KEYS_FILE_NAME, loadKeyRing, type KeyRing } from '../platform/data-keys.ts';
import type { WorkflowSettings } from '../workflow-client/starts.ts';
import { temporalDataConverter } from '../platform/payload-codec.ts';
import { anyTemporalTlsSetting, temporalConnectionOptions, temporalSettingsNamed, type TemporalConnectionOptions, type TemporalTlsSettings } from '../platform/temporal-connection.ts';
import { localSubjectSecret, SUBJECT_SECRET_FILE, type SubjectKeys } from '../platform/subject-keys.ts';

export interface ServiceAddresses {
  databaseUrl: string;
  temporalAddress: string;
  smtpUrl: string;
  temporalUiUrl: string | undefined;
}

export interface Runtime {
  config: Config;
  logger: Logger;
  pool: DatabasePool;
  mailer: Mailer;
  /** This process's Prometheus registry: the API serves it at /metrics; a worker alone on WORKER_METRICS_PORT. */
  metrics: Metrics;
  client: Client;
  /** The data keys (DATA_KEYS, DATA_KEYS_FILE, or the local key under DATA_DIR), loaded once per process. */
  keyRing: KeyRing;
  /** Only where a worker runs: the API process never opens one. */
  nativeConnection: NativeConnection | null;
  close(): Promise<void>;
}

/** Opens the connections every part needs: the app database, SMTP, and Temporal (client and worker side). */
export async function openRuntime(config: Config, services: ServiceAddresses, logger: Logger, opts: { worker: boolean }): Promise<Runtime> {
  // First: a missing or malformed key stops the process before it connects anywhere, naming the setting.
  const keyRing = await loadKeyRing(config).catch((error: unknown) => {
    throw new StartupError(`DATA_KEYS: ${startupFailureLine(error)}`, { cause: error });
  });
  if (!config.DATA_KEYS && !config.DATA_KEYS_FILE) logger.info('data keys from the local key file under DATA_DIR; set DATA_KEYS or DATA_KEYS_FILE in production', { file: DATA_KEYS_FILE_NAME });
  // Then the TLS files, named when unusable. dsrflow's own Temporal (npm start, no TEMPORAL_ADDRESS) is plaintext on loopback.
  const ownTemporal = !config.TEMPORAL_ADDRESS;
  if (ownTemporal && anyTemporalTlsSetting(config)) logger.info('Temporal TLS settings ignored: they are for a Temporal at TEMPORAL_ADDRESS, and npm start runs its own without TLS');
  const tlsSettings = ownTemporal ? {} : config;
  const temporal = await temporalConnectionOptions(tlsSettings, services.temporalAddress);
  const pool = await createDatabasePool(services.databaseUrl).catch((error: unknown) => {
    throw asStartupError(error, () => databaseUnusable(services.databaseUrl, error));
  });
  const metrics = createMetrics();
  const mailer = countedMailer(createMailer(services.smtpUrl, config.MAIL_FROM), metrics);
  // Lazy: the API starts (and records requests) while Temporal is unreachable; each call connects when it can.
  const connection = Connection.lazy(temporal);
  const nativeConnection = opts.worker
    ? await NativeConnection.connect(temporal).catch(async (error: unknown) => {
        await pool.end();
        throw temporalUnreachable(services.temporalAddress, tlsSettings, temporal, error);
      })
    : null;
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: temporalDataConverter(keyRing) });
  return {
    config,
    logger,
    pool,
    mailer,
    metrics,
    client,
    keyRing,
    nativeConnection,
    async close() {
      await nativeConnection?.close();
      await connection.close();
      mailer.close();
      await pool.end();
    },
  };
}

// DATABASE_URL's TLS parameters that cannot be used are a setting to fix, not a database to start.
const asStartupError = (error: unknown, otherwise: () => unknown) => (error instanceof DatabaseTlsError ? new StartupError(error.message, { cause: error }) : otherwise());

/** DATABASE_URL's TLS parameters, checked before anything starts (`npm start`, before its embedded parts). */
export function checkDatabaseUrl(url: string): void {
  try {
    databaseConnection(url);
  } catch (error) {
    throw asStartupError(error, () => error);
  }
}

/** Temporal not reached at start: the settings to look at, and TLS when a plaintext client met something else than a refusal. */
function temporalUnreachable(address: string, settings: TemporalTlsSettings, options: TemporalConnectionOptions, error: unknown): StartupError {
  const named = temporalSettingsNamed(settings);
  const reason = startupFailureLine(error);
  const tlsHint = options.tls === false && !/refused|ENOTFOUND|EAI_AGAIN|timed? ?out/i.test(reason) ? ' (a Temporal that expects TLS: set TEMPORAL_TLS=true, docs/deployment.md)' : '';
  return new StartupError(`Temporal at ${address} (${named}) cannot be reached: ${reason}. Start it, or fix ${named}${tlsHint}.`, { cause: error });
}

export async function runWorker(rt: Runtime): Promise<{ worker: Worker; running: Promise<void> }> {
  // A data-model file that does not match the warehouse stops the worker here, naming what is missing.
  const dataModel = await loadDataModelFile(rt.config.DATA_MODEL_FILE ?? DEMO_DATA_MODEL_PATH);
  await checkDataModel(rt.pool, dataModel);
  // So does a retention policy without a rule for a model, or naming a column the warehouse lacks.
  const retentionPolicy = await loadRetentionPolicyFile(rt.config.RETENTION_POLICY_FILE ?? DEMO_RETENTION_POLICY_PATH);
  await checkRetentionPolicy(rt.pool, retentionPolicy, dataModel);
  // And a processing register without an entry for a model (what every access answer discloses, docs/exports.md).
  const processingRegister = await loadProcessingRegisterFile(rt.config.PROCESSING_REGISTER_FILE ?? DEMO_PROCESSING_REGISTER_PATH);
  checkProcessingRegister(processingRegister, dataModel);
  await ensureDeletionTable(rt.pool, rt.config.DELETION_REQUESTS_SCHEMA);
  await ensureSuppressionTable(rt.pool, rt.config.DELETION_REQUESTS_SCHEMA);
  // Destinations: a bad file or a missing secret stops the worker here, naming it (no file: none configured).
  const destinations = rt.config.DESTINATIONS_FILE ? await loadDestinationsFile(rt.config.DESTINATIONS_FILE) : [];
  // The SDK's workflow threads' heaps (the sticky cache) on the worker's metrics, noted from before they start.
  workflowThreadMetrics(rt.metrics.registry);
  const worker = await createWorker({
    connection: rt.nativeConnection ?? fail('runWorker needs a runtime opened with { worker: true }'),
    ...(rt.config.WORKFLOW_BUNDLE_FILE ? { workflowBundle: { codePath: rt.config.WORKFLOW_BUNDLE_FILE } } : {}),
    maxCachedWorkflows: rt.config.WORKER_MAX_CACHED_WORKFLOWS,
    namespace: rt.config.TEMPORAL_NAMESPACE,
    taskQueue: rt.config.TEMPORAL_TASK_QUEUE,
    keyRing: rt.keyRing,
    deps: {
      pool: rt.pool,
      mailer: rt.mailer,
      logger: rt.logger.child({ part: 'worker' }),
      publicUrl: publicUrl(rt.config),
      staffEmail: rt.config.STAFF_NOTIFY_EMAIL,
      storage: localFolderStorage(rt.config.DATA_DIR),
      documents: documentStore(rt),
      keyRing: rt.keyRing,
      dataModel,
      retentionPolicy,
      processingRegister,
      deletionRequestsSchema: rt.config.DELETION_REQUESTS_SCHEMA,
      phoneDefaultCountry: rt.config.PHONE_DEFAULT_COUNTRY,
      destinations,
      starter: { client: rt.client, settings: workflowSettings(rt.config) },
      exportFormats: rt.config.EXPORT_FORMATS,
    },
    interceptors: [activityObserver(rt.metrics, rt.logger.child({ part: 'worker' }))],
  });
  const running = worker.run();
  // Not fatal: a Temporal slow to answer at start-up would otherwise stop a worker that is already polling; the
  // recorded-requests sweep (every 5 minutes) starts whatever is left.
  const started = await startRecordedRequests(rt.client, rt, workflowSettings(rt.config)).catch((error: unknown) => {
    rt.logger.warn('starting the workflows of recorded requests failed; the 5-minute sweep retries', { error: (error as Error).name });
    return 0;
  });
  if (started > 0) rt.logger.info('started workflows of requests recorded while Temporal was down', { count: started });
  // The hourly deletion_requests push: created, or brought to this definition, at every worker start.
  const schedule = await ensureDeletionPushSchedule(rt.client, rt.config.TEMPORAL_TASK_QUEUE);
  rt.logger.info('deletion push schedule', { schedule });
  // And the sweep that starts requests recorded while Temporal was down, every 5 minutes.
  const sweep = await ensureSchedule(rt.client, recordedRequestsSweepSchedule(rt.config.TEMPORAL_TASK_QUEUE));
  rt.logger.info('recorded requests sweep schedule', { schedule: sweep });
  return { worker, running };
}

export const workflowSettings = (config: Config): WorkflowSettings => ({
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  verificationWindowDays: config.VERIFICATION_WINDOW_DAYS,
  reminderDaysBefore: config.REMINDER_DAYS_BEFORE,
  autoApproveTypes: config.AUTO_APPROVE_TYPES,
});

export async function runApi(rt: Runtime, services: ServiceAddresses): Promise<Server> {
  // Rectification requests are checked against the data model before they are recorded: a file that does not parse
  // stops the API here, as it stops the worker.
  const dataModel = await loadDataModelFile(rt.config.DATA_MODEL_FILE ?? DEMO_DATA_MODEL_PATH);
  // The console's "Delete customer" previews the erasure with the policy the worker applies (checked by the worker).
  const retentionPolicy = await loadRetentionPolicyFile(rt.config.RETENTION_POLICY_FILE ?? DEMO_RETENTION_POLICY_PATH);
  // The API's own pool: a client waits seconds, not the worker's minute, for a database that stopped answering.
  const pool = await createApiDatabasePool(services.databaseUrl);
  const warehouseLookups = await createWarehouseLookupPool(services.databaseUrl);
  const deps: AppDeps = {
    pool,
    warehouseLookups,
    temporal: { client: rt.client, namespace: rt.config.TEMPORAL_NAMESPACE, uiUrl: services.temporalUiUrl },
    workflows: workflowSettings(rt.config),
    settings: {
      defaultOrganization: rt.config.DEFAULT_ORGANIZATION,
      webhookSources: rt.config.WEBHOOK_SOURCES,
      warehouseSchema: rt.config.DELETION_REQUESTS_SCHEMA,
      publicUrl: publicUrl(rt.config),
      trustProxy: rt.config.TRUST_PROXY,
      subjectKeys: await subjectKeys(rt),
      exportFormats: rt.config.EXPORT_FORMATS,
      ...(rt.config.METRICS_TOKEN ? { metricsToken: rt.config.METRICS_TOKEN } : {}),
      publicRateLimit: { limit: rt.config.PUBLIC_RATE_LIMIT, windowMs: rt.config.PUBLIC_RATE_WINDOW_SECONDS * 1000, trustProxy: rt.config.TRUST_PROXY },
      codecOrigins: codecOrigins(rt.config, services.temporalUiUrl),
    },
    keyRing: rt.keyRing,
    logger: rt.logger.child({ part: 'api' }),
    metrics: rt.metrics,
    now: () => new Date(),
    storage: localFolderStorage(rt.config.DATA_DIR),
    documents: documentStore(rt),
    dataModel,
    retentionPolicy,
  };
  const app = createApp(deps);
  // Requests recorded before subjects existed are linked in the background; intake does not wait for it.
  linkEarlierRequests(deps).then(
    (linked) => linked > 0 && rt.logger.info('linked earlier requests to their subjects', { count: linked }),
    (error: unknown) => rt.logger.warn('linking earlier requests to their subjects stopped; it resumes at the next start', { error: (error as Error).name }),
  );
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: rt.config.PORT, hostname: rt.config.HOST }, () => resolve(server as Server));
    const endPools = () => void Promise.all([pool.end(), warehouseLookups.end()]).catch(() => {});
    server.once('close', endPools);
    server.once('error', (error: NodeJS.ErrnoException) => {
      endPools();
      reject(error.code === 'EADDRINUSE' ? portInUse(rt.config.PORT, rt.config.HOST, 'PORT', 'The API') : error);
    });
  });
}

/** SUBJECT_ID_SECRET, or the local default made once under DATA_DIR (one API host, or hosts sharing DATA_DIR). */
async function subjectKeys(rt: Runtime): Promise<SubjectKeys> {
  const configured = rt.config.SUBJECT_ID_SECRET;
  if (!configured) rt.logger.info('subject ids keyed by the local secret under DATA_DIR; set SUBJECT_ID_SECRET when several API hosts run', { file: SUBJECT_SECRET_FILE });
  return { current: configured ?? (await localSubjectSecret(rt.config.DATA_DIR)), previous: rt.config.SUBJECT_ID_PREVIOUS_SECRETS, phoneDefaultCountry: rt.config.PHONE_DEFAULT_COUNTRY };
}

/** Production entry points (`npm run worker`, `npm run api`): services must be configured, nothing is started for you. */
function productionServices(config: Config): ServiceAddresses {
  const missing = (['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL'] as const).filter((k) => !config[k]);
  if (missing.length > 0) {
    throw new ConfigError(missing.map((k) => `${k}: required by 'npm run worker' and 'npm run api' (use 'npm start' for the embedded stack)`));
  }
  return { databaseUrl: config.DATABASE_URL!, temporalAddress: config.TEMPORAL_ADDRESS!, smtpUrl: config.SMTP_URL!, temporalUiUrl: temporalUiUrl(config) };
}

/** The configuration, or exit 78 (EX_CONFIG) listing every bad setting: the start of every entry point. */
export function configOrExit<T>(use: (config: Config) => T = (config) => config as T): T {
  try {
    return use(loadConfig());
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
}

const loadOrExit = () => configOrExit((config) => ({ config, services: productionServices(config) }));

/** A process that cannot start (or whose worker fails) exits 1 with one line naming the cause, not a stack trace. */
const orExit = (what: string, run: () => Promise<void>) =>
  run().catch((error: unknown) => {
    console.error(`[dsrflow] ${what}: ${startupFailureLine(error)}`);
    process.exit(1);
  });

export const runWorkerProcess = () => orExit('worker stopped', workerProcess);

async function workerProcess(): Promise<void> {
  const { config, services } = loadOrExit();
  const logger = createLogger(config.LOG_LEVEL, { part: 'worker' });
  installTemporalRuntime(config);
  const rt = await openRuntime(config, services, logger, { worker: true });
  const { worker, running } = await runWorker(rt);
  const metricsServer = await serveWorkerMetrics(rt);
  // The SDK worker drains itself on SIGINT/SIGTERM; close the connections once it has stopped.
  await running;
  metricsServer.close();
  await rt.close();
}

/**
 * The SDK's runtime, installed once before any connection: its logger, and its own worker metrics (task slots,
 * poll latencies, sticky cache, schedule-to-start) as Prometheus on TEMPORAL_METRICS_ADDRESS when set.
 */
export function installTemporalRuntime(config: Config): void {
  TemporalRuntime.install({
    // The SDK logs every bundling step at INFO; keep the console for what the operator needs unless debugging.
    logger: new DefaultLogger(config.LOG_LEVEL === 'debug' ? 'DEBUG' : 'WARN'),
    ...(config.TEMPORAL_METRICS_ADDRESS ? { telemetryOptions: { metrics: { prometheus: { bindAddress: config.TEMPORAL_METRICS_ADDRESS, countersTotalSuffix: true, useSecondsForDurations: true } } } } : {}),
  });
}

/** A worker on its own (`npm run worker`) serves its registry (activities, emails) on WORKER_METRICS_PORT. */
function serveWorkerMetrics(rt: Runtime): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    rt.metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': rt.metrics.registry.contentType }).end(text),
      () => res.writeHead(503).end(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? portInUse(rt.config.WORKER_METRICS_PORT, rt.config.HOST, 'WORKER_METRICS_PORT', "The worker's metrics") : error),
    );
    server.listen(rt.config.WORKER_METRICS_PORT, rt.config.HOST, () => resolve(server));
  });
}

export const runApiProcess = () => orExit('api could not start', apiProcess);

async function apiProcess(): Promise<void> {
  const { config, services } = loadOrExit();
  const logger = createLogger(config.LOG_LEVEL, { part: 'api' });
  const rt = await openRuntime(config, services, logger, { worker: false });
  // As `npm start` does: a fixed owner credential for production, from the environment (never printed here).
  if (config.DSRFLOW_OWNER_TOKEN) {
    await ensureOrganization(rt.pool, config.DEFAULT_ORGANIZATION);
    await upsertToken(rt.pool, { name: 'owner', role: 'owner', organizationId: null, token: config.DSRFLOW_OWNER_TOKEN });
    logger.info('owner token registered from DSRFLOW_OWNER_TOKEN', { name: 'owner' });
  }
  const server = await runApi(rt, services);
  logger.info('api listening', { port: config.PORT });
  onSignals(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rt.close();
  });
}

export function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping...`);
    stop().then(
      () => process.exit(0),
      (error) => {
        console.error('error while stopping', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

function fail(message: string): never {
  throw new Error(message);
}

/** Uploaded documents (agent permissions, identity documents): encrypted per file, in a folder of their own under DATA_DIR. */
/** Uploaded documents (agents' permissions, identity documents): sealed under the runtime's key ring, under DATA_DIR. */
const documentStore = (rt: Runtime) => sealedFileStore(localFolderStorage(join(rt.config.DATA_DIR, 'documents')), rt.keyRing);
