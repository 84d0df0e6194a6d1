// `npm run api`: the HTTP API alone, against configured PostgreSQL, Temporal and SMTP.
import { runApiProcess } from './main/processes.ts';

await runApiProcess();
