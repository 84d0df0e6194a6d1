// `npm run worker`: the Temporal worker alone, against configured PostgreSQL, Temporal and SMTP.
import { runWorkerProcess } from './main/processes.ts';

await runWorkerProcess();
