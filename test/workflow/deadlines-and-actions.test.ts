import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { WorkflowNotFoundError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { describe, test } from 'node:test';
import { listRequestEvents } from '../../src/db/audit.ts';
import { findRequest } from '../../src/db/requests.ts';
import { subjectDate } from '../../src/activities/subject-mail.ts';
import { applyClockStop, computeDeadlines } from '../support/deadlines.ts';
import { assessUpdate, cancelUpdate, completeUpdate, extendUpdate, stateQuery, verificationSignal, verifyUpdate } from '../../src/workflows/messages.ts';
import { scheduledActivities } from '../support/history.ts';
import { eventually } from '../support/requests.ts';
import { DAY, reach, refusedWith, settled, useTimeSkipping } from '../support/workflow-harness.ts';

const staff = 'dpo-jane';
const verified = { outcome: 'verified', method: 'document_check', actor: staff } as const;

describe('rightsRequest on the time-skipping server: deadlines, extensions and invalid actions', () => {
  const suite = useTimeSkipping('rights-request-deadlines');

  test('CCPA: one extension to 90 days from receipt, told to the subject; no second one past the cap', async () => {
    const { row, subject, handle } = await suite.h.start({ type: 'erasure', regulation: 'CCPA' });
    await suite.h.withWorker(async () => {
      await reach(handle, 'awaiting_verification');
      await handle.executeUpdate(verifyUpdate, { args: [verified] });
      await reach(handle, 'in_assessment');
      const state = await handle.executeUpdate(extendUpdate, { args: [{ reason: 'complexity', actor: staff }] });
      const receipt = Date.parse(row.received_at);
      const days = (Date.parse(state.dueAt) - receipt) / DAY;
      assert.ok(days > 89 && days < 91, `due ~90 days after receipt, got ${days.toFixed(1)}`);
      assert.equal(state.extended, true);
      assert.equal(state.originalDueAt, row.due_at);
      assert.equal(await refusedWith(handle.executeUpdate(extendUpdate, { args: [{ reason: 'complexity', actor: staff }] })), 'EXTENSION.LIMIT_REACHED');
      await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'entered_in_error', actor: staff }] });
      await settled(handle);
    });
    const stored = await findRequest(suite.pg.pool, row.id);
    assert.equal(stored?.extensions_used, 1);
    assert.ok(stored?.extended_due_at);
    const notice = await suite.mail.waitFor((m) => m.to.includes(subject.email) && /more time/.test(m.subject));
    assert.match(notice.text, /because your request is complex/);
    assert.match(notice.text, new RegExp(`respond by ${subjectDate(stored!, stored!.extended_due_at!)}`));
  });

  test('reminders 7 and 2 days before the due date and the overdue escalation fire at their instants; no extension after the due date', async () => {
    const { row, handle } = await suite.h.start({ type: 'access', regulation: 'GDPR' });
    const dueAt = Date.parse(row.due_at);
    await suite.h.withWorker(async () => {
      await reach(handle, 'awaiting_verification');
      await handle.executeUpdate(verifyUpdate, { args: [verified] });
      await reach(handle, 'in_assessment');
      await suite.env.sleep(dueAt - (await suite.env.currentTimeMs()) + DAY);
      await eventually(async () => ((await handle.query(stateQuery)).overdue ? true : undefined), 10_000, 'overdue');
      assert.equal(await refusedWith(handle.executeUpdate(extendUpdate, { args: [{ reason: 'complexity', actor: staff }] })), 'EXTENSION.AFTER_DUE_DATE');
      await handle.executeUpdate(completeUpdate, { args: [{ actor: staff }] });
      await settled(handle);
    });
    const alerts = scheduledActivities(await handle.fetchHistory()).filter((a) => a.type === 'alertStaff');
    const at = (kind: string, daysBefore?: number) => alerts.find((a) => a.input.kind === kind && a.input.daysBefore === daysBefore)?.at;
    const near = (actual: number | undefined, expected: number, what: string) =>
      assert.ok(actual !== undefined && Math.abs(actual - expected) < 60_000, `${what}: ${actual && new Date(actual).toISOString()} vs ${new Date(expected).toISOString()}`);
    near(at('reminder', 7), dueAt - 7 * DAY, '7-day reminder');
    near(at('reminder', 2), dueAt - 2 * DAY, '2-day reminder');
    near(at('overdue'), dueAt, 'overdue escalation');
    const stored = await findRequest(suite.pg.pool, row.id);
    assert.equal(stored?.overdue, true);
    assert.equal(stored?.status, 'completed');
    const staffMail = suite.mail.messages().filter((m) => m.to.includes('privacy-team@dsrflow.test') && m.subject.includes(row.id));
    assert.deepEqual(staffMail.map((m) => m.subject.replace(/.*\) /, '').replace(/.* request [^ ]+ /, '')).sort(), ['due soon', 'due soon', 'overdue']);
  });

  test('UK GDPR stops the clock while waiting for identity; CCPA never moves its deadline', async () => {
    const uk = await suite.h.start({ type: 'access', regulation: 'UK_GDPR' });
    // Opened before calendars travelled with requests: its workflow has none and counts with the frozen list.
    const legacy = await suite.h.start({ type: 'access', regulation: 'UK_GDPR', withoutCalendar: true });
    const ccpa = await suite.h.start({ type: 'access', regulation: 'CCPA' });
    await suite.h.withWorker(async () => {
      await reach(uk.handle, 'awaiting_verification');
      await reach(legacy.handle, 'awaiting_verification');
      await reach(ccpa.handle, 'awaiting_verification');
      await suite.env.sleep(5 * DAY + 60_000);
      const ukState = await uk.handle.executeUpdate(verifyUpdate, { args: [verified] });
      const ccpaState = await ccpa.handle.executeUpdate(verifyUpdate, { args: [verified] });
      const legacyState = await legacy.handle.executeUpdate(verifyUpdate, { args: [verified] });
      // The update answers once the workflow has acted on it: verified, the clock stopped, in assessment.
      assert.equal(ukState.status, 'in_assessment');
      assert.equal(ccpaState.status, 'in_assessment');
      const expected = applyClockStop({ regulation: 'UK_GDPR', type: 'access', receivedAt: new Date(uk.row.received_at), pausedDays: 5, extended: false });
      assert.equal(ukState.dueAt, expected.dueAt.toISOString(), 'the answer carries the moved due date');
      assert.equal(legacyState.dueAt, applyClockStop({ regulation: 'UK_GDPR', type: 'access', receivedAt: new Date(legacy.row.received_at), pausedDays: 5, extended: false }).dueAt.toISOString(), 'a request without a calendar lands where it always would have');
      assert.equal((await uk.handle.query(stateQuery)).dueAt, expected.dueAt.toISOString());
      assert.equal((await uk.handle.query(stateQuery)).pausedDays, 5);
      assert.equal((await ccpa.handle.query(stateQuery)).dueAt, ccpa.row.due_at, 'CCPA counts from receipt whatever verification took');
      assert.equal(ccpaState.pausedDays, 0);
      for (const r of [uk, legacy, ccpa]) await r.handle.executeUpdate(cancelUpdate, { args: [{ reason: 'withdrawn_by_subject', actor: staff }] });
      await settled(uk.handle);
      await settled(legacy.handle);
      await settled(ccpa.handle);
      // A history whose input carries the calendar, for test/workflow/replay.test.ts.
      if (process.env.RECORD_HISTORIES) writeFileSync('test/fixtures/histories/uk-gdpr-clock-stopped-with-calendar.binpb', proto.temporal.api.history.v1.History.encode(await uk.handle.fetchHistory()).finish());
    });
    assert.equal((await findRequest(suite.pg.pool, uk.row.id))?.paused_days, 5);
    assert.ok((await listRequestEvents(suite.pg.pool, uk.row.id)).some((e) => e.action === 'deadline.clock_stopped'));
  });

  test('an opt-out of sale completes with no verification, approved by policy, well inside 15 business days', async () => {
    const { row, handle } = await suite.h.start({ type: 'noSale', regulation: 'CCPA' });
    const deadlines = computeDeadlines({ regulation: 'CCPA', type: 'noSale', receivedAt: new Date(row.received_at) });
    assert.equal(deadlines.verification, 'notAllowed');
    const result = await suite.h.withWorker(() => settled(handle));
    assert.equal(result.status, 'completed');
    const events = await listRequestEvents(suite.pg.pool, row.id);
    assert.ok(!events.some((e) => e.to_status === 'awaiting_verification'), 'never asked to verify');
    assert.ok(events.some((e) => e.action === 'assessment.approved' && e.actor === 'policy'));
    const completedAt = Date.parse((await findRequest(suite.pg.pool, row.id))!.completed_at!);
    assert.ok(completedAt < deadlines.dueAt.getTime(), 'completed before the 15-business-day deadline');
  });

  test('invalid transitions are refused with a reason, and nothing valid is lost', async () => {
    const { row, handle } = await suite.h.start({ type: 'access', regulation: 'GDPR' });
    await suite.h.withWorker(async () => {
      await reach(handle, 'awaiting_verification');
      assert.equal(await refusedWith(handle.executeUpdate(assessUpdate, { args: [{ decision: 'approve', actor: staff }] })), 'REQUEST.INVALID_TRANSITION');
      assert.equal(await refusedWith(handle.executeUpdate(completeUpdate, { args: [{ actor: staff }] })), 'REQUEST.INVALID_TRANSITION');
      // A typo from an operator's JSON is refused, never read as "verified" or "approve".
      assert.equal(await refusedWith(handle.executeUpdate(verifyUpdate, { args: [{ outcome: 'fail', method: 'document_check', actor: staff } as never] })), 'ACTION.MALFORMED');
      assert.equal(await refusedWith(handle.executeUpdate(verifyUpdate, { args: [{ outcome: 'verified', method: 'document_check' } as never] })), 'ACTION.MALFORMED');
      // Two decisions at once: exactly one is applied, the other refused - never both accepted and one dropped.
      const outcomes = await Promise.allSettled([handle.executeUpdate(verifyUpdate, { args: [verified] }), handle.executeUpdate(verifyUpdate, { args: [{ ...verified, actor: 'dpo-joe' }] })]);
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
      await reach(handle, 'in_assessment');
      // An operator's invalid signal (verification again) is refused in the audit trail, not applied.
      await handle.signal(verificationSignal, { ...verified, actor: 'operator-cli' });
      await eventually(async () => ((await listRequestEvents(suite.pg.pool, row.id)).some((e) => e.action === 'action.refused') ? true : undefined));
      // Two assessments at once: one is applied, the other refused while the first is still being recorded.
      const assessed = await Promise.allSettled([
        handle.executeUpdate(assessUpdate, { args: [{ decision: 'approve', actor: staff }] }),
        handle.executeUpdate(assessUpdate, { args: [{ decision: 'approve', actor: 'dpo-joe' }] }),
      ]);
      assert.equal(assessed.filter((o) => o.status === 'fulfilled').length, 1, 'exactly one of two simultaneous assessments is applied');
      await settled(handle);
    });
    assert.equal((await findRequest(suite.pg.pool, row.id))?.status, 'completed');
    const refusedSignal = (await listRequestEvents(suite.pg.pool, row.id)).find((e) => e.action === 'action.refused');
    assert.equal(refusedSignal?.actor, 'operator-cli');
    assert.equal(refusedSignal?.details.code, 'REQUEST.INVALID_TRANSITION');
    await assert.rejects(handle.executeUpdate(cancelUpdate, { args: [{ reason: 'duplicate', actor: staff }] }), (e: Error) => e instanceof WorkflowNotFoundError || /already completed/i.test(e.message), 'nothing after completion: the closed workflow takes no update');
  });

  test('cancellation while in assessment closes the request and tells the subject', async () => {
    const { row, subject, handle } = await suite.h.start({ type: 'object', regulation: 'GDPR' });
    const result = await suite.h.withWorker(async () => {
      await reach(handle, 'awaiting_verification');
      await handle.executeUpdate(verifyUpdate, { args: [verified] });
      await reach(handle, 'in_assessment');
      await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'withdrawn_by_subject', actor: staff }] });
      assert.equal(await refusedWith(handle.executeUpdate(cancelUpdate, { args: [{ reason: 'duplicate', actor: staff }] })), 'REQUEST.DECISION_PENDING');
      return settled(handle);
    });
    assert.equal(result.status, 'cancelled');
    const cancelled = (await listRequestEvents(suite.pg.pool, row.id)).find((e) => e.to_status === 'cancelled');
    assert.equal(cancelled?.reason, 'withdrawn_by_subject');
    assert.equal(cancelled?.actor, staff);
    await suite.mail.waitFor((m) => m.to.includes(subject.email) && /cancelled/.test(m.subject));
  });
});
