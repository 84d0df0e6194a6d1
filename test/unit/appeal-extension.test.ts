import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appealDeadline, appealExtensionVerdict, appealRuleFor, checkAppealExtension, type AppealExtensionFacts } from '../../src/domain/appeals.ts';

// The appeal's decision deadline, extended once where the act allows it, with the notice inside the initial period.
const noteId = '0b1f6a36-8f43-4c55-9d0e-2f6b1a1e1c11';
const request = { noteId, actor: 'dpo' };
const code = (v: ReturnType<typeof checkAppealExtension>) => (v.ok ? 'ok' : v.code);

describe('appeal extensions: where the act allows one, once, notified within the initial period', () => {
  test('C.R.S. 6-1-1306(3): Colorado extends 45 days by 60, to day 105 from receipt, counted in Denver', () => {
    const appeal: AppealExtensionFacts = { regulation: 'CPA', status: 'received', receivedAt: '2026-06-01T18:00:00.000Z', extended: false };
    const v = checkAppealExtension(appeal, appealRuleFor('CPA'), new Date('2026-07-01T12:00:00Z'), request);
    assert.ok(v.ok);
    // 1 June + 105 calendar days = 14 September, the end of that day in Colorado (MDT, UTC-6).
    assert.equal(v.dueAt.toISOString(), '2026-09-15T05:59:59.999Z');
    assert.equal(v.dueAt.toISOString(), appealDeadline('CPA', new Date(appeal.receivedAt), { extended: true }).dueAt.toISOString());
    // On the last day of the 45 (16 July, Colorado time) it is still in time; the day after it is too late.
    assert.equal(code(checkAppealExtension(appeal, appealRuleFor('CPA'), new Date('2026-07-17T05:00:00Z'), request)), 'ok');
    assert.equal(code(checkAppealExtension(appeal, appealRuleFor('CPA'), new Date('2026-07-17T06:00:00Z'), request)), 'APPEAL.EXTENSION_TOO_LATE');
  });

  test('C.R.S. 6-1-1306(3): once, while undecided, with the reasons for the delay', () => {
    const appeal: AppealExtensionFacts = { regulation: 'CPA', status: 'received', receivedAt: '2026-06-01T18:00:00.000Z', extended: false };
    const at = new Date('2026-06-20T12:00:00Z');
    assert.equal(code(checkAppealExtension({ ...appeal, extended: true }, appealRuleFor('CPA'), at, request)), 'APPEAL.ALREADY_EXTENDED');
    assert.equal(code(checkAppealExtension({ ...appeal, status: 'denied' }, appealRuleFor('CPA'), at, request)), 'APPEAL.DECIDED');
    assert.equal(code(checkAppealExtension(appeal, appealRuleFor('CPA'), at, { actor: 'dpo' })), 'APPEAL.REASONS_REQUIRED');
    assert.equal(code(checkAppealExtension(appeal, appealRuleFor('CPA'), at, { noteId })), 'ACTION.MALFORMED');
    // The state check alone (what the API and the console ask before staff type their reasons).
    assert.equal(appealExtensionVerdict(appeal, appealRuleFor('CPA'), at).ok, true);
  });

  test('Minn. Stat. 325M.14 subd. 5: Minnesota extends 45 days by 60 as well, counted in Chicago', () => {
    const appeal: AppealExtensionFacts = { regulation: 'MNCDPA', status: 'received', receivedAt: '2026-03-10T15:00:00.000Z', extended: false };
    const v = checkAppealExtension(appeal, appealRuleFor('MNCDPA'), new Date('2026-04-01T12:00:00Z'), request);
    assert.ok(v.ok);
    assert.equal(appealDeadline('MNCDPA', new Date(appeal.receivedAt)).dueOn, '2026-04-24');
    assert.equal(appealDeadline('MNCDPA', new Date(appeal.receivedAt), { extended: true }).dueOn, '2026-06-23');
    assert.equal(v.dueAt.toISOString(), '2026-06-24T04:59:59.999Z');
  });

  test('Va. Code 59.1-577(C), Conn. Gen. Stat. 42-518(d), Tex. Bus. & Com. Code 541.053: no extension; GDPR: no appeal at all', () => {
    for (const regulation of ['VCDPA', 'CTDPA', 'TDPSA']) {
      const appeal: AppealExtensionFacts = { regulation, status: 'received', receivedAt: '2026-06-01T18:00:00.000Z', extended: false };
      const v = checkAppealExtension(appeal, appealRuleFor(regulation), new Date('2026-06-10T12:00:00Z'), request);
      assert.equal(code(v), 'APPEAL.EXTENSION_NOT_GRANTED', regulation);
      assert.match(v.ok ? '' : v.reason, new RegExp(appealRuleFor(regulation)!.source.replace(/[.()]/g, '\\$&')));
    }
    assert.equal(code(checkAppealExtension({ regulation: 'GDPR', status: 'received', receivedAt: '2026-06-01T18:00:00.000Z', extended: false }, appealRuleFor('GDPR'), new Date('2026-06-10T12:00:00Z'), request)), 'APPEAL.EXTENSION_NOT_GRANTED');
    assert.throws(() => appealDeadline('VCDPA', new Date('2026-06-01T18:00:00Z'), { extended: true }), /no appeal extension/);
  });
});
