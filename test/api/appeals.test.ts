import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'slonik';
import { storeAppealToken } from '../../src/db/appeals.ts';
import { mintStatusLink } from '../../src/db/privacy-center.ts';
import { listRequestEvents } from '../../src/db/audit.ts';
import { hashToken } from '../../src/db/tokens.ts';
import type { RegulationCode } from '../../src/domain/regulations.ts';
import { json, testApp } from '../support/app.ts';
import { eventually } from '../support/requests.ts';
import { useDevServerWorker } from '../support/workflow-harness.ts';
import { namedToken, recordRequest, uniqueOrg } from './staff-support.ts';

const TASK_QUEUE = 'api-appeals';

describe('appeals through the API: where the law grants one, of a refusal or a partial answer, once', () => {
  const suite = useDevServerWorker(TASK_QUEUE);
  const app = () => testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: TASK_QUEUE });

  /** A request of `regulation` that ended as `status` (the audit trail says when; with legal exceptions if `partial`). */
  async function closedRequest(regulation: RegulationCode, status: 'rejected' | 'completed', partial = false) {
    const id = await recordRequest(suite.pg.pool, { organizationId: uniqueOrg('appeal'), regulation });
    await suite.pg.pool.query(sql.unsafe`update dsrflow.requests set status = ${status}, subject_id = null where id = ${id}`);
    await suite.pg.pool.query(sql.unsafe`update dsrflow.request_subjects set email = ${`appellant-${id.slice(0, 8)}@example.com`} where request_id = ${id}`);
    if (partial) {
      await suite.pg.pool.query(sql.unsafe`insert into dsrflow.audit_events (event_key, request_id, actor, action, details) values (${`t/${id}/approved`}, ${id}, 'dpo', 'assessment.approved', ${sql.jsonb({ legalExceptions: ['tax_records'] })})`);
    }
    await suite.pg.pool.query(sql.unsafe`insert into dsrflow.audit_events (event_key, request_id, actor, action, to_status) values (${`t/${id}/closed`}, ${id}, 'dpo', 'request.transition', ${status})`);
    return id;
  }

  const file = async (id: string, body: unknown = {}) => {
    const { headers } = await namedToken(suite.pg.pool, 'dpo');
    const res = await app().request(`/v1/requests/${id}/appeal`, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: res.status, body: await json(res) };
  };

  test('refused with 409 where the regime grants no appeal (GDPR, CCPA, Utah) or the request was answered in full', async () => {
    for (const regulation of ['GDPR', 'CCPA', 'UCPA'] as const) {
      const res = await file(await closedRequest(regulation, 'rejected'));
      assert.equal(res.status, 409, regulation);
      assert.equal(res.body.error.code, 'APPEAL.NOT_GRANTED');
      assert.match(res.body.error.message, /grants no appeal/);
    }
    const full = await file(await closedRequest('VCDPA', 'completed'));
    assert.equal(full.status, 409);
    assert.equal(full.body.error.code, 'APPEAL.NOT_APPEALABLE');
    assert.match(full.body.error.message, /answered in full/);
  });

  test('the Privacy Center status page: a Virginia refusal offers the appeal, in the consumer’s language, once; a GDPR one does not', async () => {
    const page = async (token: string, query = '') => (await app().request(`/privacy/status/${token}${query}`)).text();
    const gdpr = await mintStatusLink(suite.pg.pool, await closedRequest('GDPR', 'rejected'));
    const gdprPage = await page(gdpr);
    assert.match(gdprPage, /Not fulfilled/);
    assert.doesNotMatch(gdprPage, /Disagree with our decision|\/appeal/, 'GDPR grants no appeal to the controller');

    const id = await closedRequest('VCDPA', 'rejected');
    const token = await mintStatusLink(suite.pg.pool, id);
    const offered = await page(token, '?lang=de');
    assert.match(offered, /Sie sind mit unserer Entscheidung nicht einverstanden\?/);
    assert.match(offered, /innerhalb von 60 Tagen/, 'the decision period of Va. Code 59.1-577(C)');
    const filed = await app().request(`/privacy/status/${token}/appeal?lang=de`, { method: 'POST', body: new URLSearchParams({ statement: 'Ich habe nur einmal gefragt.' }) });
    assert.equal(filed.status, 303);
    assert.match(filed.headers.get('location') ?? '', /done=appealed/);
    const { headers } = await namedToken(suite.pg.pool, 'dpo');
    const appeal = await json(await app().request(`/v1/requests/${id}/appeal`, { headers }));
    assert.equal(appeal.status, 'received');
    assert.equal(appeal.channel, 'subject');
    const after = await page(token, '?lang=de');
    assert.match(after, /Wir prüfen Ihren Einspruch und entscheiden bis zum/);
    assert.doesNotMatch(after, /Einspruch senden/, 'no second form');
    const twice = await app().request(`/privacy/status/${token}/appeal?lang=de`, { method: 'POST', body: new URLSearchParams({ statement: 'noch einmal' }) });
    assert.match(twice.headers.get('location') ?? '', /refused=appeal/, 'one appeal per decision');
  });

  test('Virginia: a refusal is appealed once, decided with reasons, and the consumer is told; every step in the audit trail', async () => {
    const id = await closedRequest('VCDPA', 'rejected');
    const filed = await file(id, { statement: 'I only asked once this year.' });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    assert.equal(filed.body.status, 'received');
    assert.equal(filed.body.source, 'Va. Code 59.1-577(C)');
    const days = (Date.parse(filed.body.dueAt) - Date.parse(filed.body.receivedAt)) / 86_400_000;
    assert.ok(days > 59.5 && days < 61, `due in ~60 days, got ${days}`);
    const again = await file(id);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'APPEAL.ALREADY_FILED');

    const { headers } = await namedToken(suite.pg.pool, 'dpo');
    const read = await app().request(`/v1/requests/${id}/appeal`, { headers });
    assert.equal(read.status, 200);
    assert.equal((await json(read)).id, filed.body.id);

    const missingReasons = await app().request(`/v1/requests/${id}/appeal/decision`, { method: 'POST', headers, body: JSON.stringify({ decision: 'granted' }) });
    assert.equal(missingReasons.status, 400);
    const decided = await app().request(`/v1/requests/${id}/appeal/decision`, { method: 'POST', headers, body: JSON.stringify({ decision: 'granted', reasons: 'Your earlier request was a different one; we will send your copy within 14 days.' }) });
    assert.equal(decided.status, 200);
    assert.equal((await json(decided)).status, 'granted');
    const twice = await app().request(`/v1/requests/${id}/appeal/decision`, { method: 'POST', headers, body: JSON.stringify({ decision: 'denied', reasons: 'changed my mind' }) });
    assert.equal(twice.status, 409);

    const email = `appellant-${id.slice(0, 8)}@example.com`;
    await suite.mail.waitFor((m) => m.to.includes(email) && /received your appeal/.test(m.subject));
    const granted = await suite.mail.waitFor((m) => m.to.includes(email) && /was granted/.test(m.subject));
    assert.match(granted.text, /different one; we will send your copy within 14 days/);
    const actions = await eventually(async () => {
      const a = (await listRequestEvents(suite.pg.pool, id)).map((e) => e.action);
      return a.includes('appeal.granted') ? a : undefined;
    });
    assert.ok(actions.includes('appeal.received'));
  });

  test("the consumer's appeal page: a partial answer under Colorado is appealed from the emailed link, once", async () => {
    const id = await closedRequest('CPA', 'completed', true);
    const token = 'a'.repeat(43);
    await suite.pg.pool.query(sql.unsafe`delete from dsrflow.appeal_tokens where token_hash = ${hashToken(token)}`);
    await storeAppealToken(suite.pg.pool, id, hashToken(token));
    const page = await app().request(`/appeal/${token}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Why do you disagree/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    const tooLong = await app().request(`/appeal/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ statement: 'x'.repeat(4001) }).toString() });
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.headers.get('content-type') ?? '', /^text\/html/);
    const form = new URLSearchParams({ statement: 'You kept my payment records.' });
    const filed = await app().request(`/appeal/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    const text = await filed.text();
    assert.equal(filed.status, 200, text);
    assert.match(text, /We received your appeal/);
    const used = await app().request(`/appeal/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    assert.equal(used.status, 410);
    assert.equal((await app().request(`/appeal/${'b'.repeat(43)}`)).status, 404);
    const { headers } = await namedToken(suite.pg.pool, 'auditor');
    const appeal = await json(await app().request(`/v1/requests/${id}/appeal`, { headers }));
    assert.equal(appeal.channel, 'subject');
    assert.equal(appeal.source, 'C.R.S. 6-1-1306(3)');
    const days = (Date.parse(appeal.dueAt) - Date.parse(appeal.receivedAt)) / 86_400_000;
    assert.ok(days > 44.5 && days < 46, `Colorado: due in ~45 days, got ${days}`);
  });
  test('C.R.S. 6-1-1306(3): staff extend a Colorado appeal once, with the reasons for the delay; Virginia allows none; an auditor may not; 503 when no worker takes it', async () => {
    const { headers } = await namedToken(suite.pg.pool, 'dpo');
    const extend = async (id: string, body: unknown, h: Record<string, string> = headers, on = app()) => {
      const res = await on.request(`/v1/requests/${id}/appeal/extension`, { method: 'POST', headers: h, body: JSON.stringify(body) });
      return { status: res.status, body: await json(res) };
    };
    const id = await closedRequest('CPA', 'rejected');
    assert.equal((await extend(id, { reason: 'Not yet appealed.' })).status, 404);
    const filed = await file(id);
    assert.equal(filed.status, 201);
    assert.equal(filed.body.extendedAt, null);
    assert.equal((await extend(id, {})).status, 400, 'the reason is required: the consumer is told why');
    const auditor = await namedToken(suite.pg.pool, 'auditor');
    assert.equal((await extend(id, { reason: 'Many systems to check.' }, auditor.headers)).status, 403);

    const extended = await extend(id, { reason: 'Your appeal concerns 14 systems we review one by one.' });
    assert.equal(extended.status, 200, JSON.stringify(extended.body));
    const days = (Date.parse(extended.body.dueAt) - Date.parse(extended.body.receivedAt)) / 86_400_000;
    assert.ok(days > 104.5 && days < 106, `due ~105 days after the appeal, got ${days}`);
    assert.ok(extended.body.extendedAt);
    const again = await extend(id, { reason: 'Even more time.' });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'APPEAL.ALREADY_EXTENDED');
    const read = await eventually(async () => {
      const a = await json(await app().request(`/v1/requests/${id}/appeal`, { headers }));
      return a.dueAt === extended.body.dueAt ? a : undefined;
    }, 10_000, 'the appeal row to carry the new date');
    assert.ok(read.extendedAt);
    const email = `appellant-${id.slice(0, 8)}@example.com`;
    const notice = await suite.mail.waitFor((m) => m.to.includes(email) && /more time to decide your appeal/.test(m.subject));
    assert.match(notice.text, /C\.R\.S\. 6-1-1306\(3\)/);
    assert.match(notice.text, /Why we need more time:\nYour appeal concerns 14 systems/);

    const va = await closedRequest('VCDPA', 'rejected');
    assert.equal((await file(va)).status, 201);
    const refused = await extend(va, { reason: 'Many systems to check.' });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'APPEAL.EXTENSION_NOT_GRANTED');
    assert.match(refused.body.error.message, /Va\. Code 59\.1-577\(C\)/);

    // No worker polls this queue: the answer comes within the bounded wait instead of hanging.
    const idle = testApp({ pool: suite.pg.pool, client: suite.env.client, taskQueue: 'no-worker-polls-appeals', decisionWaitMs: 1000 });
    const lonely = await closedRequest('CPA', 'rejected');
    const started = await json(await idle.request(`/v1/requests/${lonely}/appeal`, { method: 'POST', headers, body: '{}' }));
    const waiting = await extend(lonely, { reason: 'Many systems to check.' }, headers, idle);
    assert.equal(waiting.status, 503);
    assert.equal(waiting.body.error.code, 'WORKER_UNAVAILABLE');
    await suite.env.client.workflow.getHandle(started.workflowId).terminate('test over');
  });
});
