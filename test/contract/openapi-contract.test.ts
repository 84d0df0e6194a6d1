// The API against its own OpenAPI document: schemathesis (a property-based tester, pinned in the toolchain)
// generates valid and invalid calls for every operation from /openapi.json and checks each answer.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../../src/api/app.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { locateContractTester } from '../../src/platform/toolchain.ts';
import { demoDataModel, testStorage, testWorkflowSettings, tokenHeaders } from '../support/app.ts';
import { useDevServerWorker, type DevServerSuite } from '../support/workflow-harness.ts';

const TASK_QUEUE = 'contract';

describe('the API keeps the contract of its OpenAPI document (schemathesis)', () => {
  const suite: DevServerSuite = useDevServerWorker(TASK_QUEUE);
  let server: ServerType;
  let baseUrl: string;

  before(async () => {
    const app = createApp({
      pool: suite.pg.pool,
      temporal: { client: suite.env.client, namespace: suite.env.client.options.namespace, uiUrl: 'http://localhost:8233' },
      workflows: testWorkflowSettings(TASK_QUEUE),
      // The fuzzer sends thousands of calls from one address: the public limiter would answer most with 429.
      settings: { defaultOrganization: 'default', webhookSources: { helpdesk: 'contract-secret-0123456789abcdef' }, publicRateLimit: { limit: 1_000_000, windowMs: 60_000 } },
      logger: createLogger('silent'),
      now: () => new Date(),
      storage: testStorage,
      dataModel: demoDataModel,
    });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('no 5xx, and every answer has a documented status, content type and body schema', { timeout: 240_000 }, async () => {
    const tester = locateContractTester();
    assert.ok(tester, 'schemathesis is not installed: run `npm run tools -- install`');
    const { authorization } = await tokenHeaders(suite.pg.pool, 'owner');
    const args = [
      '--config-file', join(import.meta.dirname, 'schemathesis.toml'),
      'run', `${baseUrl}/openapi.json`,
      '--url', baseUrl,
      '-H', `Authorization: ${authorization}`,
      '--checks', 'all',
      '--max-examples', process.env.CONTRACT_MAX_EXAMPLES ?? '25',
      '--seed', process.env.CONTRACT_SEED ?? '12',
      // One worker: Hypothesis parses lambda sources with ast, which CPython 3.11.7 can break when two threads do it.
      '--workers', '1',
      '--request-timeout', '20',
      '--no-color',
    ];
    const { code, output } = await run(tester, args);
    assert.equal(code, 0, `schemathesis found contract violations:\n${output.slice(-20_000)}`);
  });
});

function run(bin: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SCHEMATHESIS_HOOKS: '' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
