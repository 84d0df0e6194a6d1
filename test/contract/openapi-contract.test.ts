// The API against its own OpenAPI document: schemathesis (a property-based tester, pinned in the toolchain)
// generates valid and invalid calls for every operation from /openapi.json and checks each answer.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deletionPushSchedule, ensureSchedule, recordedRequestsSweepSchedule } from '../../src/main/deletion-schedule.ts';
import { SCHEDULE_IDS } from '../../src/workflow-client/schedule-ids.ts';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../../src/api/app.ts';
import { signWebhook } from '../../src/api/webhooks/signature.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { locateContractTester } from '../../src/platform/toolchain.ts';
import { demoDataModel, TEST_SUBJECT_KEYS, testKeyRing, testStorage, testWorkflowSettings, tokenHeaders } from '../support/app.ts';
import { useDevServerWorker, type DevServerSuite } from '../support/workflow-harness.ts';

const TASK_QUEUE = 'contract';
const WEBHOOK_SECRET = 'contract-secret-0123456789abcdef';

/**
 * Signs each webhook delivery the fuzzer sends with both headers present, as the connected system would: a signature
 * depends on the final body bytes, which schemathesis cannot compute, and unsigned every body would stop at the 401.
 * A missing or empty header is left alone, so the refusals are still exercised.
 */
const signingWebhooks = (fetch: (req: Request) => Response | Promise<Response>) => async (req: Request) => {
  const path = new URL(req.url).pathname;
  if (req.method !== 'POST' || !['/v1/webhooks/requests', '/v1/webhooks/gpc'].includes(path) || !req.headers.get('dsrflow-source') || !req.headers.get('dsrflow-signature')) return fetch(req);
  const body = Buffer.from(await req.arrayBuffer());
  const headers = new Headers(req.headers);
  headers.set('dsrflow-source', 'helpdesk');
  headers.set('dsrflow-signature', signWebhook(WEBHOOK_SECRET, body.toString('utf8'), Math.floor(Date.now() / 1000)));
  return fetch(new Request(req.url, { method: 'POST', headers, body }));
};

describe('the API keeps the contract of its OpenAPI document (schemathesis)', () => {
  const suite: DevServerSuite = useDevServerWorker(TASK_QUEUE);
  let server: ServerType;
  let baseUrl: string;

  before(async () => {
    const app = createApp({
      pool: suite.pg.pool,
      warehouseLookups: suite.pg.pool,
      temporal: { client: suite.env.client, namespace: suite.env.client.options.namespace, uiUrl: 'http://localhost:8233' },
      workflows: testWorkflowSettings(TASK_QUEUE),
      // The fuzzer sends thousands of calls from one address: the public limiters would answer most with 429.
      settings: { defaultOrganization: 'default', subjectKeys: TEST_SUBJECT_KEYS, webhookSources: { helpdesk: WEBHOOK_SECRET }, publicRateLimit: { limit: 1_000_000, windowMs: 60_000 }, privacyCenter: { addressLimit: { limit: 1_000_000, windowMs: 60_000 } } },
      logger: createLogger('silent'),
      keyRing: testKeyRing,
      now: () => new Date(),
      storage: testStorage,
      dataModel: demoDataModel,
    });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: signingWebhooks(app.fetch), port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Ready as in production (GET /readyz is 200, not a 5xx): the worker above polls, and the schedules exist.
    await ensureSchedule(suite.env.client, deletionPushSchedule(TASK_QUEUE));
    await ensureSchedule(suite.env.client, recordedRequestsSweepSchedule(TASK_QUEUE));
  });
  after(async () => {
    for (const id of SCHEDULE_IDS) await suite.env.client.schedule.getHandle(id).delete().catch(() => {});
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  // About 200 s alone on 2 shared cores (29 operations, 6 of them the Privacy Center's pages); more when the machine is busy.
  test('no 5xx, and every answer has a documented status, content type and body schema', { timeout: 360_000 }, async () => {
    const tester = locateContractTester();
    assert.ok(tester, 'schemathesis is not installed: run `npm run tools -- install`');
    const { authorization } = await tokenHeaders(suite.pg.pool, 'owner');
    const args = [
      '--config-file', join(import.meta.dirname, 'schemathesis.toml'),
      'run', `${baseUrl}/openapi.json`,
      '--url', baseUrl,
      '-H', `Authorization: ${authorization}`,
      '--checks', 'all',
      '--exclude-checks', 'ensure_resource_availability',
      '--max-examples', process.env.CONTRACT_MAX_EXAMPLES ?? '25',
      '--seed', process.env.CONTRACT_SEED ?? '12',
      // One worker: Hypothesis parses lambda sources with ast, which CPython 3.11.7 can break when two threads do it.
      '--workers', '1',
      '--request-timeout', '20',
      '--no-color',
    ];
    const { code, output } = await run(tester, args);
    if (process.env.CONTRACT_VERBOSE) console.log(output);
    assert.equal(code, 0, `schemathesis found contract violations:\n${output.slice(-20_000)}`);
  });
});

function run(bin: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // In a folder of its own: schemathesis and Hypothesis keep state (.schemathesis, .hypothesis) in the working directory.
    const cwd = mkdtempSync(join(tmpdir(), 'dsrflow-contract-'));
    const child = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SCHEMATHESIS_HOOKS: '' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
