import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { sql } from 'slonik';
import { subjectDate } from '../../src/activities/subject-mail.ts';
import { findAppeal, insertAppeal } from '../../src/db/appeals.ts';
import { listRequestEvents } from '../../src/db/audit.ts';
import { insertNote } from '../../src/db/requests.ts';
import { appealDeadline } from '../../src/domain/appeals.ts';
import type { RegulationCode } from '../../src/domain/regulations.ts';
import { appealWorkflowIdFor, startAppealWorkflow } from '../../src/workflow-client/appeals.ts';
import type { appeal } from '../../src/workflows/appeal.ts';
import { appealStateQuery, decideAppealUpdate, extendAppealUpdate } from '../../src/workflows/messages.ts';
import { dsrDueAt } from '../../src/workflows/search-attributes.ts';
import { historyText, recordedHistoryBytes, scheduledActivities } from '../support/history.ts';
import { eventually, recordRequest } from '../support/requests.ts';
import { DAY, refusedWith, useTimeSkipping } from '../support/workflow-harness.ts';

const staff = 'dpo-jane';

describe('appeal extension on the time-skipping server (C.R.S. 6-1-1306(3))', () => {
  const suite = useTimeSkipping('appeal-extensions');

  /** A refused request (in German) and its appeal, filed as the API does, with its workflow started. */
  async function appealOf(regulation: RegulationCode) {
    const receivedAt = new Date(await suite.env.currentTimeMs());
    const { row, subject } = await recordRequest(suite.pg.pool, { regulation, receivedAt });
    await suite.pg.pool.query(sql.unsafe`update dsrflow.requests set status = 'rejected', locale = 'de' where id = ${row.id}`);
    const appealId = randomUUID();
    const { row: filed } = await insertAppeal(suite.pg.pool, {
      id: appealId,
      requestId: row.id,
      organizationId: row.organization_id,
      regulation,
      channel: 'subject',
      receivedAt: receivedAt.toISOString(),
      dueAt: appealDeadline(regulation, receivedAt).dueAt.toISOString(),
      workflowId: appealWorkflowIdFor(appealId),
      createdBy: 'subject',
    });
    await startAppealWorkflow(suite.env.client, filed, suite.h.settings);
    return { request: row, subject, filed, handle: suite.env.client.workflow.getHandle<typeof appeal>(filed.workflow_id) };
  }
  const note = async (requestId: string, body: string) => {
    const noteId = randomUUID();
    await insertNote(suite.pg.pool, { id: noteId, requestId, author: staff, body });
    return noteId;
  };
  const skipTo = async (at: number) => suite.env.sleep(Math.max(1, at - (await suite.env.currentTimeMs())));

  test('Colorado extended on day 30: no overdue at day 45, reminders and overdue at day 105, the consumer told in German; once, and not after day 45; Virginia has no extension', async () => {
    const co = await appealOf('CPA');
    const late = await appealOf('CPA');
    const va = await appealOf('VCDPA');
    const received = Date.parse(co.filed.received_at);
    const initialDue = Date.parse(co.filed.due_at);
    const extendedDue = appealDeadline('CPA', new Date(received), { extended: true }).dueAt;
    const reasons = `Ihr Einspruch betrifft 14 Systeme, die wir einzeln prüfen (${co.subject.fullName} ist dort mehrfach erfasst).`;

    await suite.h.withWorker(async () => {
      await suite.mail.waitFor((m) => m.to.includes(co.subject.email) && /Einspruch/.test(m.subject));
      assert.equal(await refusedWith(va.handle.executeUpdate(extendAppealUpdate, { args: [{ noteId: await note(va.request.id, 'mehr Zeit'), actor: staff }] })), 'APPEAL.EXTENSION_NOT_GRANTED');

      await skipTo(received + 30 * DAY);
      const state = await co.handle.executeUpdate(extendAppealUpdate, { args: [{ noteId: await note(co.request.id, reasons), actor: staff }] });
      assert.equal(state.dueAt, extendedDue.toISOString());
      assert.equal(state.extended, true);
      assert.equal(await refusedWith(co.handle.executeUpdate(extendAppealUpdate, { args: [{ noteId: await note(co.request.id, 'noch mehr Zeit'), actor: staff }] })), 'APPEAL.ALREADY_EXTENDED');
      assert.equal((await co.handle.describe()).typedSearchAttributes.get(dsrDueAt)?.toISOString(), extendedDue.toISOString());
      const notice = await suite.mail.waitFor((m) => m.to.includes(co.subject.email) && /mehr Zeit/.test(m.subject));
      assert.match(notice.text, /C\.R\.S\. 6-1-1306\(3\)/);
      assert.ok(notice.text.includes(`spätestens am ${subjectDate({ locale: 'de', regulation: 'CPA' }, extendedDue.toISOString())}`), notice.text);
      assert.ok(notice.text.includes(`Warum wir mehr Zeit brauchen:\n${reasons}`), notice.text);
      const dueInRow = async () => Date.parse((await findAppeal(suite.pg.pool, co.filed.id))!.due_at);
      await eventually(async () => ((await dueInRow()) === extendedDue.getTime() ? true : undefined), 10_000, 'the appeal row to carry the new due date');

      // Day 46: the initial 45 days are over. The extended appeal is not overdue; the other one can no longer be extended.
      await skipTo(initialDue + DAY);
      await eventually(async () => ((await late.handle.query(appealStateQuery)).overdue ? true : undefined), 10_000, 'the unextended appeal overdue');
      assert.equal((await co.handle.query(appealStateQuery)).overdue, false, 'no overdue at day 45 after the extension');
      assert.equal(await refusedWith(late.handle.executeUpdate(extendAppealUpdate, { args: [{ noteId: await note(late.request.id, 'zu spät'), actor: staff }] })), 'APPEAL.EXTENSION_TOO_LATE');

      await skipTo(extendedDue.getTime() + DAY);
      await eventually(async () => ((await co.handle.query(appealStateQuery)).overdue ? true : undefined), 10_000, 'the extended appeal overdue at its new date');
      for (const a of [co, late]) await a.handle.executeUpdate(decideAppealUpdate, { args: [{ decision: 'denied', noteId: await note(a.request.id, 'Wir bleiben bei unserer Entscheidung.'), actor: staff }] });
      assert.equal((await co.handle.result()).status, 'denied');
    });

    const history = await co.handle.fetchHistory();
    if (process.env.RECORD_HISTORIES) writeFileSync('test/fixtures/histories/cpa-appeal-extended-overdue-denied.binpb', await recordedHistoryBytes(history));
    const alerts = (await scheduledActivities(history)).filter((a) => a.type === 'alertStaffOfAppeal');
    const near = (actual: number | undefined, expected: number, what: string) =>
      assert.ok(actual !== undefined && Math.abs(actual - expected) < 60_000, `${what}: ${actual && new Date(actual).toISOString()} vs ${new Date(expected).toISOString()}`);
    // The reminders of the initial date (days 38 and 43) never went out: they were re-aimed at day 105.
    assert.deepEqual(alerts.map((a) => [a.input.kind, a.input.daysBefore ?? null, a.input.extended]), [['reminder', 7, true], ['reminder', 2, true], ['overdue', null, true]]);
    near(alerts[0]?.at, extendedDue.getTime() - 7 * DAY, '7-day reminder');
    near(alerts[1]?.at, extendedDue.getTime() - 2 * DAY, '2-day reminder');
    near(alerts[2]?.at, extendedDue.getTime(), 'overdue escalation');
    const staffMail = suite.mail.messages().filter((m) => m.to.includes('privacy-team@dsrflow.test') && m.subject.includes(`appeal of request ${co.request.id}`));
    assert.deepEqual(staffMail.map((m) => m.subject.split(' ').at(-1)).sort(), ['overdue', 'soon', 'soon']);
    assert.ok(staffMail.every((m) => m.text.includes(extendedDue.toISOString().slice(0, 10))), 'staff are told the new date');

    const events = await listRequestEvents(suite.pg.pool, co.request.id);
    const extended = events.find((e) => e.action === 'appeal.extended');
    assert.equal(extended?.actor, staff);
    assert.match(extended?.reason ?? '', /C\.R\.S\. 6-1-1306\(3\)/);
    const stored = await findAppeal(suite.pg.pool, co.filed.id);
    assert.equal(stored?.extended_by, staff);
    assert.equal(Date.parse(stored!.due_at), extendedDue.getTime());
    // Ids only: neither the consumer's identifiers nor staff's reasons for the delay are in the history.
    const text = await historyText(history);
    for (const value of [co.subject.email, co.subject.fullName, reasons]) assert.ok(!text.includes(value), `appeal history contains ${value}`);
  });
});
