// The thinnest intake there could be, for bench/scale.bench.ts `--floor`: an HTTP server that answers POST /start by
// starting the same workflow with the same input, summary and search attributes as the API's start (the same
// startRequestWorkflow, the same payload codec), and nothing else: no token, no database, no record, no audit. What
// it costs over a raw `workflow.start` is the HTTP hop alone; what the API costs over it is dsrflow's own work.
// Run by the bench as its own process: TEMPORAL_ADDRESS, DATA_DIR (the key ring), PORT.
import { randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { Hono } from 'hono';
import type { RequestRow } from '../src/db/requests.ts';
import { localDateOf } from '../src/domain/dates.ts';
import { chooseCalendar, computeDeadlines } from '../src/domain/deadlines.ts';
import type { RegulationCode } from '../src/domain/regulations.ts';
import type { RequestType } from '../src/domain/request.ts';
import { loadKeyRing } from '../src/platform/data-keys.ts';
import { calendarForRequest } from '../src/platform/holiday-calendars.ts';
import { temporalDataConverter } from '../src/platform/payload-codec.ts';
import { startRequestWorkflow, workflowIdFor } from '../src/workflow-client/starts.ts';

const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
const client = new Client({ connection, dataConverter: temporalDataConverter(await loadKeyRing({ DATA_DIR: process.env.DATA_DIR! })) });
const settings = { taskQueue: 'nobody-polls-floor', verificationWindowDays: 14, reminderDaysBefore: [7, 2], autoApproveTypes: [], startTimeoutMs: 60_000 };

const app = new Hono().post('/start', async (c) => {
  const body = (await c.req.json()) as { type: RequestType; regulation: RegulationCode };
  const receivedAt = new Date();
  const choice = chooseCalendar(body.regulation, { requested: undefined, established: null });
  const calendar = calendarForRequest(choice.calendarId, localDateOf(receivedAt, choice.timeZone));
  const deadlines = computeDeadlines({ regulation: body.regulation, type: body.type, receivedAt, calendar });
  const id = randomUUID();
  const row = {
    id,
    organization_id: 'default',
    type: body.type,
    regulation: body.regulation,
    status: 'submitted',
    received_at: receivedAt.toISOString(),
    due_at: deadlines.dueAt.toISOString(),
    acknowledge_by: deadlines.acknowledgeBy?.toISOString() ?? null,
    workflow_id: `floor-${workflowIdFor(id)}`,
    staff_verifies: false,
    holiday_calendar: calendar,
  } as unknown as RequestRow;
  await startRequestWorkflow(client, row, settings);
  return c.json({ id }, 201);
});

serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, () => console.log('ready'));
