import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { startTemporalDevServer } from '../../src/platform/temporal-dev-server.ts';
import { locateTool } from '../../src/platform/toolchain.ts';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes.ts';
import { freePort } from '../support/ports.ts';
import { temporalDataConverter } from '../../src/platform/payload-codec.ts';
import { testKeyRing } from '../support/stack.ts';

test('the dev server that npm start runs keeps in-flight workflows across a restart, with our search attributes and its UI pointed at the codec server', async () => {
  const cli = locateTool('cli');
  assert.notEqual(cli.source, 'cached-download', 'the Temporal CLI is installed (npm run tools)');
  if (cli.source === 'cached-download') return;
  const dbFile = join(mkdtempSync(join(tmpdir(), 'dsrflow-dev-')), 'temporal.sqlite');
  const [port, uiPort] = [await freePort(), await freePort()];
  const codecEndpoint = 'http://localhost:3000/console/codec';
  const options = { cliPath: cli.path, dbFile, port, uiPort, namespace: 'default', searchAttributes: SEARCH_ATTRIBUTES, codecEndpoint };

  const first = await startTemporalDevServer(options);
  const workflowId = `dsr-restart-${crypto.randomUUID()}`;
  try {
    const connection = await Connection.connect({ address: first.address });
    const client = new Client({ connection, dataConverter: temporalDataConverter(testKeyRing) });
    await client.workflow.start('rightsRequest', { taskQueue: 'nobody-polls', workflowId, args: [], typedSearchAttributes: [] });
    const ui = await fetch(first.uiUrl);
    assert.equal(ui.status, 200, 'the Web UI answers');
    const settings = (await (await fetch(`${first.uiUrl}/api/v1/settings`)).json()) as { Codec: { Endpoint: string } };
    assert.equal(settings.Codec.Endpoint, codecEndpoint, 'the Web UI sends payloads to dsrflow to be decrypted');
    await connection.close();
  } finally {
    await first.stop();
  }

  const second = await startTemporalDevServer(options);
  try {
    const connection = await Connection.connect({ address: second.address });
    const client = new Client({ connection, dataConverter: temporalDataConverter(testKeyRing) });
    const description = await client.workflow.getHandle(workflowId).describe();
    assert.equal(description.status.name, 'RUNNING', 'the workflow survived the restart');
    const attributes = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const name of ['DsrType', 'DsrRegulation', 'DsrStatus', 'DsrOrganization', 'DsrDueAt']) {
      assert.ok(name in (attributes.customAttributes ?? {}), `${name} is registered`);
    }
    await connection.close();
  } finally {
    await second.stop();
  }
});
