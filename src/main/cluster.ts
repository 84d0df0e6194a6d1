// The production-like stack on one machine: embedded PostgreSQL (the app's database and Temporal's two), the
// Temporal server built from go.temporal.io/server with its Web UI, and dsrflow as separate processes: N workers
// and the API. `npm run start:cluster` runs it; the faults suite and the scale bench drive it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { migrate } from '../db/migrate.ts';
import { createDatabasePool } from '../db/pool.ts';
import { seedDemoWarehouse } from '../db/seed.ts';
import { ensureOrganization, generateToken } from '../db/tokens.ts';
import { clusterBinary, missingClusterBinaries } from '../platform/cluster-toolchain.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../platform/embedded-postgres.ts';
import { startMailCatcher, type MailCatcher } from '../platform/mail-catcher.ts';
import { StartupError } from '../platform/startup-error.ts';
import { setupTemporalDatabases, standardPorts, startTemporalServer, type TemporalClusterPorts, type TemporalServerHandle } from '../platform/temporal-cluster.ts';
import { startTemporalUi, type TemporalUiHandle } from '../platform/temporal-ui.ts';
import { startTemporalDevServer } from '../platform/temporal-dev-server.ts';
import { locateTool, missingToolError } from '../platform/toolchain.ts';
import { checkVisibilityLimits } from '../platform/visibility-limits.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.ts';
import { startAppProcess, type AppProcess } from './app-process.ts';
import { workflowsPath } from './temporal-worker.ts';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';

// Temporal's services each keep their own connection pools: the default 100 connections run out.
const PG_SETTINGS = { max_connections: '200' };
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
const quietBundler = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };

/**
 * A worker's V8 heap limit: below a 1 GB container so V8 collects before the limit (one worker held 10,000 open
 * requests at 816 MB with it, and passed 1 GB at 2,000 without it: bench/README.md "Scale").
 */
export const WORKER_NODE_OPTIONS = '--max-old-space-size=768';

export interface ClusterStackOptions {
  /** The project root (where .tools/ is). */
  root?: string;
  /** 'dev': the same stack on the Temporal dev server (SQLite file) instead, for side-by-side benches. */
  engine?: 'cluster' | 'dev';
  dataDir: string;
  pgPort: number;
  temporalPorts: TemporalClusterPorts;
  /** null: no Web UI (tests, benches). */
  uiPort: number | null;
  apiPort: number;
  workers: number;
  namespace?: string;
  /** An SMTP server of yours; otherwise a mail catcher is started (web inbox on mailWebPort). */
  smtpUrl?: string;
  mailPorts?: { smtp: number; web: number };
  /** The app database as the app processes reach it (e.g. through a proxy a test cuts); default: directly. */
  appDatabaseUrl?: (directUrl: string) => string;
  ownerToken?: string;
  demoUsers?: number;
  /** More settings for every app process (LOG_LEVEL, REMINDER_DAYS_BEFORE, ...). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface ClusterStack {
  dataDir: string;
  databaseUrl: string;
  temporal: TemporalServerHandle;
  uiUrl: string | undefined;
  apiUrl: string;
  smtpUrl: string;
  mail: MailCatcher | undefined;
  inboxUrl: string | undefined;
  ownerToken: string;
  postgres: EmbeddedPostgresHandle;
  workers: AppProcess[];
  api: AppProcess;
  /** Starts one more worker; `env` overrides settings (e.g. WORKFLOW_BUNDLE_FILE for another build of the workflows). */
  startWorker(env?: NodeJS.ProcessEnv): Promise<AppProcess>;
  logDir: string;
  stop(): Promise<void>;
}

export const defaultClusterPorts = (frontend = 7233) => standardPorts(frontend);

export async function startClusterStack(opts: ClusterStackOptions): Promise<ClusterStack> {
  const root = opts.root ?? process.cwd();
  const say = opts.log ?? (() => {});
  const engine = opts.engine ?? 'cluster';
  const missing = engine === 'dev' ? [] : missingClusterBinaries(root).filter((name) => name !== 'ui' || opts.uiPort !== null);
  if (missing.length > 0) throw new StartupError(`The Temporal cluster binaries are not built (${missing.join(', ')}): run \`npm run tools -- install --cluster\` (about 7 minutes).`);
  const limits = checkVisibilityLimits(SEARCH_ATTRIBUTES);
  if (limits.length > 0) throw new StartupError(`Our search attributes exceed what SQL visibility allows: ${limits.join('; ')}.`);
  const dataDir = resolve(opts.dataDir);
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const namespace = opts.namespace ?? 'default';
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => {});
  };
  try {
    say(`starting embedded PostgreSQL on 127.0.0.1:${opts.pgPort}`);
    const postgres = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: opts.pgPort, settings: PG_SETTINGS });
    stops.push(postgres.stop);
    let temporal: TemporalServerHandle;
    let ui: { url: string } | undefined;
    if (engine === 'dev') {
      const cli = locateTool('cli');
      if (cli.source === 'cached-download') throw missingToolError('cli');
      // The dev server always serves its Web UI: on the port asked for, or on the (unused) HTTP port.
      const uiPort = opts.uiPort ?? opts.temporalPorts.frontendHttp;
      const dev = await startTemporalDevServer({ cliPath: cli.path, dbFile: join(dataDir, 'temporal.sqlite'), port: opts.temporalPorts.frontend, uiPort, namespace, searchAttributes: SEARCH_ATTRIBUTES });
      stops.push(dev.stop);
      const unsupported = () => Promise.reject(new Error('the dev server stack cannot kill or restart its Temporal'));
      temporal = { address: dev.address, pid: () => -1, kill: unsupported, restart: unsupported, stop: dev.stop };
      if (opts.uiPort !== null) ui = { url: dev.uiUrl };
    } else {
      const server = { host: '127.0.0.1', port: opts.pgPort, user: 'postgres', password: 'postgres' };
      say('setting up the temporal and temporal_visibility databases with the server’s SQL tool');
      await setupTemporalDatabases({ sqlPath: clusterBinary('sql', root), postgres: server });
      say(`starting the Temporal server on 127.0.0.1:${opts.temporalPorts.frontend}`);
      temporal = await startTemporalServer({
        serverPath: clusterBinary('server', root),
        dir: join(dataDir, 'temporal'),
        postgres: server,
        ports: opts.temporalPorts,
        namespace,
        searchAttributes: SEARCH_ATTRIBUTES,
      });
      stops.push(temporal.stop);
      if (opts.uiPort !== null) {
        const started: TemporalUiHandle = await startTemporalUi({ uiPath: clusterBinary('ui', root), dir: join(dataDir, 'temporal-ui'), temporalAddress: temporal.address, port: opts.uiPort, namespace });
        stops.push(started.stop);
        ui = started;
      }
    }
    let mail: MailCatcher | undefined;
    let smtpUrl = opts.smtpUrl;
    if (!smtpUrl) {
      mail = await startMailCatcher({ smtpPort: opts.mailPorts?.smtp ?? 0, webPort: opts.mailPorts?.web });
      stops.push(mail.stop);
      smtpUrl = mail.smtpUrl;
    }

    const applied = await migrate(postgres.url);
    if (applied.length > 0) say(`applied migrations: ${applied.join(', ')}`);
    const setupPool = await createDatabasePool(postgres.url, { maximumPoolSize: 2 });
    try {
      await ensureOrganization(setupPool, 'default');
      if (await seedDemoWarehouse(setupPool, { users: opts.demoUsers ?? 500 })) say(`seeded the demo warehouse with ${opts.demoUsers ?? 500} users`);
    } finally {
      await setupPool.end();
    }

    const ownerToken = opts.ownerToken ?? generateToken();
    const apiUrl = `http://127.0.0.1:${opts.apiPort}`;
    const env: NodeJS.ProcessEnv = {
      // The stack's own Temporal listens on loopback without TLS: settings meant for another Temporal do not apply.
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^TEMPORAL_(TLS|API_KEY)/.test(k))),
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATA_DIR: join(dataDir, 'app'),
      DATABASE_URL: opts.appDatabaseUrl ? opts.appDatabaseUrl(postgres.url) : postgres.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: namespace,
      SMTP_URL: smtpUrl,
      PORT: String(opts.apiPort),
      HOST: '127.0.0.1',
      PUBLIC_URL: apiUrl,
      ...(ui ? { TEMPORAL_UI_URL: ui.url } : {}),
      ...opts.env,
    };
    // Bundled once, here: every worker starts without webpack (seconds, and less memory), and all run the same build.
    if (!env.WORKFLOW_BUNDLE_FILE) {
      const bundle = await bundleWorkflowCode({ workflowsPath, logger: quietBundler });
      env.WORKFLOW_BUNDLE_FILE = join(dataDir, 'workflow-bundle.js');
      writeFileSync(env.WORKFLOW_BUNDLE_FILE, bundle.code);
    }
    const probe = await Connection.connect({ address: temporal.address });
    stops.push(() => probe.close());
    const taskQueue = env.TEMPORAL_TASK_QUEUE ?? 'dsrflow';
    const isPolling = async (pid: number) => {
      const { pollers } = await probe.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW });
      return (pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`));
    };
    const workers: AppProcess[] = [];
    let made = 0;
    const startWorker = async (extra: NodeJS.ProcessEnv = {}) => {
      const name = `worker-${++made}`;
      // Workers side by side on one host: each serves its metrics on a port of its own.
      const metricsPort = { WORKER_METRICS_PORT: String(await freePort()) };
      // The sizing rule's heap limit (docs/operations.md "Sizing a worker"), unless NODE_OPTIONS says otherwise.
      const heap = { NODE_OPTIONS: env.NODE_OPTIONS ?? WORKER_NODE_OPTIONS };
      const worker = await startAppProcess({ kind: 'worker', name, env: { ...env, ...heap, ...metricsPort, ...extra }, logFile: join(logDir, `${name}.log`), isPolling });
      workers.push(worker);
      stops.push(worker.stop);
      return worker;
    };
    // One after another: the first creates the schedules, and two bundlings at once double the start-up peak.
    for (let i = 0; i < opts.workers; i++) {
      say(`starting dsrflow worker ${i + 1} of ${opts.workers}`);
      await startWorker();
    }
    say(`starting the dsrflow API on ${apiUrl}`);
    const api = await startAppProcess({ kind: 'api', name: 'api', env: { ...env, DSRFLOW_OWNER_TOKEN: ownerToken }, logFile: join(logDir, 'api.log'), apiUrl });
    stops.push(api.stop);
    return {
      dataDir,
      databaseUrl: postgres.url,
      postgres,
      temporal,
      uiUrl: ui?.url,
      apiUrl,
      smtpUrl,
      mail,
      inboxUrl: mail?.webPort ? `http://localhost:${mail.webPort}` : undefined,
      ownerToken,
      workers,
      api,
      startWorker,
      logDir,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
