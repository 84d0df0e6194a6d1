// A database that stops answering (a stalled host, a partition): frozen with SIGSTOP, it never enforces its own
// statement_timeout, so only the client's deadline stands between a caller and a hang. This file runs a PostgreSQL
// of its own, so freezing it stops no other test.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { migrate } from '../../src/db/migrate.ts';
import { API_QUERY_TIMEOUT_MS, createApiDatabasePool, withDatabaseBudget } from '../../src/db/pool.ts';
import { ensureOrganization } from '../../src/db/tokens.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/platform/embedded-postgres.ts';
import { json, testApp, tokenHeaders } from '../support/app.ts';
import { freePort } from '../support/ports.ts';
import { devServer, tempFolder } from '../support/stack.ts';

// The API's bound: its query deadline (server-side statement_timeout) plus the client's 1 s grace, plus slack.
const ANSWER_BOUND_MS = API_QUERY_TIMEOUT_MS + 1_000 + 1_500;

/** The postmaster and every process it started (backends, checkpointer, ...): a whole server stalls. */
function serverProcesses(postmaster: number): number[] {
  const children = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        // Field 4 of /proc/<pid>/stat is the parent's pid; the command name (field 2) may hold spaces, so split after ')'.
        const stat = readFileSync(join('/proc', pid, 'stat'), 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

const signalAll = (pids: number[], signal: NodeJS.Signals) => pids.forEach((pid) => process.kill(pid, signal));

const body = JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email: 'frozen.database@example.com' } });

describe('a frozen database', () => {
  let server: EmbeddedPostgresHandle;
  let pool: DatabasePool;
  let client: Client;
  let headers: Record<string, string>;
  let app: ReturnType<typeof testApp>;

  before(async () => {
    server = await startEmbeddedPostgres({ dataDir: join(tempFolder('dsrflow-freeze-'), 'pg'), port: await freePort(), persistent: false });
    await migrate(server.url);
    // As the API opens it in `npm start`.
    pool = await createApiDatabasePool(server.url);
    await ensureOrganization(pool, 'default');
    headers = await tokenHeaders(pool);
    client = (await devServer()).client;
    app = testApp({ pool, client });
  });

  after(async () => {
    signalAll(serverProcesses(server.pid), 'SIGCONT');
    await pool?.end().catch(() => {});
    await server?.stop();
  });

  test('answers 503 DATABASE_UNAVAILABLE within seconds while frozen, and works again once it resumes', async () => {
    assert.equal((await app.request('/v1/requests', { method: 'POST', headers, body })).status, 201, 'works before the freeze');

    const frozen = serverProcesses(server.pid);
    assert.ok(frozen.length > 1, 'the postmaster and its helpers');
    signalAll(frozen, 'SIGSTOP');
    try {
      // More callers than the pool has connections: those queued for a connection get their answer in time too.
      const started = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 12 }, async () => {
          const res = await app.request('/v1/requests', { method: 'POST', headers: { ...headers, 'idempotency-key': crypto.randomUUID() }, body });
          return { status: res.status, payload: await json(res), ms: Date.now() - started };
        }),
      );
      for (const answer of answers) {
        assert.equal(answer.status, 503, JSON.stringify(answer));
        assert.equal(answer.payload.error.code, 'DATABASE_UNAVAILABLE');
        assert.ok(answer.ms < ANSWER_BOUND_MS, `answered after ${answer.ms} ms (bound ${ANSWER_BOUND_MS} ms)`);
        assert.ok(!/postgres|127\.0\.0\.1|timeout|deadline/i.test(JSON.stringify(answer.payload.error.message)), 'no driver text');
      }
      const health = await app.request('/readyz');
      assert.equal(health.status, 503);
      assert.equal((await json(health)).checks.database, 'unreachable');
    } finally {
      signalAll(serverProcesses(server.pid), 'SIGCONT');
    }

    const resumed = Date.now();
    const key = crypto.randomUUID();
    const res = await app.request('/v1/requests', { method: 'POST', headers: { ...headers, 'idempotency-key': key }, body });
    assert.equal(res.status, 201, JSON.stringify(await res.clone().json()));
    assert.ok(Date.now() - resumed < ANSWER_BOUND_MS, 'the first call after the resume is served');
    const replay = await app.request('/v1/requests', { method: 'POST', headers: { ...headers, 'idempotency-key': key }, body });
    assert.equal(replay.status, 201);
    assert.equal((await json(replay)).id, (await json(res)).id, 'a retry with the same key finds the same request');
    const recorded = await pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from dsrflow.requests`);
    assert.equal(recorded, 2, 'the one before and the one after: no call answered 503 was recorded later');
  });

  test('a request held by a slow database gets the receivedAt of its arrival, not of the answer', async () => {
    // Another session holds the tokens table: the caller's authentication waits ~2 s, as behind a stalled database.
    const held = pool.transaction(async (tx) => {
      await tx.query(sql.unsafe`lock table dsrflow.api_tokens in access exclusive mode`);
      await tx.query(sql.unsafe`select pg_sleep(2)`);
    });
    await new Promise((r) => setTimeout(r, 200));
    const arrived = Date.now();
    const res = await app.request('/v1/requests', { method: 'POST', headers, body });
    const answered = Date.now();
    await held;
    assert.equal(res.status, 201);
    assert.ok(answered - arrived >= 1_500, `the database held the call (${answered - arrived} ms)`);
    const receivedAt = Date.parse((await json(res)).receivedAt);
    assert.ok(Math.abs(receivedAt - arrived) < 500, `receivedAt ${receivedAt - arrived} ms after arrival`);
    const stored = await pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from dsrflow.requests where received_at = ${new Date(receivedAt).toISOString()}`);
    assert.equal(stored, 1, 'and that is what is recorded');
  });

  test('a call given a budget (the audit chain check reads the whole trail) may take longer than the API\'s 5 s', async () => {
    const slowRead = () =>
      pool.transaction(async (tx) => {
        await tx.query(sql.unsafe`set local statement_timeout = '60s'`);
        return tx.oneFirst(sql.type(z.object({ done: z.boolean() }))`select pg_sleep(5.5) is not null as done`);
      });
    const began = Date.now();
    assert.equal(await withDatabaseBudget(61_000, slowRead), true);
    assert.ok(Date.now() - began > API_QUERY_TIMEOUT_MS + 1_000, 'past the usual deadline');
    const res = await app.request('/v1/audit/verify', { headers });
    assert.equal(res.status, 200);
    assert.equal((await json(res)).valid, true);
  });
});
