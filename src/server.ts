// `npm run api`: the HTTP API alone, against configured PostgreSQL, Temporal and SMTP.
import { runApiProcess } from './platform/processes.ts';
import { startupFailureLine } from './platform/startup-error.ts';

await runApiProcess().catch((error: unknown) => {
  console.error(`[dsrflow] api could not start: ${startupFailureLine(error)}`);
  process.exit(1);
});
