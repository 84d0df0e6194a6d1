// Quebec's private-sector Act (as amended by Law 25) and the revised Swiss FADP: one vector per rule encoded.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allowedTypes, REGULATIONS } from '../../src/domain/regulations.ts';
import { holidaysOf } from '../../src/platform/holiday-calendars.ts';
import { appealDeadlines, computeDeadlines } from '../support/deadlines.ts';
import { at, extend } from './deadline-helpers.ts';

describe('Quebec (CQLR c. P-39.1)', () => {
  test('s. 32: a written answer within 30 days of receipt, no roll-forward, no extension', () => {
    const d = computeDeadlines({ regulation: 'QC_LAW25', type: 'access', receivedAt: at('2026-06-01T16:00:00Z') });
    assert.equal(d.dueOn, '2026-07-01'); // Canada Day: the date stays (the safe reading)
    assert.equal(d.calendarId, 'CA-QC');
    const plan = extend('QC_LAW25', '2026-06-01T16:00:00Z', '2026-06-10T12:00:00Z');
    assert.equal(!plan.ok && plan.code, 'EXTENSION.NOT_ALLOWED');
  });

  test('ss. 27-28: access, a structured copy, rectification and deletion; s. 42: no appeal to the enterprise', () => {
    assert.deepEqual(allowedTypes('QC_LAW25'), ['access', 'export', 'rectify', 'erasure']);
    assert.equal(appealDeadlines({ regulation: 'QC_LAW25', appealReceivedAt: at('2026-06-01T16:00:00Z') }), null);
  });

  test('the Quebec calendar: Fete nationale (24 Jun) and National Patriots\' Day, not the federal Remembrance Day', () => {
    assert.ok(holidaysOf('CA-QC', 2026).includes('2026-06-24'));
    assert.ok(holidaysOf('CA-QC', 2026).includes('2026-05-18'));
    assert.ok(!holidaysOf('CA-QC', 2026).includes('2026-11-11'));
    // PIPEDA may count with Quebec's calendar for a controller established there.
    assert.equal(computeDeadlines({ regulation: 'PIPEDA', type: 'access', receivedAt: at('2026-06-01T16:00:00Z'), calendarId: 'CA-QC' }).calendarId, 'CA-QC');
  });
});

describe('Switzerland (FADP SR 235.1, DPO SR 235.11)', () => {
  test('DPO Art. 18(1): information within 30 days; Art. 18(2): a longer period announced inside them (capped at 60 days here)', () => {
    const d = computeDeadlines({ regulation: 'FADP', type: 'access', receivedAt: at('2026-06-01T10:00:00Z') });
    assert.equal(d.dueOn, '2026-07-01');
    assert.equal(d.timeZone, 'Europe/Zurich');
    const plan = extend('FADP', '2026-06-01T10:00:00Z', '2026-06-20T10:00:00Z');
    assert.deepEqual(plan.ok && plan.dueOn, '2026-07-31');
  });

  test('Art. 25(6), DPO Art. 19: free, no repeat count; no appeal to the controller', () => {
    assert.deepEqual(REGULATIONS.FADP.repeats.limits, []);
    assert.equal(appealDeadlines({ regulation: 'FADP', appealReceivedAt: at('2026-06-01T10:00:00Z') }), null);
    assert.ok(holidaysOf('CH', 2026).includes('2026-08-01')); // Bundesfeiertag
  });
});

describe('regimes without an appeal to the controller', () => {
  test('GDPR Art. 77, UK GDPR, CCPA, LGPD, PIPEDA: a complaint to the authority instead', () => {
    for (const code of ['GDPR', 'UK_GDPR', 'CCPA', 'LGPD', 'PIPEDA'] as const) assert.equal(REGULATIONS[code].appeal, null, code);
  });
});
