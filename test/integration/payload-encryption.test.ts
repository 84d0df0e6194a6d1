import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { sql } from 'slonik';
import { z } from 'zod';
import { openSession } from '../../src/db/console-sessions.ts';
import { createToken } from '../../src/db/tokens.ts';
import { createWorker } from '../../src/main/temporal-worker.ts';
import { newKeyEntry, parseKeyRing } from '../../src/platform/data-keys.ts';
import { createMailer } from '../../src/platform/mailer.ts';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA, temporalDataConverter } from '../../src/platform/payload-codec.ts';
import { json, testActivityDeps, testApp, tokenHeaders } from '../support/app.ts';
import { historyPayloads, historyText, recordedHistoryBytes } from '../support/history.ts';
import { eventually } from '../support/requests.ts';
import { workflowBundle } from '../support/stack.ts';
import { useDevServerWorker, type DevServerSuite } from '../support/workflow-harness.ts';

const TASK_QUEUE = 'payload-encryption';
const UI_ORIGIN = 'http://localhost:8233';
const [k1, k2] = [newKeyEntry('k1'), newKeyEntry('k2')];
const ringK1 = parseKeyRing(k1);
// The rotation: k2 is added in front, k1 stays to open what it sealed.
const ringK2 = parseKeyRing(`${k2},${k1}`);

// Plain by design: search attributes (ids and codes, for the UI's filters) and the patch markers Temporal's core SDK
// writes itself, past the codec (the names of code changes).
const searchAttribute = (path: string) => path.includes('.searchAttributes.');
const patchMarker = (path: string) => path.includes('.markerRecordedEventAttributes.details.patch-data.');
const sealedOnes = (history: typeof run.history) => historyPayloads(history).filter(({ path }) => !searchAttribute(path) && !patchMarker(path));
let run: { id: string; workflowId: string; email: string; history: Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>> };

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const toJson = ({ payload }: { payload: Payload }) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});

describe('Temporal payloads are encrypted end to end; the codec server opens them for the roles that may see them', () => {
  const suite: DevServerSuite = useDevServerWorker(TASK_QUEUE);

  // One request, started under k1, finished after a rotation to k2 (a worker restarted with the ring k2,k1).
  before(async () => {
    run = {} as typeof run;
    const mailer = createMailer(suite.mail.smtpUrl, 'dsrflow <privacy@dsrflow.test>');
    after(() => mailer.close());
    const queue = `${TASK_QUEUE}-rotation`;
    const clientOf = (ring: typeof ringK1) => new Client({ connection: suite.env.connection, dataConverter: temporalDataConverter(ring) });
    const workerOf = async (ring: typeof ringK1) =>
      createWorker({ connection: suite.env.nativeConnection, namespace: 'default', taskQueue: queue, keyRing: ring, deps: testActivityDeps(suite.pg.pool, mailer), workflowBundle: { code: (await workflowBundle()).code } });
    const headers = await tokenHeaders(suite.pg.pool);
    run.email = `sealed-${crypto.randomUUID().slice(0, 8)}@example.com`;

    const before = testApp({ pool: suite.pg.pool, client: clientOf(ringK1), taskQueue: queue, startTimeoutMs: 30_000, decisionWaitMs: 30_000 });
    const statusOf = async () => (await json(await before.request(`/v1/requests/${run.id}`, { headers }))).status;
    const first = await workerOf(ringK1);
    await first.runUntil(async () => {
      const res = await before.request('/v1/requests', { method: 'POST', headers, body: JSON.stringify({ type: 'erasure', regulation: 'GDPR', subject: { email: run.email, fullName: 'Þórunn Vešligaj' } }) });
      assert.equal(res.status, 201, JSON.stringify(await res.clone().json()));
      ({ id: run.id, workflowId: run.workflowId } = await json(res));
      await eventually(async () => ((await statusOf()) === 'awaiting_verification' ? true : undefined), 15_000, 'awaiting_verification');
      const verified = await before.request(`/v1/requests/${run.id}/verification`, { method: 'POST', headers, body: JSON.stringify({ outcome: 'verified', method: 'account_authentication' }) });
      assert.equal(verified.status, 200);
      await eventually(async () => ((await statusOf()) === 'in_assessment' ? true : undefined), 15_000, 'in_assessment');
    });

    const rotated = clientOf(ringK2);
    const after_ = testApp({ pool: suite.pg.pool, client: rotated, taskQueue: queue, startTimeoutMs: 30_000, decisionWaitMs: 30_000 });
    const second = await workerOf(ringK2);
    await second.runUntil(async () => {
      const approved = await after_.request(`/v1/requests/${run.id}/assessment`, { method: 'POST', headers, body: JSON.stringify({ decision: 'approve', note: 'Nothing to keep for Þórunn.' }) });
      assert.equal(approved.status, 200);
      assert.deepEqual(await rotated.workflow.getHandle(run.workflowId).result(), { requestId: run.id, status: 'completed' });
    });
    // Read raw, as Temporal stores it: a client without the codec.
    run.history = await new Client({ connection: suite.env.connection }).workflow.getHandle(run.workflowId).fetchHistory();
  });

  test('the raw history holds only ciphertext: every payload is binary/encrypted with its key id, search attributes stay plain', async () => {
    const payloads = historyPayloads(run.history);
    const sealed = sealedOnes(run.history);
    assert.ok(sealed.length >= 10, `inputs, results, signals and updates are payloads (found ${sealed.length})`);
    for (const { path, payload } of sealed) {
      assert.equal(text(payload.metadata?.encoding), ENCRYPTED_ENCODING, `${path} is encrypted`);
      assert.deepEqual(Object.keys(payload.metadata ?? {}).sort(), ['encoding', KEY_ID_METADATA], `${path} says only that it is encrypted, and under which key`);
      assert.ok(!text(payload.data).includes(run.id), `${path} holds no plaintext`);
    }
    const keyIds = sealed.map(({ payload }) => text(payload.metadata?.[KEY_ID_METADATA]));
    assert.equal(keyIds[0], 'k1', 'started under k1');
    assert.equal(keyIds.at(-1), 'k2', 'finished under k2');
    assert.deepEqual([...new Set(keyIds)].sort(), ['k1', 'k2']);

    const attributes = payloads.filter(({ path }) => searchAttribute(path));
    assert.ok(attributes.length > 0 && attributes.every(({ payload }) => text(payload.metadata?.encoding) === 'json/plain'), 'search attributes (ids and codes) are plain');
    for (const { payload } of payloads.filter(({ path }) => patchMarker(path))) assert.match(text(payload.data), /^\{"id":"[a-z-]+","deprecated":(true|false)\}$/, 'a patch marker names a code change, nothing else');
    // The scan for personal data reads the payloads opened, so it still checks what they hold.
    const opened = await historyText(run.history, ringK2);
    assert.ok(opened.includes(run.id), 'the opened history shows the request id its inputs carry');
    for (const value of [run.email, 'Þórunn', 'Vešligaj']) assert.ok(!opened.includes(value), `history holds ${value}`);
  });

  test("the codec server decodes the history for an owner (the Web UI's request), refuses an auditor and no token, and records who", async () => {
    const app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: TASK_QUEUE, keyRing: ringK2, codecOrigins: [UI_ORIGIN] });
    const sealed = sealedOnes(run.history);
    const body = JSON.stringify({ payloads: sealed.map(toJson) });
    const ui = { 'content-type': 'application/json', 'x-namespace': 'default', origin: UI_ORIGIN };
    const ownerName = `codec-owner-${crypto.randomUUID().slice(0, 6)}`;
    const owner = await createToken(suite.pg.pool, { name: ownerName, role: 'owner', organizationId: null });

    const decoded = await app.request('/codec/decode?preserveStorageRefs=true', { method: 'POST', headers: { ...ui, authorization: `Bearer ${owner.token}` }, body });
    assert.equal(decoded.status, 200);
    assert.equal(decoded.headers.get('access-control-allow-origin'), UI_ORIGIN);
    const { payloads } = (await decoded.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    assert.equal(payloads.length, sealed.length);
    const encodings = new Set(payloads.map((p) => Buffer.from(p.metadata.encoding!, 'base64').toString()));
    assert.ok(!encodings.has(ENCRYPTED_ENCODING) && encodings.has('json/plain'), `opened to what the converter wrote: ${[...encodings].join(', ')}`);
    assert.ok(payloads.some((p) => Buffer.from(p.data, 'base64').toString().includes(run.id)), 'the workflow input, readable again');

    // What an operator types into the UI or the CLI (a signal's input) is sealed as the workers seal it.
    const typed = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('{"reason":"typed in the UI"}').toString('base64') };
    const encoded = await app.request('/codec/encode', { method: 'POST', headers: { ...ui, authorization: `Bearer ${owner.token}` }, body: JSON.stringify({ payloads: [typed] }) });
    assert.equal(encoded.status, 200);
    const [sealedTyped] = ((await encoded.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> }).payloads;
    assert.equal(Buffer.from(sealedTyped!.metadata[KEY_ID_METADATA]!, 'base64').toString(), 'k2', 'under the current key');
    const reopened = await temporalDataConverter(ringK2).payloadCodecs![0]!.decode([{ metadata: { encoding: Buffer.from(sealedTyped!.metadata.encoding!, 'base64'), [KEY_ID_METADATA]: Buffer.from(sealedTyped!.metadata[KEY_ID_METADATA]!, 'base64') }, data: Buffer.from(sealedTyped!.data, 'base64') }]);
    assert.equal(text(reopened[0]!.data), '{"reason":"typed in the UI"}', 'a worker opens it');

    const auditor = await tokenHeaders(suite.pg.pool, 'auditor');
    const refused = await app.request('/codec/decode', { method: 'POST', headers: { ...ui, ...auditor }, body });
    assert.equal(refused.status, 403);
    assert.equal((await json(refused)).error.code, 'FORBIDDEN_ROLE');
    const anonymous = await app.request('/codec/decode', { method: 'POST', headers: ui, body });
    assert.equal(anonymous.status, 401);

    // The Web UI cannot send our token: it includes the console's session cookie, after a preflight from its origin.
    const preflight = await app.request('/console/codec/decode', { method: 'OPTIONS', headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /X-Namespace/i);
    const elsewhere = await app.request('/console/codec/decode', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(elsewhere.headers.get('access-control-allow-origin'), null, 'no other origin may call it from a browser');
    const { sessionId } = await openSession(suite.pg.pool, owner.id, 3600);
    const viaSession = await app.request('/console/codec/decode?preserveStorageRefs=true', { method: 'POST', headers: { ...ui, cookie: `dsrflow_console=${sessionId}` }, body });
    assert.equal(viaSession.status, 200);
    assert.deepEqual(((await viaSession.json()) as { payloads: unknown[] }).payloads, payloads);
    const noSession = await app.request('/console/codec/decode', { method: 'POST', headers: ui, body });
    assert.equal(noSession.status, 401);

    const events = await suite.pg.pool.any(sql.type(z.object({ actor: z.string(), details: z.record(z.string(), z.unknown()) }))`
      select actor, details from dsrflow.audit_events where action = 'temporal.payloads_decoded' and actor = ${ownerName} order by id`);
    assert.deepEqual(
      events.map((e) => e.details),
      [
        { payloads: sealed.length, namespace: 'default', via: 'token' },
        { payloads: sealed.length, namespace: 'default', via: 'console-session' },
      ],
      'each decode recorded: who, how many, which namespace, never the contents',
    );
  });

  test('replay: the sealed history replays with the codec; opened, as test/fixtures/histories keeps them, without it', async () => {
    await Worker.runReplayHistory({ workflowBundle: { code: (await workflowBundle()).code }, dataConverter: temporalDataConverter(ringK2) }, run.history, run.workflowId);
    const recorded = proto.temporal.api.history.v1.History.decode(await recordedHistoryBytes(run.history, ringK2));
    assert.ok(historyPayloads(recorded).every(({ payload }) => text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING), 'recorded in plaintext');
    await Worker.runReplayHistory({ workflowBundle: { code: (await workflowBundle()).code } }, recorded, run.workflowId);
  });

  test('payloads sealed under a key no longer in the ring are refused with the key named, not guessed at', async () => {
    const app = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: TASK_QUEUE, keyRing: parseKeyRing(newKeyEntry('k3')) });
    const sealed = sealedOnes(run.history);
    const res = await app.request('/codec/decode', { method: 'POST', headers: { ...(await tokenHeaders(suite.pg.pool, 'dpo')), 'content-type': 'application/json' }, body: JSON.stringify({ payloads: sealed.slice(0, 1).map(toJson) }) });
    assert.equal(res.status, 400);
    const { error } = await json(res);
    assert.equal(error.code, 'PAYLOAD_UNREADABLE');
    assert.match(error.message, /payloads\[0\]: sealed under key 'k1', which is not in the key ring/);
  });
});
