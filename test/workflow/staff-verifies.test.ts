import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assessUpdate, stateQuery, verifyUpdate } from '../../src/workflows/messages.ts';
import { DAY, reach, settled, useTimeSkipping } from '../support/workflow-harness.ts';

// Requests whose identity staff decide (an authorized agent's, or one needing an identity document): no link is
// emailed, no verification window runs out on the subject, and no policy approves them.

describe('rightsRequest with staffVerifies on the time-skipping server', () => {
  const suite = useTimeSkipping('staff-verifies');

  test('an access request waits for staff past the verification window, with no link emailed, then goes on when staff verify', async () => {
    const { subject, handle } = await suite.h.start({ type: 'access', regulation: 'CCPA', staffVerifies: true });
    await suite.h.withWorker(async () => {
      await reach(handle, 'awaiting_verification');
      await suite.env.sleep(20 * DAY);
      assert.equal((await handle.query(stateQuery)).status, 'awaiting_verification', 'not closed as unverified: the subject had nothing to do');
      await handle.executeUpdate(verifyUpdate, { args: [{ outcome: 'verified', method: 'document_check', actor: 'dpo-jane' }] });
      await reach(handle, 'in_assessment');
    });
    const titles = suite.mail.messages().filter((m) => m.to.includes(subject.email)).map((m) => m.subject);
    assert.ok(!titles.some((t) => /confirm/i.test(t)), `no confirmation link: ${titles.join(' | ')}`);
  });

  test('an opt-out filed by an agent is not approved by policy: staff approve it', async () => {
    const { row, handle } = await suite.h.start({ type: 'noSale', regulation: 'CCPA', staffVerifies: true });
    const result = await suite.h.withWorker(async () => {
      await reach(handle, 'in_assessment');
      await suite.env.sleep(DAY);
      assert.equal((await handle.query(stateQuery)).status, 'in_assessment', 'waits for staff');
      await handle.executeUpdate(assessUpdate, { args: [{ decision: 'approve', actor: 'dpo-jane' }] });
      return settled(handle);
    });
    assert.deepEqual(result, { requestId: row.id, status: 'completed' });
  });
});
