import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyClockStop, computeDeadlines } from '../support/deadlines.ts';
import { at, codeOf, dueOn, extend } from './deadline-helpers.ts';

describe('CCPA: know, delete, correct', () => {
  const receivedAt = at('2026-01-01T18:00:00Z');

  test('45 calendar days from receipt, no roll-forward: 1 Jan 2026 -> Sunday 15 Feb 2026', () => {
    const deadlines = computeDeadlines({ regulation: 'CCPA', type: 'access', receivedAt });
    assert.equal(deadlines.receivedOn, '2026-01-01');
    assert.equal(deadlines.dueOn, '2026-02-15');
    assert.equal(deadlines.dueAt.toISOString(), '2026-02-16T07:59:59.999Z'); // end of 15 Feb in PST
    assert.equal(deadlines.verification, 'required');
    assert.equal(deadlines.stopTheClock, false);
    assert.deepEqual(deadlines.extension, {
      allowed: true,
      maxExtensions: null,
      maxDueOn: '2026-04-01',
      maxDueAt: at('2026-04-02T06:59:59.999Z'), // PDT by then
    });
  });

  test('receipt counts in California time', () => {
    // 05:00 UTC on 2 Jan is 21:00 on 1 Jan in Los Angeles.
    assert.equal(computeDeadlines({ regulation: 'CCPA', type: 'erasure', receivedAt: at('2026-01-02T05:00:00Z') }).dueOn, '2026-02-15');
  });

  test('acknowledge within 10 business days, skipping weekends and California holidays', () => {
    // 1 Jan is a holiday: 2, 5, 6, 7, 8, 9, 12, 13, 14, 15 Jan.
    assert.equal(computeDeadlines({ regulation: 'CCPA', type: 'access', receivedAt }).acknowledgeBy?.toISOString(), '2026-01-16T07:59:59.999Z');
    // Fri 20 Nov 2026: Thanksgiving 26 Nov and the day after are skipped -> Tue 8 Dec.
    const thanksgiving = computeDeadlines({ regulation: 'CCPA', type: 'rectify', receivedAt: at('2026-11-20T18:00:00Z') });
    assert.equal(thanksgiving.acknowledgeBy?.toISOString(), '2026-12-09T07:59:59.999Z');
    // Wed 26 Nov 2025, the day before Thanksgiving -> Fri 12 Dec 2025.
    const eve = computeDeadlines({ regulation: 'CCPA', type: 'erasure', receivedAt: at('2025-11-26T18:00:00Z') });
    assert.equal(eve.acknowledgeBy?.toISOString(), '2025-12-13T07:59:59.999Z');
  });

  test('extension to 90 days from receipt, inside the first 45 days', () => {
    assert.deepEqual(extend('CCPA', '2026-01-01T18:00:00Z', '2026-02-10T18:00:00Z'), {
      ok: true,
      dueOn: '2026-04-01',
      dueAt: at('2026-04-02T06:59:59.999Z'),
    });
  });

  test('extension notice exactly at the end of day 45 is in time; a millisecond later is refused', () => {
    assert.equal(extend('CCPA', '2026-01-01T18:00:00Z', '2026-02-16T07:59:59.999Z').ok, true);
    const late = extend('CCPA', '2026-01-01T18:00:00Z', '2026-02-16T08:00:00.000Z');
    assert.equal(late.ok, false);
    assert.equal(!late.ok && late.code, 'EXTENSION.AFTER_DUE_DATE');
  });

  test('a second extension is refused: the 90-day total is already reached', () => {
    const plan = extend('CCPA', '2026-01-01T18:00:00Z', '2026-02-12T18:00:00Z', {
      extensionsUsed: 1,
      currentDueAt: at('2026-04-02T06:59:59.999Z'),
    });
    assert.equal(!plan.ok && plan.code, 'EXTENSION.LIMIT_REACHED');
  });

  test('a pause never moves a CCPA deadline', () => {
    const paused = applyClockStop({ regulation: 'CCPA', type: 'access', receivedAt, pausedDays: 20, extended: false });
    assert.equal(paused.dueOn, '2026-02-15');
    assert.equal(applyClockStop({ regulation: 'CCPA', type: 'access', receivedAt, pausedDays: 20, extended: true }).dueOn, '2026-04-01');
    const plan = extend('CCPA', '2026-01-01T18:00:00Z', '2026-02-20T18:00:00Z', { pausedDays: 20 });
    assert.equal(!plan.ok && plan.code, 'EXTENSION.AFTER_DUE_DATE');
  });

  test('the calendar cannot be swapped', () => {
    assert.throws(
      () => computeDeadlines({ regulation: 'CCPA', type: 'access', receivedAt, calendarId: 'WEEKENDS' }),
      codeOf('REGULATION.CALENDAR_NOT_ALLOWED'),
    );
  });
});

describe('CCPA: opt-out of sale/sharing (noSale)', () => {
  const receivedAt = at('2026-11-20T18:00:00Z');

  test('15 business days, no extension, no verification, no acknowledgement duty', () => {
    const deadlines = computeDeadlines({ regulation: 'CCPA', type: 'noSale', receivedAt });
    assert.equal(deadlines.dueOn, '2026-12-15'); // skips 26-27 Nov and weekends
    assert.equal(deadlines.verification, 'notAllowed');
    assert.equal(deadlines.acknowledgeBy, null);
    assert.deepEqual(deadlines.extension, { allowed: false, maxExtensions: 0, maxDueOn: null, maxDueAt: null });
  });

  test('15 business days over Christmas and New Year', () => {
    // Thu 17 Dec 2026: 18, 21, 22, 23, 24, 28, 29, 30, 31, 4, 5, 6, 7, 8, 11 Jan.
    assert.equal(dueOn('CCPA', '2026-12-17', undefined, 'noSale'), '2027-01-11');
  });

  test('extension refused', () => {
    const plan = extend('CCPA', '2026-11-20T18:00:00Z', '2026-11-23T18:00:00Z', { type: 'noSale' });
    assert.equal(!plan.ok && plan.code, 'EXTENSION.NOT_ALLOWED');
    assert.throws(
      () => applyClockStop({ regulation: 'CCPA', type: 'noSale', receivedAt, pausedDays: 0, extended: true }),
      codeOf('EXTENSION.NOT_ALLOWED'),
    );
  });
});

describe('US states', () => {
  test('45 days, +45 to 90, no roll-forward', () => {
    assert.equal(dueOn('VCDPA', '2026-01-01'), '2026-02-15');
    for (const regulation of ['CPA', 'CTDPA', 'UCPA', 'TDPSA'] as const) {
      const deadlines = computeDeadlines({ regulation, type: 'access', receivedAt: at('2026-03-02T17:00:00Z') });
      assert.equal(deadlines.dueOn, '2026-04-16', regulation);
      assert.equal(deadlines.extension.maxDueOn, '2026-05-31', regulation);
      assert.equal(deadlines.acknowledgeBy, null, regulation);
    }
  });

  test('Virginia, Utah, Texas: a second extension is refused (the law says once)', () => {
    for (const regulation of ['VCDPA', 'UCPA', 'TDPSA'] as const) {
      const plan = extend(regulation, '2026-03-02T17:00:00Z', '2026-03-20T17:00:00Z', { extensionsUsed: 1 });
      assert.equal(!plan.ok && plan.code, 'EXTENSION.LIMIT_REACHED', regulation);
    }
    assert.equal(extend('VCDPA', '2026-03-02T17:00:00Z', '2026-03-20T17:00:00Z').ok, true);
  });

  test('Connecticut: no count limit, but nothing left once 90 days are reached', () => {
    const first = extend('CTDPA', '2026-03-02T17:00:00Z', '2026-03-20T17:00:00Z');
    assert.equal(first.ok && first.dueOn, '2026-05-31');
    const second = extend('CTDPA', '2026-03-02T17:00:00Z', '2026-03-25T17:00:00Z', {
      extensionsUsed: 1,
      currentDueAt: first.ok ? first.dueAt : new Date(0),
    });
    assert.equal(!second.ok && second.code, 'EXTENSION.LIMIT_REACHED');
  });

  test('Texas counts in Central time', () => {
    // 04:30 UTC on 2 Mar is 22:30 on 1 Mar in Chicago.
    const deadlines = computeDeadlines({ regulation: 'TDPSA', type: 'erasure', receivedAt: at('2026-03-02T04:30:00Z') });
    assert.equal(deadlines.receivedOn, '2026-03-01');
    assert.equal(deadlines.dueAt.toISOString(), '2026-04-16T04:59:59.999Z'); // end of 15 Apr CDT
  });

  test('opt-out of sale is never verified', () => {
    assert.equal(computeDeadlines({ regulation: 'VCDPA', type: 'noSale', receivedAt: at('2026-03-02T17:00:00Z') }).verification, 'notAllowed');
  });
});
