import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { sql } from 'slonik';
import { z } from 'zod';
import type { App } from '../../src/api/app.ts';
import { solveChallenge } from '../../src/api/privacy-center/challenge.ts';
import { MAX_DOCUMENT_BYTES } from '../../src/domain/documents.ts';
import { TEST_DOCUMENTS_DIR, testApp } from '../support/app.ts';
import { devServer, postgres } from '../support/stack.ts';
import { detailsForm, PDF, requestsFor } from './support.ts';

// The authorized agent's permission document with the form (CCPA 11 CCR 7063): checked by its bytes and size before
// anything is written; stored encrypted once the request is recorded; the request then waits for staff.

const CA_ACCESS = { lang: 'en', country: 'US', region: 'US-CA', type: 'access' };

describe('Privacy Center: the authorized agent and the permission upload', () => {
  let app: App;
  let pool: Awaited<ReturnType<typeof postgres>>['pool'];
  const email = () => `agent-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const storedFiles = () => readdirSync(TEST_DOCUMENTS_DIR, { recursive: true }).length;
  const documentRows = () => pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from dsrflow.request_documents`);
  before(async () => {
    const [pg, env] = await Promise.all([postgres(), devServer()]);
    pool = pg.pool;
    app = testApp({ pool, client: env.client, taskQueue: 'privacy-uploads-unserved', privacyCenter: { challenge: { bits: 8 } } });
  });

  /** The details form posted as multipart, as the browser does when the agent's section is there. */
  async function postWithFile(fields: Record<string, string>, file: { bytes: Uint8Array; name: string; type: string } | null) {
    const form = await detailsForm(app, 'default', CA_ACCESS);
    const body = new FormData();
    for (const [k, v] of Object.entries({ ...form.fields, solution: solveChallenge(form.challenge), ...fields })) body.set(k, v);
    if (file) body.set('permission', new File([file.bytes], file.name, { type: file.type }));
    return app.request('/privacy/default', { method: 'POST', body });
  }

  test('the form offers the agent section where CCPA applies, and posts multipart there only', async () => {
    const ca = await detailsForm(app, 'default', CA_ACCESS);
    assert.match(ca.page, /enctype="multipart\/form-data"/);
    assert.match(ca.page, /I am an authorized agent/);
    const de = await detailsForm(app, 'default', { lang: 'en', country: 'DE', type: 'access' });
    assert.doesNotMatch(de.page, /authorized agent/);
    assert.match(de.page, /enctype="application\/x-www-form-urlencoded"/);
  });

  test('a file that is not a PDF, PNG or JPEG by its bytes, whatever its name, is refused with a clear message; nothing is stored', async () => {
    const [rows, files] = [await documentRows(), storedFiles()];
    const subject = email();
    const res = await postWithFile({ email: subject, agentName: 'Agent Smith', agentEmail: 'smith@agents.example' }, { bytes: Buffer.from('#!/bin/sh\necho not a pdf\n'), name: 'permission.pdf', type: 'application/pdf' });
    assert.equal(res.status, 400);
    const page = await res.text();
    assert.match(page, /The file must be a PDF, PNG or JPEG document/);
    assert.match(page, /href="#f-permission"/, 'the error summary links to the field');
    assert.match(page, /<details class="agent" open>/, 'the section stays open with the agent’s answers');
    assert.deepEqual(await requestsFor(pool, subject), []);
    assert.equal(await documentRows(), rows);
    assert.equal(storedFiles(), files);
  });

  test('a file over 5 MB is refused with a clear message (on the form, or by the upload limit); nothing is stored', async () => {
    const [rows, files] = [await documentRows(), storedFiles()];
    const subject = email();
    const justOver = Buffer.concat([PDF, Buffer.alloc(MAX_DOCUMENT_BYTES + 1 - PDF.length, 0x20)]);
    const res = await postWithFile({ email: subject, agentName: 'Agent Smith', agentEmail: 'smith@agents.example' }, { bytes: justOver, name: 'permission.pdf', type: 'application/pdf' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /The file is larger than 5 MB/);
    const farOver = await postWithFile({ email: subject, agentName: 'Agent Smith', agentEmail: 'smith@agents.example' }, { bytes: Buffer.alloc(8 * 1024 * 1024, 0x25), name: 'scan.pdf', type: 'application/pdf' });
    assert.equal(farOver.status, 413);
    assert.match(await farOver.text(), /The file is larger than 5 MB/);
    assert.deepEqual(await requestsFor(pool, subject), []);
    assert.equal(await documentRows(), rows);
    assert.equal(storedFiles(), files);
  });

  test('an agent without the signed permission, or without their own email, is refused; nothing is stored', async () => {
    const subject = email();
    const noFile = await postWithFile({ email: subject, agentName: 'Agent Smith', agentEmail: 'smith@agents.example' }, null);
    assert.equal(noFile.status, 400);
    assert.match(await noFile.text(), /Choose a file to upload/);
    const noEmail = await postWithFile({ email: subject, agentName: 'Agent Smith' }, { bytes: PDF, name: 'p.pdf', type: 'application/pdf' });
    assert.equal(noEmail.status, 400);
    assert.match(await noEmail.text(), /Enter your email address as the agent/);
    assert.deepEqual(await requestsFor(pool, subject), []);
  });

  test('an agent’s request carries the permission, encrypted at rest, and is decided by staff (no link, no policy)', async () => {
    const subject = email();
    const res = await postWithFile({ email: subject, fullName: 'Jane Roe', agentName: 'Agent Smith', agentEmail: 'smith@agents.example' }, { bytes: PDF, name: 'whatever.bin', type: 'application/octet-stream' });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Request sent/);
    const [request] = await requestsFor(pool, subject);
    assert.ok(request);
    const stored = await pool.one(sql.type(z.object({ staff_verifies: z.boolean(), agent: z.string(), kind: z.string(), media_type: z.string(), bytes: z.number(), storage_key: z.string() }))`
      select r.staff_verifies, a.name || ' <' || a.email || '>' as agent, d.kind, d.media_type, d.bytes, d.storage_key
      from dsrflow.requests r join dsrflow.request_agents a on a.request_id = r.id join dsrflow.request_documents d on d.request_id = r.id where r.id = ${request.id}`);
    assert.deepEqual({ ...stored, storage_key: undefined }, { staff_verifies: true, agent: 'Agent Smith <smith@agents.example>', kind: 'agent_permission', media_type: 'application/pdf', bytes: PDF.length, storage_key: undefined });
    const onDisk = readFileSync(join(TEST_DOCUMENTS_DIR, 'exports', stored.storage_key));
    assert.equal(onDisk.subarray(0, 4).toString(), 'DSRF', 'the file is in the encrypted format');
    assert.ok(!onDisk.includes(Buffer.from('Jane Roe')), 'no plaintext on disk');
    const uploaded = await pool.one(sql.type(z.object({ actor: z.string(), details: z.record(z.string(), z.unknown()) }))`
      select actor, details from dsrflow.audit_events where request_id = ${request.id} and action = 'document.uploaded'`);
    assert.equal(uploaded.actor, 'agent');
    assert.equal(uploaded.details.kind, 'agent_permission');
  });
});
