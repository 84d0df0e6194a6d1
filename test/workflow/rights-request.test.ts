import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import proto from '@temporalio/proto';
import { describe, test } from 'node:test';
import { listRequestEvents } from '../../src/db/audit.ts';
import { findRequest } from '../../src/db/requests.ts';
import { subjectDate } from '../../src/activities/subject-mail.ts';
import { assessUpdate, verifyUpdate } from '../../src/workflows/messages.ts';
import { historySpanMs, historyText } from '../support/history.ts';
import { DAY, reach, refusedWith, settled, useTimeSkipping } from '../support/workflow-harness.ts';


describe('rightsRequest on the time-skipping server: the life of a request', () => {
  const suite = useTimeSkipping('rights-request-life');

  test('GDPR access for someone we hold nothing on: acknowledged, verified, approved, answered "no data", completed, all audited', async () => {
    const { row, subject, handle } = await suite.h.start({ type: 'access', regulation: 'GDPR' });
    const result = await suite.h.withWorker(async () => {
      await reach(handle, 'awaiting_verification');
      await handle.executeUpdate(verifyUpdate, { args: [{ outcome: 'verified', method: 'document_check', actor: 'dpo-jane' }] });
      await reach(handle, 'in_assessment');
      await handle.executeUpdate(assessUpdate, { args: [{ decision: 'approve', actor: 'dpo-jane' }] });
      return settled(handle);
    });
    assert.deepEqual(result, { requestId: row.id, status: 'completed' });

    const stored = await findRequest(suite.pg.pool, row.id);
    assert.equal(stored?.status, 'completed');
    assert.ok(stored?.acknowledged_at, 'acknowledgement recorded');
    const events = await listRequestEvents(suite.pg.pool, row.id);
    assert.deepEqual(
      events.filter((e) => e.to_status).map((e) => `${e.from_status ?? '-'}>${e.to_status}:${e.actor}`),
      ['->submitted:test', 'submitted>awaiting_verification:system', 'awaiting_verification>verified:dpo-jane', 'verified>in_assessment:system', 'in_assessment>processing:system', 'processing>completed:system'],
    );
    const actions = events.map((e) => e.action);
    for (const action of ['request.acknowledged', 'assessment.approved', 'export.no_data', 'notice.sent']) assert.ok(actions.includes(action), `${action} audited`);

    const ack = await suite.mail.waitFor((m) => m.to.includes(subject.email) && /received/.test(m.subject));
    // The date as the subject reads it: their language (English here), on the law's clock.
    assert.match(ack.text, new RegExp(`respond by ${subjectDate(row, row.due_at)}`));
    const link = await suite.mail.waitFor((m) => m.to.includes(subject.email) && /confirm/.test(m.subject));
    assert.match(link.text, /http:\/\/localhost:3000\/verify\/[A-Za-z0-9_-]{43}/);
    await suite.mail.waitFor((m) => m.to.includes(subject.email) && /no personal data|hold no/i.test(m.subject + m.text));
    // The "no data" answer is the response: one email, not that and "your request is complete" (all sent before the close).
    const received = suite.mail.messages().filter((m) => m.to.includes(subject.email)).map((m) => m.subject);
    assert.equal(received.length, 3, `acknowledgement, verification link, no data: ${received.join(' | ')}`);
    assert.ok(!received.some((title) => /is complete/.test(title)), received.join(' | '));
    // gdpr-access-no-data.binpb is the history of the two-email code (before the patch): it must still replay.
    if (process.env.RECORD_HISTORIES) {
      writeFileSync('test/fixtures/histories/gdpr-access-no-data-one-notice.binpb', proto.temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish());
    }
  });

  test('the finished history holds none of the subject identifiers', async () => {
    const { row, subject, handle } = await suite.h.start({ type: 'erasure', regulation: 'UK_GDPR' });
    await suite.h.withWorker(async () => {
      await reach(handle, 'awaiting_verification');
      await handle.executeUpdate(verifyUpdate, { args: [{ outcome: 'verified', method: 'email_link', actor: 'subject' }] });
      await reach(handle, 'in_assessment');
      await handle.executeUpdate(assessUpdate, { args: [{ decision: 'approve', legalExceptions: ['tax_records'], actor: 'dpo-jane' }] });
      await settled(handle);
    });
    const history = historyText(await handle.fetchHistory());
    for (const identifier of [subject.email, subject.fullName, subject.customerId, subject.email.split('@')[0]!]) {
      assert.ok(!history.includes(identifier), `history must not contain ${identifier}`);
    }
    assert.ok(history.includes(row.id), 'the scan does read the payloads (the request id is there)');
  });

  test('a subject who never verifies ends unverified when the window closes, and is told', async () => {
    const { row, subject, handle } = await suite.h.start({ type: 'access', regulation: 'GDPR' });
    const result = await suite.h.withWorker(async () => {
      await reach(handle, 'awaiting_verification');
      await suite.env.sleep(14 * DAY + 60_000);
      return settled(handle);
    });
    assert.equal(result.status, 'unverified');
    const days = historySpanMs(await handle.fetchHistory()) / DAY;
    assert.ok(days >= 14 && days < 15, `the 14-day window elapsed in skipped time (${days.toFixed(2)} days)`);
    const last = (await listRequestEvents(suite.pg.pool, row.id)).filter((e) => e.to_status).at(-1);
    assert.equal(last?.to_status, 'unverified');
    assert.match(last?.reason ?? '', /within 14 days/);
    await suite.mail.waitFor((m) => m.to.includes(subject.email) && /identity not confirmed/.test(m.subject));
  });

  test('a failed identity check rejects the request and tells the subject why', async () => {
    const { row, subject, handle } = await suite.h.start({ type: 'rectify', regulation: 'GDPR' });
    const result = await suite.h.withWorker(async () => {
      await reach(handle, 'awaiting_verification');
      await handle.executeUpdate(verifyUpdate, { args: [{ outcome: 'failed', method: 'document_check', actor: 'dpo-jane' }] });
      return settled(handle);
    });
    assert.equal(result.status, 'rejected');
    assert.equal((await findRequest(suite.pg.pool, row.id))?.status, 'rejected');
    const notice = await suite.mail.waitFor((m) => m.to.includes(subject.email) && /could not be fulfilled/.test(m.subject));
    assert.match(notice.text, /could not confirm your identity/);
    assert.match(notice.text, /right to lodge a complaint/);
  });

  test('a rejection on a legal exception is recorded with the exception and its reason', async () => {
    const { row, handle } = await suite.h.start({ type: 'erasure', regulation: 'GDPR' });
    await suite.h.withWorker(async () => {
      await reach(handle, 'awaiting_verification');
      await handle.executeUpdate(verifyUpdate, { args: [{ outcome: 'verified', method: 'account_authentication', actor: 'dpo-jane' }] });
      await reach(handle, 'in_assessment');
      assert.equal(await refusedWith(handle.executeUpdate(assessUpdate, { args: [{ decision: 'reject', rejectionReason: 'legal_exception', actor: 'dpo-jane' }] })), 'ASSESSMENT.EXCEPTION_REQUIRED');
      await handle.executeUpdate(assessUpdate, { args: [{ decision: 'reject', rejectionReason: 'legal_exception', legalExceptions: ['legal_claims'], actor: 'dpo-jane' }] });
      await settled(handle);
    });
    const rejected = (await listRequestEvents(suite.pg.pool, row.id)).find((e) => e.to_status === 'rejected');
    assert.equal(rejected?.reason, 'legal_exception');
    assert.deepEqual(rejected?.details.legalExceptions, ['legal_claims']);
  });
});
