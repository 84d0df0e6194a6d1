// The thinnest intake there could be, for bench/scale.bench.ts `--floor`: an HTTP server that answers POST /start by
// starting the same workflow with the same input, summary and search attributes as the API's start (the same
// startRequestWorkflow, the same payload codec), and nothing else: no token, no database, no record, no audit. What
// it costs over a raw `workflow.start` is the HTTP hop alone; what the API costs over it is dsrflow's own work.
// Run by the bench as its own process: TEMPORAL_ADDRESS, DATA_DIR (the key ring), PORT; with `--floor-write` also
// FLOOR_WRITE, FLOOR_BURN and DATABASE_URL (below): then it records a row first.
import { randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { Hono } from 'hono';
import pg from 'pg';
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
// FLOOR_WRITE=N (`--floor-write=N`): N round trips to PostgreSQL before the start, through plain pg. N=1: one INSERT
// of the request's row, autocommit (the least a durable intake can write); N>=3: BEGIN, the INSERT, N-3 reads of the
// row by its key, COMMIT (the shape of a transaction of N round trips, each statement costing next to nothing).
const roundTrips = Number(process.env.FLOOR_WRITE ?? 0);
const burn = Number(process.env.FLOOR_BURN ?? 0);
if (roundTrips === 2 || (burn > 0 && roundTrips < 3)) throw new Error('FLOOR_WRITE is 1 or at least 3 (BEGIN, INSERT, COMMIT); FLOOR_BURN needs it at 3 or more');
const floorPool = roundTrips > 0 ? new pg.Pool({ connectionString: process.env.DATABASE_URL!, max: 10 }) : undefined;
if (floorPool) await floorPool.query('CREATE TABLE IF NOT EXISTS bench_floor_intake (id uuid PRIMARY KEY, received_at timestamptz NOT NULL, body jsonb NOT NULL)');
async function write(id: string, receivedAt: Date, body: unknown) {
  if (!floorPool) return;
  const insert = 'INSERT INTO bench_floor_intake (id, received_at, body) VALUES ($1, $2, $3)';
  if (roundTrips === 1) return void (await floorPool.query(insert, [id, receivedAt, body]));
  const db = await floorPool.connect();
  try {
    await db.query('BEGIN');
    await db.query(insert, [id, receivedAt, body]);
    for (let i = 3; i < roundTrips; i++) await db.query('SELECT received_at FROM bench_floor_intake WHERE id = $1', [id]);
    // FLOOR_BURN=N (`--floor-burn=N`): PostgreSQL CPU with no I/O, counting N rows, as the API's statements cost it
    // (one round trip more than FLOOR_WRITE's).
    if (burn > 0) await db.query('SELECT count(*) FROM generate_series(1, $1::int)', [burn]);
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    db.release();
  }
}
const settings = { taskQueue: 'nobody-polls-floor', verificationWindowDays: 14, reminderDaysBefore: [7, 2], autoApproveTypes: [], startTimeoutMs: 60_000 };

const app = new Hono().post('/start', async (c) => {
  const body = (await c.req.json()) as { type: RequestType; regulation: RegulationCode; subject?: { email: string } };
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
  await write(id, receivedAt, body);
  await startRequestWorkflow(client, row, settings);
  return c.json({ id }, 201);
});

serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, () => console.log('ready'));
