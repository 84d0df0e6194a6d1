// The real servers the suite runs against, each started at most once per run (on first use) and stopped in
// the global teardown: PostgreSQL, the Temporal dev server, the time-skipping test server, an SMTP peer.
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { chromium, type Browser } from 'playwright-core';
import type { DatabasePool } from 'slonik';
import { migrate } from '../../src/db/migrate.ts';
import { createDatabasePool } from '../../src/db/pool.ts';
import { ensureOrganization } from '../../src/db/tokens.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/platform/embedded-postgres.ts';
import { startMailCatcher, type MailCatcher } from '../../src/platform/mail-catcher.ts';
import { registerSearchAttributes } from '../../src/workflow-client/starts.ts';
import { executableOption, locateTool, missingToolError, type ToolLocation, type ToolName } from '../../src/platform/toolchain.ts';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes.ts';
import { workflowsPath } from '../../src/main/temporal-worker.ts';
import { newKeyEntry, parseKeyRing } from '../../src/platform/data-keys.ts';
import { failureConverterPath, temporalDataConverter } from '../../src/platform/payload-codec.ts';
import { freePort } from './ports.ts';

const once = <T>(start: () => Promise<T>) => {
  let started: Promise<T> | undefined;
  const get = () => (started ??= start());
  get.started = () => started;
  return get;
};

const stops: Array<() => Promise<unknown>> = [];

// Without an installed binary the SDK would try to download one (no internet here): fail now, saying how to fix it.
function installedTool(name: ToolName): ToolLocation {
  const location = locateTool(name);
  if (location.source === 'cached-download') throw missingToolError(name);
  return location;
}

// The SDK's native runtime, installed quietly on first use and shut down with the servers: an idle runtime
// keeps the event loop, and so the test runner, alive.
let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
}

// A temporary folder others may enter (0755, not mkdtemp's 0700): under root, PostgreSQL runs as user postgres.
export const tempFolder = (prefix: string) => {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(folder, 0o755);
  return folder;
};

/**
 * A server that cannot start fails every test that needs it within seconds, with its cause: the rejection is
 * kept (once), so later tests do not try again and wait again.
 */
export const postgres = once(async (): Promise<Pick<EmbeddedPostgresHandle, 'url' | 'stop'> & { pool: DatabasePool }> => {
  const external = process.env.TEST_DATABASE_URL;
  const handle = external
    ? { url: external, stop: async () => {} }
    : await startEmbeddedPostgres({ dataDir: join(tempFolder('dsrflow-test-'), 'pg'), port: await freePort(), persistent: false });
  await migrate(handle.url);
  const pool = await createDatabasePool(handle.url);
  await ensureOrganization(pool, 'default');
  stops.push(async () => {
    await pool.end();
    await handle.stop();
  });
  return { ...handle, pool };
});

/** The run's data keys (made per run, as a deployment's would be): the dev server's suites seal every payload. */
export const testKeyRing = parseKeyRing(newKeyEntry('test-1'));

/**
 * Every test server runs as production does: its client (and every worker, through createWorker) seals every payload;
 * test/integration/payload-encryption.test.ts reads the raw histories.
 */
export const devServer = once(async () => {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createLocal({
    client: { dataConverter: temporalDataConverter(testKeyRing) },
    server: { executable: executableOption(installedTool('cli')), ip: '127.0.0.1', searchAttributes: SEARCH_ATTRIBUTES },
  });
  stops.push(() => env.teardown());
  return env;
});

/**
 * A time-skipping test server of its own. Its clock is global and, whenever it is idle, jumps to the next timer
 * of any workflow, finished ones included (their run timeout, years ahead): a server shared between tests would
 * leave the next test in 2036. A fresh one (about half a second) keeps every test's clock at today.
 */
export async function freshTimeSkipping(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ client: { dataConverter: temporalDataConverter(testKeyRing) }, server: { executable: executableOption(installedTool('testServer')) } });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

export const mailCatcher = once(async (): Promise<MailCatcher> => {
  const catcher = await startMailCatcher({ smtpPort: 0 });
  stops.push(() => catcher.stop());
  return catcher;
});

/**
 * One headless Chromium for the run (the Debian package; CHROMIUM_PATH overrides): each test opens its own context.
 * Flags from TOOLCHAIN.md "Browsers": no sandbox (root in CI), nothing fetched from the network.
 */
export const browser = once(async (): Promise<Browser> => {
  const launched = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  stops.push(() => launched.close());
  return launched;
});

/** One workflow bundle for the whole run: bundling takes seconds. */
export const workflowBundle = once(async (): Promise<WorkflowBundleWithSourceMap> => {
  quietRuntime();
  return bundleWorkflowCode({ workflowsPath, failureConverterPath, logger: quietBundlerLogger });
});

const quietBundlerLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };

export async function stopAll(): Promise<void> {
  for (const stop of stops.splice(0).reverse()) {
    const t = Date.now();
    await stop();
    if (process.env.DEBUG_STACK) console.error(`stopped in ${Date.now() - t} ms`);
  }
  if (runtimeInstalled && Runtime._instance) await Runtime.instance().shutdown();
  runtimeInstalled = false;
}
