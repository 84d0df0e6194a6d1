import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appealDeadline, appealRuleFor, checkAppealable, checkAppealDecision } from '../../src/domain/appeals.ts';
import { AUTHORITIES } from '../../src/domain/authorities.ts';
import { REGULATION_CODES } from '../../src/domain/regulations.ts';

const base = { status: 'rejected' as const, partial: false, decidedAt: new Date('2026-03-01T12:00:00Z'), now: new Date('2026-03-10T12:00:00Z'), alreadyAppealed: false };

describe('appeals: which laws grant one, and its decision deadline', () => {
  test('Va. Code 59.1-577(C): decided within 60 days of the appeal, counted in Virginia', () => {
    const d = appealDeadline('VCDPA', new Date('2026-03-10T03:00:00Z'));
    // 03:00 UTC is still 9 March in Virginia: day 60 after it is 8 May.
    assert.equal(d.receivedOn, '2026-03-09');
    assert.equal(d.dueOn, '2026-05-08');
    assert.equal(d.dueAt.toISOString(), '2026-05-09T03:59:59.999Z');
  });

  test('C.R.S. 6-1-1306(3): Colorado decides within 45 days (extendable by 60)', () => {
    assert.equal(appealDeadline('CPA', new Date('2026-06-01T18:00:00Z')).dueOn, '2026-07-16');
    assert.deepEqual(appealRuleFor('CPA')?.extension?.by, { amount: 60, unit: 'calendarDays' });
  });

  test('Conn. Gen. Stat. 42-518(d) and Tex. Bus. & Com. Code 541.053: 60 days', () => {
    assert.equal(appealDeadline('CTDPA', new Date('2026-01-15T15:00:00Z')).dueOn, '2026-03-16');
    assert.equal(appealDeadline('TDPSA', new Date('2026-01-15T15:00:00Z')).dueOn, '2026-03-16');
  });

  test('no appeal under GDPR, UK GDPR, CCPA, Utah (13-61-203), LGPD or PIPEDA: 409 APPEAL.NOT_GRANTED', () => {
    for (const regulation of ['GDPR', 'UK_GDPR', 'CCPA', 'UCPA', 'LGPD', 'PIPEDA']) {
      assert.equal(appealRuleFor(regulation), null, regulation);
      assert.deepEqual(checkAppealable({ ...base, regulation }).ok ? 'ok' : (checkAppealable({ ...base, regulation }) as { code: string }).code, 'APPEAL.NOT_GRANTED');
    }
  });

  test('a refusal or a partial answer is appealable, once; a full answer, an open or cancelled request is not', () => {
    const verdict = (over: Partial<Parameters<typeof checkAppealable>[0]>) => {
      const v = checkAppealable({ ...base, regulation: 'VCDPA', ...over });
      return v.ok ? 'ok' : v.code;
    };
    assert.equal(verdict({}), 'ok');
    assert.equal(verdict({ status: 'completed', partial: true }), 'ok');
    assert.equal(verdict({ status: 'completed' }), 'APPEAL.NOT_APPEALABLE');
    assert.equal(verdict({ status: 'in_assessment' }), 'APPEAL.NOT_APPEALABLE');
    assert.equal(verdict({ status: 'cancelled' }), 'APPEAL.NOT_APPEALABLE');
    assert.equal(verdict({ alreadyAppealed: true }), 'APPEAL.ALREADY_FILED');
    // The four laws set no period to appeal in ("a reasonable period"): a late appeal is still taken.
    assert.equal(verdict({ now: new Date('2030-01-01T00:00:00Z') }), 'ok');
  });

  test('a decision: once, with reasons, by a named actor', () => {
    const noteId = '0b1f6a36-8f43-4c55-9d0e-2f6b1a1e1c11';
    assert.deepEqual(checkAppealDecision('received', { decision: 'denied', noteId, actor: 'dpo' }), { ok: true });
    assert.equal((checkAppealDecision('received', { decision: 'denied', actor: 'dpo' }) as { code: string }).code, 'APPEAL.REASONS_REQUIRED');
    assert.equal((checkAppealDecision('received', { decision: 'maybe', noteId, actor: 'dpo' }) as { code: string }).code, 'ACTION.MALFORMED');
    assert.equal((checkAppealDecision('denied', { decision: 'granted', noteId, actor: 'dpo' }) as { code: string }).code, 'APPEAL.DECIDED');
  });

  test('every regime names who to complain to (authorities.ts)', () => {
    for (const code of REGULATION_CODES) {
      const a = AUTHORITIES[code];
      assert.ok(a, `${code} has an authority`);
      assert.match(a.complaintUrl, /^https:\/\//, code);
      assert.ok(a.howToComplain.includes(a.complaintUrl), `${code}: the sentence carries the address`);
    }
  });
});
