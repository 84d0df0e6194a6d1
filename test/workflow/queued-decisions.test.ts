import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { WorkflowUpdateStage } from '@temporalio/client';
import { describe, test } from 'node:test';
import { sql } from 'slonik';
import { z } from 'zod';
import { listRequestEvents } from '../../src/db/audit.ts';
import { createMailer, type Mailer } from '../../src/platform/mailer.ts';
import { assessmentSignal, assessUpdate, stateQuery, verificationSignal, verifyUpdate } from '../../src/workflows/messages.ts';
import { refusedWith, settled, useTimeSkipping } from '../support/workflow-harness.ts';
import { recordedHistoryBytes } from '../support/history.ts';

const verified = { outcome: 'verified', method: 'document_check', actor: 'dpo-jane' } as const;
const approve = { decision: 'approve', actor: 'dpo-jane' } as const;

/** The real mailer, except that the acknowledgement waits until the test lets it go. */
function heldAcknowledgement(smtpUrl: string) {
  const real = createMailer(smtpUrl, 'dsrflow <privacy@dsrflow.test>');
  let release!: () => void;
  let attempted!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const sending = new Promise<void>((r) => (attempted = r));
  const mailer: Mailer = {
    async send(m) {
      if (/received/.test(m.subject)) {
        attempted();
        await released;
      }
      await real.send(m);
    },
    close: () => real.close(),
  };
  return { mailer, sending, release };
}

describe('decisions sent back to back queue behind the step under way', () => {
  const suite = useTimeSkipping('queued-decisions');

  const transitions = async (requestId: string) =>
    (await listRequestEvents(suite.pg.pool, requestId)).filter((e) => e.to_status).map((e) => `${e.from_status ?? '-'}>${e.to_status}`);
  const linksIssued = (requestId: string) =>
    suite.pg.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from dsrflow.verification_tokens where request_id = ${requestId}`);

  test('verify while the acknowledgement is going out, then approve: both accepted, each answered with the state after it; no verification link', async () => {
    const { row, subject, handle } = await suite.h.start({ type: 'access', regulation: 'GDPR' });
    const ack = heldAcknowledgement(suite.mail.smtpUrl);
    await suite.h.withWorker(async () => {
      await ack.sending;
      assert.equal((await handle.query(stateQuery)).status, 'submitted');
      const verify = await handle.startUpdate(verifyUpdate, { args: [verified], waitForStage: WorkflowUpdateStage.ACCEPTED });
      const assess = await handle.startUpdate(assessUpdate, { args: [approve], waitForStage: WorkflowUpdateStage.ACCEPTED });
      // Queued decisions count: a second one of the same kind is refused, never silently dropped.
      assert.equal(await refusedWith(handle.executeUpdate(verifyUpdate, { args: [{ ...verified, actor: 'dpo-joe' }] })), 'REQUEST.DECISION_PENDING');
      assert.equal(await refusedWith(handle.executeUpdate(assessUpdate, { args: [{ ...approve, actor: 'dpo-joe' }] })), 'REQUEST.DECISION_PENDING');
      ack.release();
      const afterVerify = await verify.result();
      assert.equal(afterVerify.status, 'in_assessment', 'the answer carries the state after the verification');
      assert.equal(afterVerify.verification?.actor, 'dpo-jane');
      const afterApprove = await assess.result();
      assert.equal(afterApprove.status, 'processing', 'the answer carries the state after the approval');
      assert.deepEqual(afterApprove.assessment, { decision: 'approve', actor: 'dpo-jane', legalExceptions: [] });
      assert.equal((await settled(handle)).status, 'completed');
    }, { mailer: ack.mailer });
    ack.mailer.close();
    assert.deepEqual(await transitions(row.id), ['->submitted', 'submitted>awaiting_verification', 'awaiting_verification>verified', 'verified>in_assessment', 'in_assessment>processing', 'processing>completed']);
    assert.equal(await linksIssued(row.id), 0, 'no verification link was issued');
    // The warehouse holds no such subject: the "we hold no data" answer is the response (its one email).
    await suite.mail.waitFor((m) => m.to.includes(subject.email) && /we hold no data/.test(m.subject));
    assert.ok(!suite.mail.messages().some((m) => m.to.includes(subject.email) && /confirm/.test(m.subject)), 'the subject was not asked to confirm');
    if (process.env.RECORD_HISTORIES) writeFileSync('test/fixtures/histories/gdpr-access-decisions-queued.binpb', await recordedHistoryBytes(await handle.fetchHistory()));
  });

  test('an operator’s verification and approval signalled before the workflow has run once are applied in order, not refused', async () => {
    const { row, handle } = await suite.h.start({ type: 'access', regulation: 'GDPR' });
    await handle.signal(verificationSignal, { ...verified, actor: 'operator-cli' });
    await handle.signal(assessmentSignal, { ...approve, actor: 'operator-cli' });
    assert.equal((await suite.h.withWorker(() => settled(handle))).status, 'completed');
    const events = await listRequestEvents(suite.pg.pool, row.id);
    assert.ok(!events.some((e) => e.action === 'action.refused'), 'nothing refused');
    assert.ok(events.some((e) => e.to_status === 'verified' && e.actor === 'operator-cli'));
    assert.ok(events.some((e) => e.action === 'assessment.approved' && e.actor === 'operator-cli'));
    assert.equal(await linksIssued(row.id), 0);
  });

  test('an approval before identity is decided, or behind a failed verification, is still refused', async () => {
    const { row, handle } = await suite.h.start({ type: 'access', regulation: 'GDPR' });
    const ack = heldAcknowledgement(suite.mail.smtpUrl);
    await suite.h.withWorker(async () => {
      await ack.sending;
      assert.equal(await refusedWith(handle.executeUpdate(assessUpdate, { args: [approve] })), 'REQUEST.INVALID_TRANSITION');
      const failed = await handle.startUpdate(verifyUpdate, { args: [{ ...verified, outcome: 'failed' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
      assert.equal(await refusedWith(handle.executeUpdate(assessUpdate, { args: [approve] })), 'REQUEST.INVALID_TRANSITION');
      ack.release();
      assert.equal((await failed.result()).status, 'rejected');
      await settled(handle);
    }, { mailer: ack.mailer });
    ack.mailer.close();
    assert.equal(await linksIssued(row.id), 0);
  });
});
