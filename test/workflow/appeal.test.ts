import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import proto from '@temporalio/proto';
import { describe, test } from 'node:test';
import { findAppeal, insertAppeal } from '../../src/db/appeals.ts';
import { listRequestEvents } from '../../src/db/audit.ts';
import { insertNote } from '../../src/db/requests.ts';
import { appealDeadline } from '../../src/domain/appeals.ts';
import { appealWorkflowIdFor, startAppealWorkflow } from '../../src/workflow-client/appeals.ts';
import type { appeal } from '../../src/workflows/appeal.ts';
import { appealStateQuery, assessUpdate, decideAppealUpdate, verifyUpdate } from '../../src/workflows/messages.ts';
import { historyText, scheduledActivities } from '../support/history.ts';
import { eventually } from '../support/requests.ts';
import { DAY, reach, refusedWith, settled, useTimeSkipping } from '../support/workflow-harness.ts';

const staff = 'dpo-jane';

describe('appeal workflow on the time-skipping server', () => {
  const suite = useTimeSkipping('appeals');

  test('Virginia: a refusal carries the appeal link; the appeal is due in 60 days (Va. Code 59.1-577(C)), reminds staff, goes overdue, and its denial tells the consumer how to reach the Attorney General', async () => {
    const { row, subject, handle } = await suite.h.start({ type: 'access', regulation: 'VCDPA' });
    await suite.h.withWorker(async () => {
      await reach(handle, 'awaiting_verification');
      await handle.executeUpdate(verifyUpdate, { args: [{ outcome: 'verified', method: 'document_check', actor: staff }] });
      await handle.executeUpdate(assessUpdate, { args: [{ decision: 'reject', rejectionReason: 'excessive', actor: staff }] });
      await settled(handle);
    });
    const refusal = await suite.mail.waitFor((m) => m.to.includes(subject.email) && /could not be fulfilled/.test(m.subject));
    assert.match(refusal.text, /You may appeal this decision \(Va\. Code 59\.1-577\(C\)\): open http\S+\/appeal\/[A-Za-z0-9_-]{43} /);
    assert.match(refusal.text, /Attorney General of Virginia/);

    // Filed as the API does (api/appeals/file-appeal.ts): the record, then the workflow.
    const receivedAt = new Date(await suite.env.currentTimeMs());
    const { dueAt } = appealDeadline('VCDPA', receivedAt);
    const appealId = randomUUID();
    const { row: filed } = await insertAppeal(suite.pg.pool, {
      id: appealId,
      requestId: row.id,
      organizationId: row.organization_id,
      regulation: 'VCDPA',
      channel: 'subject',
      receivedAt: receivedAt.toISOString(),
      dueAt: dueAt.toISOString(),
      workflowId: appealWorkflowIdFor(appealId),
      createdBy: 'subject',
      statement: { noteId: randomUUID(), body: `I am ${subject.fullName} and I want my data` },
    });
    const days = (Date.parse(filed.due_at) - receivedAt.getTime()) / DAY;
    assert.ok(days > 59.5 && days < 61, `due ~60 days after the appeal, got ${days.toFixed(1)}`);
    await startAppealWorkflow(suite.env.client, filed, suite.h.settings);
    const appealHandle = suite.env.client.workflow.getHandle<typeof appeal>(filed.workflow_id);

    const reasons = 'Your earlier requests this year were answered in full; this one repeats them.';
    await suite.h.withWorker(async () => {
      await suite.mail.waitFor((m) => m.to.includes(subject.email) && /received your appeal/.test(m.subject));
      await suite.env.sleep(Date.parse(filed.due_at) - (await suite.env.currentTimeMs()) + DAY);
      await eventually(async () => ((await appealHandle.query(appealStateQuery)).overdue ? true : undefined), 10_000, 'appeal overdue');
      const noteId = randomUUID();
      await insertNote(suite.pg.pool, { id: noteId, requestId: row.id, author: staff, body: reasons });
      const state = await appealHandle.executeUpdate(decideAppealUpdate, { args: [{ decision: 'denied', noteId, actor: staff }] });
      assert.equal(state.status, 'denied');
      assert.equal(await refusedWith(appealHandle.executeUpdate(decideAppealUpdate, { args: [{ decision: 'granted', noteId, actor: staff }] })), 'APPEAL.DECIDED');
      assert.deepEqual(await appealHandle.result(), { appealId, status: 'denied' });
    });

    const history = await appealHandle.fetchHistory();
    if (process.env.RECORD_HISTORIES) writeFileSync('test/fixtures/histories/vcdpa-appeal-overdue-denied.binpb', proto.temporal.api.history.v1.History.encode(history).finish());
    const alerts = scheduledActivities(history).filter((a) => a.type === 'alertStaffOfAppeal');
    const at = (kind: string, daysBefore?: number) => alerts.find((a) => a.input.kind === kind && a.input.daysBefore === daysBefore)?.at;
    const near = (actual: number | undefined, expected: number, what: string) =>
      assert.ok(actual !== undefined && Math.abs(actual - expected) < 60_000, `${what}: ${actual && new Date(actual).toISOString()} vs ${new Date(expected).toISOString()}`);
    near(at('reminder', 7), Date.parse(filed.due_at) - 7 * DAY, '7-day reminder');
    near(at('reminder', 2), Date.parse(filed.due_at) - 2 * DAY, '2-day reminder');
    near(at('overdue'), Date.parse(filed.due_at), 'overdue escalation');
    const staffMail = suite.mail.messages().filter((m) => m.to.includes('privacy-team@dsrflow.test') && m.subject.includes(`appeal of request ${row.id}`));
    assert.deepEqual(staffMail.map((m) => m.subject.split(' ').at(-1)).sort(), ['overdue', 'soon', 'soon']);

    const denial = await suite.mail.waitFor((m) => m.to.includes(subject.email) && /appeal of request .* was denied/.test(m.subject));
    assert.match(denial.text, new RegExp(reasons.replace(/[.;]/g, '\\$&')));
    assert.match(denial.text, /Attorney General of Virginia online at https:\/\/www\.oag\.state\.va\.us\//);

    const stored = await findAppeal(suite.pg.pool, appealId);
    assert.equal(stored?.status, 'denied');
    assert.equal(stored?.overdue, true);
    assert.equal(stored?.decided_by, staff);
    const actions = (await listRequestEvents(suite.pg.pool, row.id)).map((e) => e.action);
    for (const action of ['appeal.received', 'appeal.overdue', 'appeal.denied']) assert.ok(actions.includes(action), `audit has ${action}`);
    // Ids and decisions only: neither the consumer's identifiers, their statement nor staff's reasons are in the history.
    const text = historyText(history);
    for (const value of [subject.email, subject.fullName, reasons]) assert.ok(!text.includes(value), `appeal history contains ${value}`);
  });
});
