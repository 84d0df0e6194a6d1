// The US state acts in force by 2026: one vector per rule each row encodes, with the statute section in the name.
// Request received Mon 2 Mar 2026 (45 days: Thu 16 Apr; 90: Sun 31 May; 135: Wed 15 Jul); appeal received
// Mon 1 Jun 2026 (45 days: Thu 16 Jul; 60: Fri 31 Jul; 105: Mon 14 Sep). No roll-forward in any state act.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allowedTypes, REGULATIONS, typeRuleFor, verificationPolicy, type RegulationCode } from '../../src/domain/regulations.ts';
import { appealDeadlines, computeDeadlines } from '../support/deadlines.ts';
import { at, extend } from './deadline-helpers.ts';

interface StateCase {
  code: RegulationCode;
  response: string;
  extension: string;
  once: boolean;
  /** [section, due, due with extension or null] */
  appeal: [string, string, string | null];
  free: [string, number] | null;
  noCorrection?: string;
}

const RECEIVED = '2026-03-02T18:00:00Z';
const APPEAL_RECEIVED = at('2026-06-01T18:00:00Z');
const STATES: StateCase[] = [
  { code: 'VCDPA', response: 'Va. Code 59.1-577(B)', extension: 'Va. Code 59.1-577(B)(1)', once: true, appeal: ['59.1-577(C)', '2026-07-31', null], free: ['59.1-577(B)(3)', 2] },
  { code: 'CPA', response: 'C.R.S. 6-1-1306(2)(a)', extension: 'C.R.S. 6-1-1306(2)(b)', once: false, appeal: ['6-1-1306(3)', '2026-07-16', '2026-09-14'], free: null },
  { code: 'CTDPA', response: 'Conn. Gen. Stat. 42-518(c)(1)', extension: '42-518(c)(1)', once: false, appeal: ['42-518(d)', '2026-07-31', null], free: ['42-518(c)(3)', 1] },
  { code: 'TDPSA', response: 'Tex. Bus. & Com. Code 541.052(b)', extension: '541.052(b) (once)', once: true, appeal: ['541.053', '2026-07-31', null], free: ['541.052(d)', 2] },
  { code: 'OCPA', response: 'ORS 646A.576(5)(a)', extension: 'ORS 646A.576(5)(a)', once: true, appeal: ['ORS 646A.576(6)(d)', '2026-07-16', null], free: ['ORS 646A.576(5)(c)', 1] },
  { code: 'MTCDPA', response: 'Mont. Code Ann. 30-14-2808(4)(a)', extension: '30-14-2808(4)(a)', once: false, appeal: ['30-14-2808', '2026-07-31', null], free: ['30-14-2808(4)(c)', 1] },
  { code: 'ICDPA', response: 'Iowa Code 715D.3(2)(a) (90 days)', extension: '715D.3(2)(a) (+45)', once: true, appeal: ['715D.3(3)', '2026-07-31', null], free: ['715D.3(2)(c)', 2], noCorrection: 'Iowa Code 715D.3(1)' },
  { code: 'DPDPA', response: 'Del. Code tit. 6, 12D-104(c)(1)', extension: '12D-104(c)(1)', once: false, appeal: ['12D-104(d)', '2026-07-31', null], free: ['12D-104(c)(3)', 1] },
  { code: 'NEDPA', response: 'Neb. Rev. Stat. 87-1108(2)', extension: '87-1108(2) (once)', once: true, appeal: ['87-1109', '2026-07-31', null], free: ['87-1108(4)', 2] },
  { code: 'NHPA', response: 'RSA 507-H:4', extension: 'RSA 507-H:4', once: true, appeal: ['RSA 507-H:4', '2026-07-31', null], free: ['RSA 507-H:4', 1] },
  { code: 'NJDPA', response: 'N.J.S.A. 56:8-166.7(a)', extension: '56:8-166.7(a)', once: false, appeal: ['56:8-166.4 et seq.', '2026-07-16', null], free: ['56:8-166.7(d)', 1] },
  { code: 'TIPA', response: 'Tenn. Code 47-18-3304(b)(1)', extension: '47-18-3304(b)(1) (once)', once: true, appeal: ['47-18-3304(c)', '2026-07-31', null], free: ['47-18-3304(b)(3)', 2] },
  { code: 'MNCDPA', response: 'Minn. Stat. 325M.14 subd. 4', extension: '325M.14 subd. 4', once: false, appeal: ['325M.14 subd. 5', '2026-07-16', '2026-09-14'], free: ['325M.14 subd. 4', 2] },
  { code: 'MODPA', response: 'Md. Code, Com. Law 14-4705', extension: '14-4705', once: true, appeal: ['14-4705', '2026-07-31', null], free: ['14-4705', 1] },
  { code: 'INCDPA', response: 'Ind. Code 24-15-3-1(c)(1)', extension: '24-15-3-1(c)(1) (once)', once: true, appeal: ['24-15-3-1(d)', '2026-07-31', null], free: ['24-15-3-1(c)(3)', 1] },
  { code: 'KCDPA', response: 'KRS 367.3615', extension: '367.3615', once: true, appeal: ['367.3615(4)', '2026-07-31', null], free: ['367.3615', 2] },
  { code: 'RIDTPPA', response: 'R.I. Gen. Laws 6-48.1-6(b)(1)', extension: '6-48.1-6(b)(1)', once: false, appeal: ['6-48.1-6(b)(4)', '2026-07-31', null], free: ['6-48.1-6(b)(3)', 1] },
];

for (const s of STATES) {
  describe(`${s.code} (${REGULATIONS[s.code].name})`, () => {
    const iowa = s.code === 'ICDPA';
    test(`${s.response}: response due ${iowa ? '90' : '45'} days after receipt, no roll-forward`, () => {
      const d = computeDeadlines({ regulation: s.code, type: 'access', receivedAt: at(RECEIVED) });
      assert.equal(d.dueOn, iowa ? '2026-05-31' : '2026-04-16');
      assert.equal(d.extension.maxDueOn, iowa ? '2026-07-15' : '2026-05-31');
    });

    test(`${s.extension}: one extension of 45 days noticed inside the first period${s.once ? ', and only once' : ''}`, () => {
      const first = extend(s.code, RECEIVED, '2026-03-20T12:00:00Z');
      assert.deepEqual(first.ok && first.dueOn, iowa ? '2026-07-15' : '2026-05-31');
      const late = extend(s.code, RECEIVED, iowa ? '2026-06-02T12:00:00Z' : '2026-04-18T12:00:00Z');
      assert.equal(!late.ok && late.code, 'EXTENSION.AFTER_DUE_DATE');
      assert.equal(typeRuleFor(s.code, 'access').extension.maxExtensions, s.once ? 1 : null);
      if (s.once) {
        const second = extend(s.code, RECEIVED, '2026-03-21T12:00:00Z', { extensionsUsed: 1 });
        assert.equal(!second.ok && second.code, 'EXTENSION.LIMIT_REACHED');
      } else {
        // No count in the text: a second extension is refused all the same, the total being used.
        const second = extend(s.code, RECEIVED, '2026-03-21T12:00:00Z', { extensionsUsed: 1, currentDueAt: first.ok ? first.dueAt : new Date(0) });
        assert.equal(!second.ok && second.code, 'EXTENSION.LIMIT_REACHED');
      }
    });

    test(`${s.appeal[0]}: appeal decided by ${s.appeal[1]}${s.appeal[2] ? `, extendable to ${s.appeal[2]}` : ''}; a denial names the Attorney General`, () => {
      const appeal = appealDeadlines({ regulation: s.code, appealReceivedAt: APPEAL_RECEIVED });
      assert.ok(appeal);
      assert.equal(appeal.dueOn, s.appeal[1]);
      assert.equal(appeal.maxDueOn, s.appeal[2]);
      assert.equal(appeal.attorneyGeneralNotice, true);
    });

    test(`${s.free ? `${s.free[0]}: free ${s.free[1] === 1 ? 'once' : 'twice'} in 12 months, then a fee` : 'no free-request count modelled'}; opt-outs need no verification`, () => {
      const limits = REGULATIONS[s.code].repeats.limits;
      assert.deepEqual(limits.map((l) => [l.max, l.then, l.window.amount]), s.free ? [[s.free[1], 'fee', 12]] : []);
      assert.equal(verificationPolicy(s.code, 'noSale'), 'notAllowed');
      assert.equal(verificationPolicy(s.code, 'access'), 'required');
    });

    if (s.noCorrection) {
      test(`${s.noCorrection}: no right to correct`, () => {
        assert.deepEqual(allowedTypes(s.code), ['access', 'export', 'erasure', 'noSale']);
      });
    }
  });
}

describe('UCPA (Utah)', () => {
  test('Utah Code 13-61-203: no appeal to the controller', () => {
    assert.equal(appealDeadlines({ regulation: 'UCPA', appealReceivedAt: APPEAL_RECEIVED }), null);
  });

  test('13-61-203(2)(b): extended once; (4)(a): the first request in 12 months is free; 201(4): a right to correct since 1 July 2026', () => {
    assert.equal(typeRuleFor('UCPA', 'access').extension.maxExtensions, 1);
    assert.deepEqual(REGULATIONS.UCPA.repeats.limits.map((l) => [l.max, l.then, l.window.amount, l.source]), [[1, 'fee', 12, 'Utah Code 13-61-203(4)(a)']]);
    // Received Mon 6 Jul 2026, after the right came into force: 45 days is Thu 20 Aug.
    const correction = computeDeadlines({ regulation: 'UCPA', type: 'rectify', receivedAt: at('2026-07-06T18:00:00Z') });
    assert.equal(correction.dueOn, '2026-08-20');
  });
});
