// `node bench/console-list.bench.ts [requests] [--repeat=N] [--warmup=N]` (default 100000, 15, 30): the staff console's list page
// against the SQL it runs, on N requests in a fresh embedded PostgreSQL.
//
// For the first page (soonest due first, every organization) and a filtered page (GDPR, in assessment, overdue),
// it times the whole page (session check with the badge's count, the list query with each row's identity outcome,
// the organizations for the filter, the HTML) through the app's fetch handler, and the list's own statement alone
// (consoleListRequests, the function the page calls, with the same filter), and reports the medians, their ratio
// (goal: at most 2x), the same for the fastest run of each, the median CPU time this process spent on each (what the
// page costs Node, waits excluded), and the page's weight without the stylesheet (goal: under 100 KB). Each request
// has its audit events (received, then verified once past verification); the staff member has 100+ notices unread.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'slonik';
import { createApp } from '../src/api/app.ts';
import { listFilter, ListQuery } from '../src/api/console/list.ts';
import { consoleListRequests } from '../src/db/console-reads.ts';
import { openSession } from '../src/db/console-sessions.ts';
import { migrate } from '../src/db/migrate.ts';
import { createDatabasePool, withDatabaseBudget } from '../src/db/pool.ts';
import { createToken, ensureOrganization } from '../src/db/tokens.ts';
import { startEmbeddedPostgres } from '../src/platform/embedded-postgres.ts';
import { createLogger } from '../src/platform/logger.ts';
import { newKeyEntry, parseKeyRing } from '../src/platform/data-keys.ts';
import { localFolderStorage } from '../src/platform/storage.ts';
import { loadDataModelFile } from '../src/warehouse/data-model-check.ts';
import { temporalDataConverter } from '../src/platform/payload-codec.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const args = process.argv.slice(2);
const count = Number(args.find((a) => !a.startsWith('--')) ?? 100_000);
const repeat = Number(args.find((a) => a.startsWith('--repeat='))?.slice(9) ?? 15);
// A console process serves pages all day: V8 optimizes the page's code after some dozens of pages, and with two
// warm-up runs the medians measured its compiler as much as the page (bench/README.md, "Console list").
const warmup = Number(args.find((a) => a.startsWith('--warmup='))?.slice(9) ?? 30);

const dir = mkdtempSync(join(tmpdir(), 'dsrflow-console-bench-'));
const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: await freePort(), persistent: false });
try {
  await migrate(pg.url);
  const pool = await createDatabasePool(pg.url);
  for (const org of ['default', 'acme', 'globex']) await ensureOrganization(pool, org);
  // Requests received over the last 400 days, spread over organizations, regulations and statuses.
  await pool.query(sql.unsafe`
    insert into dsrflow.requests (id, organization_id, type, regulation, status, channel, received_at, due_at, workflow_id, workflow_started_at, request_fingerprint, created_by, completed_at)
    select gen_random_uuid(), (array['default','acme','globex'])[1 + i % 3], (array['access','erasure','export','rectify'])[1 + i % 4],
      (array['GDPR','UK_GDPR','CCPA'])[1 + (i / 3) % 3],
      (array['submitted','awaiting_verification','in_assessment','processing','completed','completed','completed','rejected'])[1 + (i / 7) % 8],
      'api', now() - make_interval(mins => i * 5), now() - make_interval(mins => i * 5) + interval '30 days', 'dsr-bench-' || i, now(), 'bench', 'bench',
      case when (i / 7) % 8 >= 4 then now() - make_interval(mins => i * 5) + interval '10 days' end
    from generate_series(1, ${count}) i`);
  // What the workflows record about each: received, and the identity check for those past it (the list reads it).
  // (Each event is hash-chained by a trigger: on a busy machine this takes over the pool's 60 s statement limit.)
  await withDatabaseBudget(600_000, () =>
    pool.transaction(async (t) => {
      await t.query(sql.unsafe`set local statement_timeout = 0`);
      await t.query(sql.unsafe`
        insert into dsrflow.audit_events (event_key, request_id, organization_id, actor, action, from_status, to_status, reason)
        select 'bench/' || r.id || '/' || e.action, r.id, r.organization_id, 'bench', e.action, e.from_status, e.to_status, e.reason
        from dsrflow.requests r cross join lateral (values
          ('request.received', null, 'submitted', 'received'),
          ('request.verified', 'awaiting_verification', case when r.status in ('in_assessment', 'processing', 'completed') then 'verified' end, 'identity verified')
        ) e (action, from_status, to_status, reason)
        where e.action = 'request.received' or e.to_status is not null
        order by r.received_at, e.action`);
    }),
  );
  await pool.query(sql.unsafe`analyze dsrflow.requests`);
  await pool.query(sql.unsafe`analyze dsrflow.audit_events`);
  const { id: tokenId } = await createToken(pool, { name: 'bench-dpo', role: 'dpo', organizationId: null });
  // The staff member has read all but the newest 1,000 notices: the badge counts to its cap (99+).
  await pool.query(sql.unsafe`
    insert into dsrflow.console_notification_reads (token_id, read_up_to) select ${tokenId}, max(id) - 1000 from dsrflow.audit_events`);
  const { sessionId } = await openSession(pool, tokenId, 3600);
  const keyRing = parseKeyRing(newKeyEntry('bench-1'));
  const app = createApp({
    pool,
    warehouseLookups: pool,
    keyRing,
    // The list never reaches Temporal: a client that is never connected.
    temporal: { client: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }), dataConverter: temporalDataConverter(keyRing) }), namespace: 'default', uiUrl: undefined },
    workflows: { taskQueue: 'bench', verificationWindowDays: 14, reminderDaysBefore: [], autoApproveTypes: [] },
    settings: { defaultOrganization: 'default', subjectKeys: { current: 'bench-subject-id-secret-0123456789', previous: [] } },
    logger: createLogger(process.env.BENCH_LOG ? 'debug' : 'silent'),
    now: () => new Date(),
    storage: localFolderStorage(join(dir, 'exports')),
    dataModel: await loadDataModelFile(),
  });
  const actor = { tokenId, name: 'bench-dpo', role: 'dpo' as const, organizationId: null };
  const cases = [
    { name: 'first page (due soonest, all)', query: '' },
    { name: 'filtered (GDPR, in assessment, overdue)', query: 'regulation=GDPR&status=in_assessment&overdue=1' },
  ];
  console.log(`${count} requests, ${repeat} runs each after ${warmup} warm-up runs (medians)\n`);
  console.log('| page | rows | page ms | SQL alone ms | ratio | fastest page ms | fastest SQL ms | ratio of fastest | Node CPU ms page | Node CPU ms SQL | page KB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const c of cases) {
    const filter = listFilter(actor, ListQuery.parse(Object.fromEntries(new URLSearchParams(c.query))), new Date(), 50);
    const pageMs: number[] = [];
    const sqlMs: number[] = [];
    const pageCpu: number[] = [];
    const sqlCpu: number[] = [];
    const cpuMs = (since: NodeJS.CpuUsage) => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1000;
    };
    let bytes = 0;
    let rows = 0;
    for (let i = 0; i < repeat + warmup; i++) {
      // Interleaved, the warm-up runs of each discarded.
      let t = performance.now();
      let cpu = process.cpuUsage();
      const res = await app.request(`/console?${c.query}`, { headers: { cookie: `dsrflow_console=${sessionId}` } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`status ${res.status}: ${body.slice(-600)}`);
      const page = performance.now() - t;
      const pageCpuMs = cpuMs(cpu);
      t = performance.now();
      cpu = process.cpuUsage();
      rows = (await consoleListRequests(pool, { ...filter, now: new Date().toISOString() })).length;
      const alone = performance.now() - t;
      const sqlCpuMs = cpuMs(cpu);
      if (i >= warmup) {
        pageMs.push(page);
        sqlMs.push(alone);
        pageCpu.push(pageCpuMs);
        sqlCpu.push(sqlCpuMs);
      }
      bytes = Buffer.byteLength(body);
    }
    // The fastest runs too: on a busy machine the medians measure the waits for a core as much as the work.
    const [p, s, pMin, sMin] = [median(pageMs), median(sqlMs), Math.min(...pageMs), Math.min(...sqlMs)];
    console.log(`| ${c.name} | ${Math.min(rows, 50)} | ${p.toFixed(1)} | ${s.toFixed(1)} | ${(p / s).toFixed(2)} | ${pMin.toFixed(1)} | ${sMin.toFixed(1)} | ${(pMin / sMin).toFixed(2)} | ${median(pageCpu).toFixed(2)} | ${median(sqlCpu).toFixed(2)} | ${(bytes / 1024).toFixed(1)} |`);
  }
  await pool.end();
} finally {
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
