// `npm run start:cluster`: the production-like stack (see cluster.ts and docs/operations.md). Opt-in: it needs the
// Temporal server built from source (`npm run tools -- install --cluster`, about 7 minutes once).
import { join, resolve } from 'node:path';
import type { Config } from '../platform/config.ts';
import { installClusterTools, missingClusterBinaries } from '../platform/cluster-toolchain.ts';
import { startupFailureLine } from '../platform/startup-error.ts';
import { defaultClusterPorts, startClusterStack, type ClusterStack } from './cluster.ts';
import { configOrExit, onSignals } from './processes.ts';

const say = (line: string) => console.log(`[dsrflow cluster] ${line}`);

const config: Config = configOrExit();

let stack: ClusterStack | undefined;
onSignals(async () => {
  await stack?.stop();
});

try {
  if (missingClusterBinaries().length > 0) {
    say('the Temporal server is not built yet: building it now (about 7 minutes, once)');
    if (!(await installClusterTools())) process.exit(1);
  }
  stack = await startClusterStack({
    dataDir: join(resolve(config.DATA_DIR), 'cluster'),
    pgPort: config.EMBEDDED_PG_PORT,
    temporalPorts: defaultClusterPorts(config.TEMPORAL_PORT),
    uiPort: config.TEMPORAL_UI_PORT,
    apiPort: config.PORT,
    workers: config.CLUSTER_WORKERS,
    namespace: config.TEMPORAL_NAMESPACE,
    ...(config.SMTP_URL ? { smtpUrl: config.SMTP_URL } : { mailPorts: { smtp: config.MAIL_CATCHER_SMTP_PORT, web: config.MAIL_CATCHER_WEB_PORT } }),
    ownerToken: config.DSRFLOW_OWNER_TOKEN,
    demoUsers: config.DEMO_SEED_USERS,
    env: { LOG_LEVEL: config.LOG_LEVEL },
    log: say,
  });
  for (const worker of stack.workers) void worker.exited.then((how) => say(`${worker.name} ended (${how}); see ${stack!.logDir}`));
  console.log(`
  dsrflow (cluster) is running
    API            ${stack.apiUrl}
    Staff console  ${stack.apiUrl}/console (sign in with the owner token)
    Temporal       ${stack.temporal.address} (Temporal server on PostgreSQL)
    Temporal UI    ${stack.uiUrl ?? '-'}
    Mail inbox     ${stack.inboxUrl ?? `(your SMTP server: ${new URL(stack.smtpUrl).host})`}
    Workers        ${stack.workers.map((w) => `${w.name} (pid ${w.pid})`).join(', ')}
    Logs           ${stack.logDir}
    Owner token    ${stack.ownerToken}${config.DSRFLOW_OWNER_TOKEN ? ' (from DSRFLOW_OWNER_TOKEN)' : ''}

  Ctrl-C stops everything.
`);
} catch (error) {
  console.error(`[dsrflow cluster] could not start: ${startupFailureLine(error)}`);
  await stack?.stop();
  process.exit(1);
}
