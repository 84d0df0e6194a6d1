import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { localDateOf } from '../../src/domain/dates.ts';
import { CALENDARS, isCalendarId } from '../../src/domain/calendars.ts';
import {
  allowedTypes,
  isTypeAllowed,
  REGULATION_CODES,
  REGULATIONS,
  regulationRule,
  typeRuleFor,
  verificationPolicy,
} from '../../src/domain/regulations.ts';
import { REQUEST_TYPES } from '../../src/domain/request.ts';

const codeOf = (code: string) => (error: unknown) => (error as { code?: string }).code === code;

describe('regulation table', () => {
  test('one row per code, keyed by its own code', () => {
    assert.deepEqual(Object.keys(REGULATIONS).sort(), [...REGULATION_CODES].sort());
    for (const code of REGULATION_CODES) assert.equal(REGULATIONS[code].code, code);
  });

  for (const code of REGULATION_CODES) {
    test(`${code}: row is internally consistent`, () => {
      const rule = REGULATIONS[code];
      assert.doesNotThrow(() => localDateOf(new Date(0), rule.timeZone));
      assert.ok(isCalendarId(rule.calendarId));
      for (const calendarId of rule.selectableCalendars) {
        assert.ok(isCalendarId(calendarId), calendarId);
        assert.doesNotThrow(() => localDateOf(new Date(0), CALENDARS[calendarId].timeZone));
      }
      if (rule.appeal !== null) {
        assert.equal(rule.appeal.decisionWithin.unit, 'calendarDays');
        assert.ok(rule.appeal.source.length > 0);
        if (rule.appeal.extension) assert.equal(rule.appeal.extension.maxTotal.amount, rule.appeal.decisionWithin.amount + rule.appeal.extension.by.amount);
      }
      assert.ok(rule.allowedTypes.length > 0);
      for (const type of rule.allowedTypes) {
        const typeRule = typeRuleFor(code, type);
        assert.ok(typeRule.response.amount > 0);
        if (typeRule.extension.allowed) {
          // The maximum total must be the initial period plus the extension, in the same unit.
          assert.equal(typeRule.extension.by.unit, typeRule.response.unit);
          assert.equal(typeRule.extension.maxTotal.unit, typeRule.response.unit);
          assert.equal(typeRule.extension.maxTotal.amount, typeRule.response.amount + typeRule.extension.by.amount);
          assert.equal(typeRule.extension.noticeWithinInitialPeriod, true);
        }
      }
      for (const type of Object.keys(rule.typeOverrides)) {
        assert.ok(rule.allowedTypes.includes(type as never), `override for a type the row does not allow: ${type}`);
      }
    });
  }

  test('opt-out of sale is never gated behind verification, wherever it is allowed', () => {
    for (const code of REGULATION_CODES) {
      if (isTypeAllowed(code, 'noSale')) assert.equal(verificationPolicy(code, 'noSale'), 'notAllowed', code);
    }
  });

  test('time zones and calendars per regime', () => {
    const expected: Record<string, [string, string]> = {
      GDPR: ['Europe/Brussels', 'WEEKENDS'],
      UK_GDPR: ['Europe/London', 'GB-EAW'],
      CCPA: ['America/Los_Angeles', 'US-CA'],
      VCDPA: ['America/New_York', 'US-FED'],
      CPA: ['America/Denver', 'US-FED'],
      CTDPA: ['America/New_York', 'US-FED'],
      UCPA: ['America/Denver', 'US-FED'],
      TDPSA: ['America/Chicago', 'US-FED'],
      LGPD: ['America/Sao_Paulo', 'BR'],
      PIPEDA: ['America/Toronto', 'CA-FED'],
      OCPA: ['America/Los_Angeles', 'US-FED'],
      MTCDPA: ['America/Denver', 'US-FED'],
      ICDPA: ['America/Chicago', 'US-FED'],
      DPDPA: ['America/New_York', 'US-FED'],
      NEDPA: ['America/Chicago', 'US-FED'],
      NHPA: ['America/New_York', 'US-FED'],
      NJDPA: ['America/New_York', 'US-FED'],
      TIPA: ['America/Chicago', 'US-FED'],
      MNCDPA: ['America/Chicago', 'US-FED'],
      MODPA: ['America/New_York', 'US-FED'],
      INCDPA: ['America/Indiana/Indianapolis', 'US-FED'],
      KCDPA: ['America/New_York', 'US-FED'],
      RIDTPPA: ['America/New_York', 'US-FED'],
      QC_LAW25: ['America/Toronto', 'CA-QC'],
      FADP: ['Europe/Zurich', 'CH'],
    };
    for (const code of REGULATION_CODES) {
      assert.deepEqual([REGULATIONS[code].timeZone, REGULATIONS[code].calendarId], expected[code], code);
    }
  });

  test('extension counts: 1 where the law says once, null where silent, 0 where none', () => {
    const count = (code: (typeof REGULATION_CODES)[number]) => typeRuleFor(code, 'access').extension.maxExtensions;
    assert.equal(count('VCDPA'), 1);
    assert.equal(count('UCPA'), 1);
    assert.equal(count('TDPSA'), 1);
    assert.equal(count('CTDPA'), null);
    assert.equal(count('LGPD'), 0);
    assert.equal(typeRuleFor('CCPA', 'noSale').extension.maxExtensions, 0);
  });

  test('stop-the-clock only for UK GDPR', () => {
    for (const code of REGULATION_CODES) assert.equal(REGULATIONS[code].stopTheClock, code === 'UK_GDPR', code);
  });
});

describe('allowed types', () => {
  test('per regime', () => {
    assert.deepEqual(allowedTypes('GDPR'), ['access', 'export', 'rectify', 'erasure', 'restrict', 'object']);
    assert.deepEqual(allowedTypes('CCPA'), ['access', 'export', 'rectify', 'erasure', 'restrict', 'noSale']);
    assert.deepEqual(allowedTypes('ICDPA'), ['access', 'export', 'erasure', 'noSale']);
    // Utah's right to correct is in force since 1 July 2026 (13-61-201(4)).
    assert.deepEqual(allowedTypes('UCPA'), ['access', 'export', 'rectify', 'erasure', 'noSale']);
    assert.deepEqual(allowedTypes('PIPEDA'), ['access', 'rectify']);
    assert.equal(isTypeAllowed('GDPR', 'noSale'), false);
    assert.equal(isTypeAllowed('CCPA', 'object'), false);
    assert.equal(isTypeAllowed('ICDPA', 'rectify'), false);
  });

  test('every allowed type is a request type', () => {
    for (const code of REGULATION_CODES) {
      for (const type of allowedTypes(code)) assert.ok(REQUEST_TYPES.includes(type));
    }
  });

  test('a type the regime does not grant throws REGULATION.TYPE_NOT_ALLOWED', () => {
    assert.throws(() => typeRuleFor('GDPR', 'noSale'), codeOf('REGULATION.TYPE_NOT_ALLOWED'));
    assert.throws(() => typeRuleFor('PIPEDA', 'erasure'), codeOf('REGULATION.TYPE_NOT_ALLOWED'));
  });

  test('an unknown regulation code throws REGULATION.UNKNOWN', () => {
    assert.throws(() => regulationRule('HIPAA'), codeOf('REGULATION.UNKNOWN'));
  });
});

describe('CCPA per-type rules', () => {
  test('noSale and limit: 15 business days, no extension, no acknowledgement, no verification', () => {
    for (const type of ['noSale', 'restrict'] as const) {
      const rule = typeRuleFor('CCPA', type);
      assert.deepEqual(rule.response, { amount: 15, unit: 'businessDays' });
      assert.equal(rule.extension.allowed, false);
      assert.equal(rule.acknowledgement, null);
      assert.equal(rule.verification, 'notAllowed');
    }
  });

  test('know/delete/correct: 45 calendar days, +45 to 90, acknowledge in 10 business days', () => {
    const rule = typeRuleFor('CCPA', 'erasure');
    assert.deepEqual(rule.response, { amount: 45, unit: 'calendarDays' });
    assert.deepEqual(rule.acknowledgement, { within: { amount: 10, unit: 'businessDays' }, calendarId: 'US-CA' });
    assert.equal(rule.verification, 'required');
  });
});
