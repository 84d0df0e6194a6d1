// Scale benchmark (issue 18), on the Temporal dev server and on the cluster stack side by side:
//   node bench/scale.bench.ts [--engines=dev,cluster] [--intake=2000] [--clients=16] [--repeat=2] [--open=10000]
//                             [--timers=1000] [--timer-delay=240] [--cache=N] [--bundle=source] [--heap=MB] [--warmup=300] [--floor]
//                             [--floor-write=N] [--floor-burn=N] [--malloc-arenas=N]
// --open=0 runs the intake only (phase 1). --warmup: that many raw starts and API intakes first, not measured (the
// API's JIT and pools, Temporal's caches): without it the first measured run was often 10-25% slower than the next.
// --floor: also the same N through bench/thin-intake.ts, an HTTP server doing only the API's workflow start (no token,
// database or record): the HTTP hop's own cost, between the raw starts and the API. --floor-write=N: the thin intake
// also makes N round trips to PostgreSQL first (N=1 one autocommit INSERT of the request; N>=3 a transaction of N),
// through plain pg: the floor of a durable intake. --floor-burn=N (with --floor-write=N>=3): its transaction also
// counts N rows in PostgreSQL, CPU without I/O, to give the floor the API's PostgreSQL load.
// --malloc-arenas=N: the worker runs with MALLOC_ARENA_MAX=N (glibc's allocator arenas; the SDK's native threads
// each get one by default). The drain logs the worker's V8 heap beside its RSS (from its metrics port).
// 1. Intake: N requests through the API (POST /v1/requests, C concurrent clients) against N raw
//    `client.workflow.start` calls with the same search attributes on the same server, in rounds of alternating order;
//    the ratio is the mean of each round's API / raw (rates printed as medians).
// 2. Open requests on one worker: the intake's requests plus more started directly (recorded as the API records them)
//    up to --open, then ONE worker process is started: the time until none is `submitted` (the backlog drained to
//    awaiting_verification), its RSS sampled every 2 s, and --timers of them with a staff reminder due --timer-delay
//    seconds after their start: every one must be sent. --cache sets WORKER_MAX_CACHED_WORKFLOWS for the worker.
// Each engine gets its own stack (src/main/cluster.ts: embedded PostgreSQL, Temporal, the API process, workers).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { loadKeyRing } from '../src/platform/data-keys.ts';
import { temporalDataConverter } from '../src/platform/payload-codec.ts';
import { readFileSync } from 'node:fs';
import { processCpu } from './proc-cpu.ts';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'slonik';
import { z } from 'zod';
import { createDatabasePool } from '../src/db/pool.ts';
import { markWorkflowStarted } from '../src/db/requests.ts';
import { startClusterStack } from '../src/main/cluster.ts';
import { freeClusterPorts } from '../src/platform/temporal-cluster.ts';
import { startRequestWorkflow, type WorkflowSettings } from '../src/workflow-client/starts.ts';
import { dsrDueAt, dsrOrganization, dsrRegulation, dsrStatus, dsrType } from '../src/workflows/search-attributes.ts';
import { freePort } from '../test/support/ports.ts';
import { recordRequest } from '../test/support/requests.ts';
import { tempFolder } from '../test/support/stack.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const engines = option('engines', 'dev,cluster').split(',') as Array<'dev' | 'cluster'>;
const intake = Number(option('intake', '2000'));
const clients = Number(option('clients', '16'));
const repeat = Number(option('repeat', '2'));
const warmup = Number(option('warmup', '300'));
const floorWrite = args.some((a) => a.startsWith('--floor-write=')) ? option('floor-write', '') : undefined;
const withFloor = floorWrite || args.includes('--floor');
const mallocArenas = args.some((a) => a.startsWith('--malloc-arenas=')) ? option('malloc-arenas', '') : undefined;
const open = Number(option('open', '10000'));
const timers = Number(option('timers', '1000'));
const timerDelayMs = Number(option('timer-delay', '240')) * 1000;
const cache = args.some((a) => a.startsWith('--cache=')) ? option('cache', '') : undefined;
// --bundle=source: the worker bundles the workflows itself at start (as `npm start` does), not the stack's prebuilt file.
const bundleFromSource = option('bundle', 'prebuilt') === 'source';
// --heap=MB: the worker's V8 old-space limit (NODE_OPTIONS=--max-old-space-size), as a container's memory limit suggests.
const heapMb = args.some((a) => a.startsWith('--heap=')) ? option('heap', '') : undefined;
const DAY_MS = 24 * 3600 * 1000;
const settings: WorkflowSettings = { taskQueue: 'dsrflow', verificationWindowDays: 14, reminderDaysBefore: [7, 2], autoApproveTypes: [], startTimeoutMs: 60_000 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const rssMb = (pid: number) => {
  const found = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!found) throw new Error(`process ${pid} has ended`);
  return Number(found[1]) / 1024;
};
const say = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/** CPU seconds so far of every process on the host, grouped: the named ones (API, worker), PostgreSQL, Temporal, this bench. */
function cpuSeconds(named: Record<number, string>): Record<string, number> {
  const groups: Record<string, number> = { ...Object.fromEntries(Object.values(named).map((n) => [n, 0])), postgres: 0, temporal: 0, bench: 0, other: 0 };
  for (const p of processCpu()) {
    const group = named[p.pid] ?? (p.pid === process.pid ? 'bench' : p.comm === 'postgres' ? 'postgres' : /temporal/.test(p.comm) || p.comm === 'server' ? 'temporal' : 'other');
    groups[group]! += p.withReaped;
  }
  return groups;
}
const cpuPerRequestMs = (before: Record<string, number>, after: Record<string, number>, n: number) =>
  Object.keys(after).map((k) => `${k} ${(((after[k]! - (before[k] ?? 0)) * 1000) / n).toFixed(1)}`).join(', ');

/** n calls of `one`, `concurrency` at a time; returns the wall seconds. */
async function timed(n: number, concurrency: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await one(next++);
  }));
  return (performance.now() - started) / 1000;
}

async function runEngine(engine: 'dev' | 'cluster') {
  say(`${engine}: starting the stack`);
  const stack = await startClusterStack({
    engine,
    dataDir: tempFolder(`dsrflow-scale-${engine}-`),
    pgPort: await freePort(),
    temporalPorts: await freeClusterPorts(),
    uiPort: null,
    apiPort: await freePort(),
    workers: 0,
    demoUsers: 50,
    env: { LOG_LEVEL: 'warn' },
  });
  const connection = await Connection.connect({ address: stack.temporal.address });
  // The stack's processes seal payloads under the local key in their DATA_DIR: so does this client, as the API does.
  const client = new Client({ connection, dataConverter: temporalDataConverter(await loadKeyRing({ DATA_DIR: join(stack.dataDir, 'app') })) });
  const pool = await createDatabasePool(stack.databaseUrl);
  // --floor: the thin intake, a process of its own as the API is.
  const floorPort = await freePort();
  const floor = withFloor
    ? spawn(process.execPath, [join(import.meta.dirname, 'thin-intake.ts')], { env: { ...process.env, TEMPORAL_ADDRESS: stack.temporal.address, DATA_DIR: join(stack.dataDir, 'app'), PORT: String(floorPort), ...(floorWrite ? { FLOOR_WRITE: floorWrite, FLOOR_BURN: option('floor-burn', '0'), DATABASE_URL: stack.databaseUrl } : {}) }, stdio: ['ignore', 'pipe', 'inherit'] })
    : undefined;
  if (floor) await once(floor.stdout!, 'data');
  const result: Record<string, string | number> = { engine };
  try {
    // 1. Intake against raw starts, interleaved.
    const raw: number[] = [];
    let retried503 = 0;
    const api: number[] = [];
    const rawStart = async () => {
      const due = new Date(Date.now() + 30 * DAY_MS);
      await client.workflow.start('rightsRequest', {
        taskQueue: 'nobody-polls-raw-starts',
        workflowId: `raw-${randomUUID()}`,
        args: [{}],
        typedSearchAttributes: [{ key: dsrType, value: 'access' }, { key: dsrRegulation, value: 'GDPR' }, { key: dsrOrganization, value: 'default' }, { key: dsrStatus, value: 'submitted' }, { key: dsrDueAt, value: due }],
      });
    };
    const floorIntake = async () => {
      const answer = await fetch(`http://127.0.0.1:${floorPort}/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email: `scale-${randomUUID()}@example.com` } }) });
      if (answer.status !== 201) throw new Error(`the thin intake answered ${answer.status}`);
    };
    const floorRates: number[] = [];
    const apiIntake = async () => {
      // As a client does: a 503 (database or Temporal slower than the API's bound) is retried with the same key.
      const key = randomUUID();
      const body = JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email: `scale-${key}@example.com` } });
      for (;;) {
        const answer = await fetch(`${stack.apiUrl}/v1/requests`, { method: 'POST', headers: { authorization: `Bearer ${stack.ownerToken}`, 'content-type': 'application/json', 'idempotency-key': key }, body });
        if (answer.status === 201) return;
        if (answer.status !== 503) throw new Error(`intake answered ${answer.status}: ${await answer.text()}`);
        retried503 += 1;
        await new Promise((r) => setTimeout(r, 1000));
      }
    };
    if (warmup > 0) {
      await timed(warmup, clients, rawStart);
      if (floor) await timed(warmup, clients, floorIntake);
      await timed(warmup, clients, apiIntake);
      say(`${engine}: warmed up with ${warmup} raw starts and ${warmup} API intakes`);
    }
    // Rounds alternate their order (raw, thin, API; then API, thin, raw): a server that slows as workflows accumulate
    // (the dev server's SQLite file) then weighs on both sides alike, and the ratio is taken within each round.
    const phases = [
      { name: 'raw starts', run: rawStart, rates: raw },
      ...(floor ? [{ name: 'thin intake', run: floorIntake, rates: floorRates }] : []),
      { name: 'API intake', run: apiIntake, rates: api },
    ];
    const named = { [stack.api.pid]: 'api', ...(floor ? { [floor.pid!]: 'thin' } : {}) };
    // What the stack burns with no request in flight (Temporal's own maintenance, PostgreSQL's background work, the
    // API's timers): a longer phase carries more of it per request, so the per-request figures are read against it.
    const idleBefore = cpuSeconds(named);
    await new Promise((r) => setTimeout(r, 10_000));
    say(`${engine}: idle, CPU ms per second: ${cpuPerRequestMs(idleBefore, cpuSeconds(named), 10)}`);
    for (let r = 0; r < repeat; r++) {
      for (const phase of r % 2 === 0 ? phases : [...phases].reverse()) {
        const before = cpuSeconds(named);
        phase.rates.push(intake / (await timed(intake, clients, phase.run)));
        say(`${engine}: ${phase.name}, CPU ms per request: ${cpuPerRequestMs(before, cpuSeconds(named), intake)}`);
      }
      say(`${engine}: intake round ${r + 1}: raw ${raw.at(-1)!.toFixed(0)}/s, ${floor ? `thin ${floorRates.at(-1)!.toFixed(0)}/s, ` : ''}API ${api.at(-1)!.toFixed(0)}/s, ratio ${(api.at(-1)! / raw.at(-1)!).toFixed(2)}`);
    }
    const roundRatios = api.map((a, r) => a / raw[r]!);
    const meanRatio = roundRatios.reduce((x, y) => x + y, 0) / roundRatios.length;
    Object.assign(result, { rawPerS: median(raw).toFixed(0), apiPerS: median(api).toFixed(0), ratio: meanRatio.toFixed(2), roundRatios: roundRatios.map((x) => x.toFixed(2)).join(' '), retried503 });
    if (floor) Object.assign(result, { thinPerS: median(floorRates).toFixed(0), thinRatio: (floorRates.map((t, r) => t / raw[r]!).reduce((x, y) => x + y, 0) / floorRates.length).toFixed(2) });
    say(`${engine}: intake runs raw ${raw.map((x) => x.toFixed(0)).join(', ')}/s, API ${api.map((x) => x.toFixed(0)).join(', ')}/s`);
    // --open=0: the intake only, no worker.
    if (open === 0) return result;

    // 2. Open requests up to --open; --timers of them with a reminder due timerDelay after their start.
    const apiOpened = intake * repeat + warmup;
    const more = Math.max(0, open - apiOpened);
    const reminderIds: string[] = [];
    const startSeconds = await timed(more, clients, async (i) => {
      const { row } = await recordRequest(pool);
      const withTimer = i < timers;
      const reminder = withTimer ? (Date.parse(row.due_at) - (Date.now() + timerDelayMs)) / DAY_MS : undefined;
      await startRequestWorkflow(client, row, reminder ? { ...settings, reminderDaysBefore: [reminder] } : settings);
      await markWorkflowStarted(pool, row.id);
      if (withTimer) reminderIds.push(row.id);
    });
    const timersStartedAt = Date.now();
    say(`${engine}: ${apiOpened + more} open requests (${more} started directly in ${startSeconds.toFixed(0)} s); starting one worker`);
    const metricsPort = await freePort();
    const worker = await stack.startWorker({
      WORKER_METRICS_PORT: String(metricsPort),
      ...(cache === undefined ? {} : { WORKER_MAX_CACHED_WORKFLOWS: cache }),
      ...(bundleFromSource ? { WORKFLOW_BUNDLE_FILE: '' } : {}),
      ...(heapMb ? { NODE_OPTIONS: `--max-old-space-size=${heapMb}` } : {}),
      ...(mallocArenas ? { MALLOC_ARENA_MAX: mallocArenas } : {}),
    });
    // The worker's V8 heaps, as its metrics port serves them: the main thread's in use, and the SDK's workflow
    // threads' in use / allocated (the sticky cache); beside RSS, they tell the JS heaps from native memory.
    const heapUsedMb = async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const mb = (name: string) => {
        const found = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
        return found ? (Number(found[1]) / 1048576).toFixed(0) : '?';
      };
      const detached = /^dsrflow_workflow_thread_detached_contexts (\S+)$/m.exec(text)?.[1] ?? '?';
      return `${mb('dsrflow_process_nodejs_heap_size_used_bytes')} / ${mb('dsrflow_process_nodejs_heap_size_total_bytes')} MB, workflow threads ${mb('dsrflow_workflow_thread_heap_used_bytes')} / ${mb('dsrflow_workflow_thread_heap_total_bytes')} MB; outside the heaps: main ${mb('dsrflow_process_nodejs_external_memory_bytes')}, workflow threads ${mb('dsrflow_workflow_thread_external_bytes')} MB; detached contexts ${detached}`;
    };
    const readyRss = rssMb(worker.pid);
    const workerStarted = Date.now();
    const drainCpu = cpuSeconds({ [worker.pid]: 'worker', [stack.api.pid]: 'api' });
    let peak = 0;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, rssMb(worker.pid));
      } catch {
        // the drain loop below reports the ended worker
      }
    }, 2000);
    const count = (where: ReturnType<typeof sql.fragment>) => pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from dsrflow.requests where ${where}`);
    for (let submitted = Infinity; submitted > 0; ) {
      await new Promise((r) => setTimeout(r, 2000));
      submitted = await count(sql.fragment`status = 'submitted'`);
      say(`${engine}: ${submitted} still submitted, worker RSS ${rssMb(worker.pid).toFixed(0)} MB, V8 heap (used / allocated): main thread ${await heapUsedMb().catch(() => '?')}`);
    }
    const drainS = (Date.now() - workerStarted) / 1000;
    say(`${engine}: drain, CPU ms per request: ${cpuPerRequestMs(drainCpu, cpuSeconds({ [worker.pid]: 'worker', [stack.api.pid]: 'api' }), apiOpened + more)}`);
    const sentReminders = () =>
      pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from dsrflow.notifications where kind = 'staff_reminder' and sent_at is not null and request_id = any(${sql.array(reminderIds, 'uuid')})`);
    const timerDeadline = timersStartedAt + timerDelayMs + 600_000;
    while ((await sentReminders()) < reminderIds.length && Date.now() < timerDeadline) await new Promise((r) => setTimeout(r, 5000));
    const fired = await sentReminders();
    await new Promise((r) => setTimeout(r, 10_000));
    clearInterval(sampler);
    const settled = rssMb(worker.pid);
    Object.assign(result, {
      open: apiOpened + more,
      drainS: drainS.toFixed(0),
      drainPerS: ((apiOpened + more) / drainS).toFixed(0),
      readyRssMb: readyRss.toFixed(0),
      peakRssMb: Math.max(peak, settled).toFixed(0),
      settledRssMb: settled.toFixed(0),
      timers: `${fired}/${reminderIds.length}`,
      serverRssMb: engine === 'cluster' ? rssMb(stack.temporal.pid()).toFixed(0) : '-',
    });
    say(`${engine}: ${JSON.stringify(result)}`);
    return result;
  } finally {
    floor?.kill();
    await connection.close();
    await pool.end();
    await stack.stop();
  }
}

const results = [];
for (const engine of engines) results.push(await runEngine(engine));
console.log(`| engine | raw starts/s | thin intake/s (ratio) | API intake/s | ratio (per round) | 503s retried | open | drain s | drained/s | worker RSS ready / peak / settled MB | reminders sent | server RSS MB |`);
console.log(`|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`);
for (const found of results) {
  const r = new Proxy(found, { get: (t, k: string) => t[k] ?? '-' });
  console.log(`| ${r.engine} | ${r.rawPerS} | ${r.thinPerS} (${r.thinRatio}) | ${r.apiPerS} | ${r.ratio} (${r.roundRatios}) | ${r.retried503} | ${r.open} | ${r.drainS} | ${r.drainPerS} | ${r.readyRssMb} / ${r.peakRssMb} / ${r.settledRssMb} | ${r.timers} | ${r.serverRssMb} |`);
}
process.exit(0);
