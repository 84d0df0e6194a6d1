// scratch: system-wide perf during API intake vs raw starts
import { spawn, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startClusterStack } from '../src/main/cluster.ts';
import { freeClusterPorts } from '../src/platform/temporal-cluster.ts';
import { loadKeyRing } from '../src/platform/data-keys.ts';
import { temporalDataConverter } from '../src/platform/payload-codec.ts';
import { dsrDueAt, dsrOrganization, dsrRegulation, dsrStatus, dsrType } from '../src/workflows/search-attributes.ts';
import { freePort } from '../test/support/ports.ts';
import { tempFolder } from '../test/support/stack.ts';
const stack = await startClusterStack({ engine: 'cluster', dataDir: tempFolder('perf-'), pgPort: await freePort(), temporalPorts: await freeClusterPorts(), uiPort: null, apiPort: await freePort(), workers: 0, demoUsers: 50, env: { LOG_LEVEL: 'warn', NODE_OPTIONS: '--perf-basic-prof' } });
const connection = await Connection.connect({ address: stack.temporal.address });
const client = new Client({ connection, dataConverter: temporalDataConverter(await loadKeyRing({ DATA_DIR: join(stack.dataDir, 'app') })) });
const rawStart = async () => { await client.workflow.start('rightsRequest', { taskQueue: 'nobody-polls-raw-starts', workflowId: `raw-${randomUUID()}`, args: [{}], typedSearchAttributes: [{ key: dsrType, value: 'access' }, { key: dsrRegulation, value: 'GDPR' }, { key: dsrOrganization, value: 'default' }, { key: dsrStatus, value: 'submitted' }, { key: dsrDueAt, value: new Date(Date.now() + 3e9) }] }); };
const apiIntake = async () => {
  const key = randomUUID();
  const a = await fetch(`${stack.apiUrl}/v1/requests`, { method: 'POST', headers: { authorization: `Bearer ${stack.ownerToken}`, 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify({ type: 'access', regulation: 'GDPR', subject: { email: `scale-${key}@example.com` } }) });
  if (a.status !== 201) throw new Error(String(a.status)); await a.text();
};
async function timed(n: number, c: number, one: () => Promise<void>) { let next = 0; const t = performance.now(); await Promise.all(Array.from({ length: c }, async () => { while (next++ < n) await one(); })); return n / ((performance.now() - t) / 1000); }
await timed(2000, 16, apiIntake); await timed(1000, 16, rawStart);
console.error('api pid', stack.api.pid);
for (const [name, one] of [['api', apiIntake], ['raw', rawStart]] as const) {
  const perf = spawn('perf', ['record', '-a', '-g', '-F', '499', '-o', `/tmp/perf-${name}.data`], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000));
  const rate = await timed(name === 'api' ? 2000 : 3000, 16, one);
  perf.kill('SIGINT'); await new Promise((r) => perf.on('exit', r));
  console.error(name, rate.toFixed(0), '/s');
}
await stack.stop();
process.exit(0);
