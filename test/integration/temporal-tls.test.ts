import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openRuntime, type Runtime } from '../../src/main/processes.ts';
import { createWorker } from '../../src/main/temporal-worker.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { StartupError } from '../../src/platform/startup-error.ts';
import { startRequestWorkflow } from '../../src/workflow-client/starts.ts';
import { stateQuery } from '../../src/workflows/messages.ts';
import { testActivityDeps, testWorkflowSettings } from '../support/app.ts';
import { eventually, recordRequest } from '../support/requests.ts';
import { devServer, mailCatcher, postgres, tempFolder, workflowBundle } from '../support/stack.ts';
import { makeCertificates, SERVER_NAME, startTlsFront, type TestCertificates } from '../support/tls-fronts.ts';
import { createMailer } from '../../src/platform/mailer.ts';

const API_KEY = 'temporal-api-key-for-the-tls-test';

describe('a Temporal behind mutual TLS with an API key (production clusters, Temporal Cloud)', () => {
  let certs: TestCertificates;
  let front: Awaited<ReturnType<typeof startTlsFront>>;
  let databaseUrl: string;
  before(async () => {
    certs = makeCertificates();
    front = await startTlsFront((await devServer()).address, certs);
    databaseUrl = (await postgres()).url;
  });
  after(() => front.close());

  const open = (env: Record<string, string>): Promise<Runtime> => {
    const config = loadConfig({ DATA_DIR: tempFolder('dsrflow-tls-app-'), DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: front.address, SMTP_URL: 'smtp://127.0.0.1:1', LOG_LEVEL: 'silent', ...env });
    return openRuntime(config, { databaseUrl, temporalAddress: front.address, smtpUrl: 'smtp://127.0.0.1:1', temporalUiUrl: undefined }, createLogger('silent'), { worker: true });
  };
  const named = () => ({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME, TEMPORAL_API_KEY: API_KEY });

  test('the API and a worker reach it with the client certificate and the key, checking the server against its CA: a request runs through it', async () => {
    const rt = await open({
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
      TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
      TEMPORAL_API_KEY: API_KEY,
    });
    const taskQueue = `tls-${crypto.randomUUID()}`;
    const { pool } = await postgres();
    const mailer = createMailer((await mailCatcher()).smtpUrl, 'dsrflow <privacy@dsrflow.test>');
    try {
      const worker = await createWorker({
        connection: rt.nativeConnection!,
        namespace: 'default',
        taskQueue,
        keyRing: rt.keyRing,
        deps: testActivityDeps(pool, mailer),
        workflowBundle: { code: (await workflowBundle()).code },
      });
      const { row } = await recordRequest(pool, { type: 'access', regulation: 'GDPR' });
      await worker.runUntil(async () => {
        assert.equal(await startRequestWorkflow(rt.client, row, testWorkflowSettings(taskQueue)), 'started');
        const handle = rt.client.workflow.getHandle(row.workflow_id);
        await eventually(async () => ((await handle.query(stateQuery)).status === 'awaiting_verification' ? true : undefined), 15_000, 'the request to ask for verification');
      });
      // The plaintext server behind the front holds the request's workflow: the calls went through TLS.
      const description = await (await devServer()).client.workflow.getHandle(row.workflow_id).describe();
      assert.equal(description.status.name, 'RUNNING');
    } finally {
      mailer.close();
      await rt.close();
    }
    const methods = new Set(front.calls.map((c) => c.method));
    for (const method of ['StartWorkflowExecution', 'PollWorkflowTaskQueue', 'RespondWorkflowTaskCompleted', 'QueryWorkflow']) {
      assert.ok(methods.has(method), `${method} went through the TLS front`);
    }
    assert.deepEqual(new Set(front.calls.map((c) => c.client)), new Set(['dsrflow-app']), 'every call came with the client certificate');
    assert.deepEqual(new Set(front.calls.map((c) => c.authorization)), new Set([`Bearer ${API_KEY}`]), 'every call carried the API key');
  });

  test('a client certificate of another CA is refused at the handshake: the worker does not start, and says which settings to fix', async () => {
    const refusedBefore = front.refused.length;
    await assert.rejects(
      open({ ...named(), TEMPORAL_TLS_CLIENT_CERT_PATH: certs.strangerCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.strangerKey }),
      (error: Error) => {
        assert.ok(error instanceof StartupError, error.message);
        assert.match(error.message, new RegExp(`Temporal at ${front.address} \\(TEMPORAL_ADDRESS, .*TEMPORAL_TLS_CLIENT_CERT_PATH.*\\) cannot be reached`));
        assert.ok(!error.message.includes(API_KEY), 'the API key is named, never shown');
        return true;
      },
    );
    assert.ok(front.refused.length > refusedBefore, 'the front refused the stranger’s certificate');
  });

  test('npm start runs its own plaintext Temporal: TLS settings meant for another are ignored, and it says so', async () => {
    const infos: string[] = [];
    const logger = { ...createLogger('silent'), info: (msg: string) => void infos.push(msg) };
    const config = loadConfig({ DATA_DIR: tempFolder('dsrflow-tls-app-'), DATABASE_URL: databaseUrl, TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME });
    const rt = await openRuntime(config, { databaseUrl, temporalAddress: (await devServer()).address, smtpUrl: 'smtp://127.0.0.1:1', temporalUiUrl: undefined }, logger, { worker: true });
    try {
      const info = await rt.client.workflowService.getSystemInfo({});
      assert.ok(info.serverVersion, 'the worker and the client reached the plaintext server');
    } finally {
      await rt.close();
    }
    assert.ok(infos.some((m) => /^Temporal TLS settings ignored/.test(m)), infos.join('\n'));
  });

  test('without the CA, the server’s certificate is not trusted: the worker does not start, and says why', async () => {
    await assert.rejects(
      open({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME }),
      (error: Error) => error instanceof StartupError && /cannot be reached: .*UnknownIssuer/.test(error.message),
    );
  });

  test('a plaintext client at a TLS front: the worker does not start, and is told that the server expects TLS', async () => {
    await assert.rejects(open({}), (error: Error) => error instanceof StartupError && /\(TEMPORAL_ADDRESS\) cannot be reached: .*set TEMPORAL_TLS=true/.test(error.message));
  });
});
