// The faults suite's stack: the cluster stack (Temporal server on PostgreSQL, two worker processes, the API process),
// with the app's database reached through a proxy that can be cut and an SMTP peer that can refuse mail.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { loadKeyRing } from '../../src/platform/data-keys.ts';
import { temporalDataConverter } from '../../src/platform/payload-codec.ts';
import { Client, Connection } from '@temporalio/client';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { createDatabasePool } from '../../src/db/pool.ts';
import { startClusterStack, type ClusterStack } from '../../src/main/cluster.ts';
import { freeClusterPorts } from '../../src/platform/temporal-cluster.ts';
import { freePort } from '../support/ports.ts';
import { startSmtpPeer } from '../support/smtp-peer.ts';
import { tempFolder } from '../support/stack.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';

export type FaultStack = Awaited<ReturnType<typeof startFaultStack>>;

export async function startFaultStack() {
  const pgPort = await freePort();
  const proxy = await startTcpProxy(pgPort);
  const smtp = await startSmtpPeer();
  const temporalPorts = await freeClusterPorts();
  const stack: ClusterStack = await startClusterStack({
    dataDir: tempFolder('dsrflow-faults-'),
    pgPort,
    temporalPorts,
    uiPort: null,
    apiPort: await freePort(),
    workers: 2,
    smtpUrl: smtp.url,
    appDatabaseUrl: (url) => url.replace(`:${pgPort}/`, `:${proxy.port}/`),
    demoUsers: 50,
    env: { LOG_LEVEL: 'info' },
  }).catch(async (error: unknown) => {
    await smtp.close();
    await proxy.close();
    throw error;
  });
  const pool = await createDatabasePool(stack.databaseUrl);
  const connection = await Connection.connect({ address: stack.temporal.address });
  // The stack's processes seal payloads under the local key in their DATA_DIR: so does this client, as the API does.
  const client = new Client({ connection, dataConverter: temporalDataConverter(await loadKeyRing({ DATA_DIR: join(stack.dataDir, 'app') })) });
  const api = apiClient(stack.apiUrl, stack.ownerToken);
  return {
    stack,
    proxy,
    smtp,
    pool,
    client,
    api,
    async stop() {
      await connection.close();
      await pool.end();
      await stack.stop();
      await smtp.close();
      await proxy.close();
    },
  };
}

export function apiClient(apiUrl: string, token: string) {
  const call = async (method: string, path: string, body?: unknown, key?: string) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json().catch(() => null)) as Record<string, any> | null };
  };
  return {
    call,
    /** One POST /v1/requests with an Idempotency-Key. */
    open: (subject: { email: string }, opts: { type?: string; key?: string } = {}) =>
      call('POST', '/v1/requests', { type: opts.type ?? 'access', regulation: 'GDPR', subject }, opts.key ?? randomUUID()),
    /** As a client does: a 503 is retried with the same Idempotency-Key (the documented contract), a minute at most. */
    async openRetrying(subject: { email: string }, key = randomUUID()) {
      for (let attempt = 1; ; attempt++) {
        const answer = await call('POST', '/v1/requests', { type: 'access', regulation: 'GDPR', subject }, key);
        if (answer.status !== 503 || attempt >= 30) return answer;
        await sleep(2000);
      }
    },
    verify: (id: string) => call('POST', `/v1/requests/${id}/verification`, { outcome: 'verified', method: 'document_check' }, randomUUID()),
    approve: (id: string) => call('POST', `/v1/requests/${id}/assessment`, { decision: 'approve' }, randomUUID()),
  };
}

/** The status of each request, from the app database (the projection the API and console read). */
export async function statuses(pool: DatabasePool, ids: string[]): Promise<Map<string, string>> {
  const rows = await pool.any(sql.type(z.object({ id: z.string(), status: z.string() }))`select id, status from dsrflow.requests where id = any(${sql.array(ids, 'uuid')})`);
  return new Map(rows.map((r) => [r.id, r.status]));
}

/** Polls until `check` returns true (an exception counts as not yet), or fails naming what was awaited. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** How many messages of a kind each request got, by Message-ID (<requestId.kind...@dsrflow>). */
export function deliveredPerRequest(delivered: Array<{ messageId: string }>, ids: string[], kind: string): Map<string, number> {
  const counts = new Map(ids.map((id) => [id, 0]));
  for (const m of delivered) {
    const [id, rest] = [m.messageId.slice(1, 37), m.messageId.slice(38)];
    if (counts.has(id) && rest.startsWith(kind)) counts.set(id, counts.get(id)! + 1);
  }
  return counts;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one fault and prints its pass/fail line with its duration (the lines docs/operations.md records). */
export async function fault(name: string, run: () => Promise<void>): Promise<void> {
  const started = Date.now();
  try {
    await run();
    console.log(`FAULT PASS  ${name} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  } catch (error) {
    console.log(`FAULT FAIL  ${name} (${((Date.now() - started) / 1000).toFixed(0)} s): ${(error as Error).message}`);
    throw error;
  }
}
