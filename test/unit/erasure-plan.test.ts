import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { LegalException } from '../../src/domain/actions.ts';
import { parseDataModel } from '../../src/domain/data-model.ts';
import { erasurePlan, modelShapes, periodEnd, planCounts, reviewAtOf as reviewAtOfReasons, type ModelShape, type RowFacts } from '../../src/domain/erasure-plan.ts';
import { parseRetentionPolicy, policyColumns, policyProblems, RetentionPolicyError, type RetentionPolicy } from '../../src/domain/retention.ts';

const demoModel = parseDataModel(JSON.parse(readFileSync('config/data-model.json', 'utf8')));
const demoPolicy = parseRetentionPolicy(JSON.parse(readFileSync('config/retention-policy.json', 'utf8')));
const shapes = modelShapes(demoModel);

const row = (key: string, parentKey: string | null, values: Record<string, string | null> = {}): RowFacts => ({ key, parentKey, values });
const at = (iso: string) => new Date(iso);
const plan = (facts: Record<string, RowFacts[]>, asOf: string, holds: LegalException[] = [], policy: RetentionPolicy = demoPolicy, s: ModelShape[] = shapes) =>
  erasurePlan({ shapes: s, facts, policy, holds, asOf: at(asOf) });
const modelOf = (p: ReturnType<typeof plan>, name: string) => p.models.find((m) => m.model === name)!;

/** A one-model policy for the exception under test. */
const single = (rule: unknown): RetentionPolicy => parseRetentionPolicy({ version: 1, models: { things: rule } });
const flat: ModelShape[] = [{ name: 'things', parent: null, depth: 0 }];

describe('retention policy', () => {
  test('the demo policy covers every model of the demo data model', () => {
    assert.deepEqual(policyProblems(demoPolicy, demoModel), []);
    assert.ok(policyColumns(demoPolicy).some((c) => c.model === 'transactions' && c.column === 'occurred_at'));
  });

  test('a missing or unknown model is named', () => {
    const { orders: _o, ...rest } = demoPolicy.models;
    const problems = policyProblems({ version: 1, models: { ...rest, invoices: rest.events! } }, demoModel);
    assert.deepEqual(problems.sort(), ['models.invoices: not a model of the data model', 'models.orders: the data model has it, the policy gives it no rule'].sort());
  });

  test('bad documents are refused with the field named', () => {
    const bad = (doc: unknown) => assert.throws(() => parseRetentionPolicy(doc), RetentionPolicyError);
    bad({ version: 1, models: { x: { category: 'account', action: { type: 'shred' } } } });
    bad({ version: 1, models: { x: { category: 'account', action: { type: 'anonymize', columns: {} } } } });
    bad({ version: 1, models: { x: { category: 'account', action: { type: 'delete' }, exceptions: [{ kind: 'retention_period', basis: 'tax_records', column: 'd', period: {} }] } } });
    bad({ version: 1, models: { x: { category: 'account', action: { type: 'delete' }, exceptions: [{ kind: 'legal_hold', basis: 'because' }] } } });
    bad({ version: 1, models: { x: { category: 'account', action: { type: 'anonymize', columns: { 'email; drop table': null } } } } });
    try {
      parseRetentionPolicy({ version: 1, models: { x: { category: 'gossip', action: { type: 'delete' } } } });
    } catch (error) {
      assert.match((error as Error).message, /models\.x\.category/);
    }
  });
});

describe('retention periods end the day after their last day (UTC)', () => {
  test('7 years from a date', () => {
    assert.equal(periodEnd(at('2026-03-15T10:00:00Z'), { years: 7 }).toISOString(), '2033-03-16T00:00:00.000Z');
  });
  test('29 February: the month-end rule', () => {
    assert.equal(periodEnd(at('2024-02-29T12:00:00Z'), { years: 7 }).toISOString(), '2031-03-01T00:00:00.000Z', 'kept through 28 Feb 2031');
    assert.equal(periodEnd(at('2024-02-29T12:00:00Z'), { years: 4 }).toISOString(), '2028-03-01T00:00:00.000Z', 'kept through 29 Feb 2028');
  });
  test('counted from the end of the calendar year', () => {
    assert.equal(periodEnd(at('2026-01-02T00:00:00Z'), { years: 10 }, 'end_of_calendar_year').toISOString(), '2037-01-01T00:00:00.000Z');
  });
  test('months and days', () => {
    assert.equal(periodEnd(at('2026-01-31T00:00:00Z'), { months: 1, days: 2 }).toISOString(), '2026-03-03T00:00:00.000Z');
  });
  test('the day is the UTC day of the instant', () => {
    assert.equal(periodEnd(at('2026-03-15T23:30:00-05:00'), { days: 1 }).toISOString(), '2026-03-18T00:00:00.000Z', '04:30 UTC on 16 March');
  });
});

describe('each exception kind', () => {
  const taxed = single({ category: 'transactions', action: { type: 'delete' }, exceptions: [{ kind: 'retention_period', basis: 'tax_records', column: 'occurred_at', period: { years: 7 } }] });

  test('retention period: kept through the last day, eligible at the first instant after', () => {
    const facts = { things: [row('1', null, { occurred_at: '2026-03-15T10:00:00Z' })] };
    const before = plan(facts, '2033-03-15T23:59:59.999Z', [], taxed, flat);
    assert.deepEqual(modelOf(before, 'things').eligible, []);
    assert.deepEqual(modelOf(before, 'things').retained, [
      { reasons: [{ kind: 'retention_period', basis: 'tax_records', until: '2033-03-16T00:00:00.000Z' }], eligibleAt: '2033-03-16T00:00:00.000Z', reviewAt: '2033-03-16T00:00:00.000Z', keys: ['1'] },
    ]);
    assert.equal(before.nextReviewAt, '2033-03-16T00:00:00.000Z');
    const atEnd = plan(facts, '2033-03-16T00:00:00.000Z', [], taxed, flat);
    assert.deepEqual(modelOf(atEnd, 'things').eligible, ['1']);
    assert.deepEqual(modelOf(atEnd, 'things').retained, []);
    assert.equal(atEnd.nextReviewAt, null);
  });

  test('retention period with an unknown date: kept, open-ended, no review date', () => {
    const p = plan({ things: [row('1', null, { occurred_at: null }), row('2', null, { occurred_at: 'not a date' })] }, '2040-01-01T00:00:00Z', [], taxed, flat);
    assert.deepEqual(modelOf(p, 'things').retained, [{ reasons: [{ kind: 'retention_period', basis: 'tax_records', until: null }], eligibleAt: null, reviewAt: null, keys: ['1', '2'] }]);
    assert.equal(p.nextReviewAt, null);
  });

  test('condition: kept while the value is listed, open-ended', () => {
    const contract = single({ category: 'contracts', action: { type: 'delete' }, exceptions: [{ kind: 'condition', basis: 'active_contract', column: 'status', in: ['pending', 'paid'] }] });
    const p = plan({ things: [row('1', null, { status: 'paid' }), row('2', null, { status: 'shipped' }), row('3', null, { status: null }), row('4', null, { status: 'pending' })] }, '2026-01-01T00:00:00Z', [], contract, flat);
    assert.deepEqual(modelOf(p, 'things').eligible, ['2', '3']);
    assert.deepEqual(modelOf(p, 'things').retained, [{ reasons: [{ kind: 'condition', basis: 'active_contract', until: null }], eligibleAt: null, reviewAt: null, keys: ['1', '4'] }]);
  });

  test('legal hold: applies only when staff placed it', () => {
    const held = single({ category: 'support_content', action: { type: 'delete' }, exceptions: [{ kind: 'legal_hold', basis: 'legal_claims' }] });
    const facts = { things: [row('1', null), row('2', null)] };
    assert.deepEqual(modelOf(plan(facts, '2026-01-01T00:00:00Z', [], held, flat), 'things').eligible, ['1', '2']);
    assert.deepEqual(modelOf(plan(facts, '2026-01-01T00:00:00Z', ['tax_records'], held, flat), 'things').eligible, ['1', '2'], 'another basis does not hold it');
    const p = plan(facts, '2026-01-01T00:00:00Z', ['legal_claims'], held, flat);
    assert.deepEqual(modelOf(p, 'things').eligible, []);
    assert.deepEqual(modelOf(p, 'things').retained[0]!.reasons, [{ kind: 'legal_hold', basis: 'legal_claims', until: null }]);
  });

  test('fraud prevention: a boolean flag is open-ended, a flag date keeps for its period', () => {
    const fraud = single({ category: 'account', action: { type: 'delete' }, exceptions: [{ kind: 'fraud_prevention', column: 'fraud_flag', period: { years: 2 } }] });
    const facts = {
      things: [row('1', null, { fraud_flag: 'true' }), row('2', null, { fraud_flag: 'false' }), row('3', null, { fraud_flag: null }), row('4', null, { fraud_flag: '2025-06-30T08:00:00Z' })],
    };
    const p = plan(facts, '2027-06-30T12:00:00Z', [], fraud, flat);
    assert.deepEqual(modelOf(p, 'things').eligible, ['2', '3']);
    assert.deepEqual(
      modelOf(p, 'things').retained.map((g) => [g.keys, g.eligibleAt]),
      [
        [['4'], '2027-07-01T00:00:00.000Z'],
        [['1'], null],
      ],
    );
    assert.deepEqual(modelOf(plan(facts, '2027-07-01T00:00:00Z', [], fraud, flat), 'things').eligible, ['2', '3', '4']);
  });

  test('action none: rows are recorded, never eligible nor retained', () => {
    const none = single({ category: 'analytics_identifiers', action: { type: 'none' }, exceptions: [{ kind: 'legal_hold', basis: 'legal_claims' }] });
    const m = modelOf(plan({ things: [row('1', null), row('2', null)] }, '2026-01-01T00:00:00Z', ['legal_claims'], none, flat), 'things');
    assert.deepEqual([m.eligible, m.retained, m.untouched], [[], [], 2]);
  });
});

describe('the demo policy on a whole subject: mixed eligible and retained', () => {
  // User 7: order 70 (shipped, paid in 2020: past 7 years), order 71 (shipped, paid in 2025), order 72 (paid: active).
  const facts = {
    users: [row('7', null)],
    orders: [row('70', '7', { status: 'shipped' }), row('71', '7', { status: 'shipped' }), row('72', '7', { status: 'paid' })],
    order_items: [row('700', '70'), row('710', '71'), row('711', '71'), row('720', '72')],
    transactions: [row('7000', '70', { occurred_at: '2018-05-01T09:00:00Z' }), row('7100', '71', { occurred_at: '2025-02-10T09:00:00Z' }), row('7101', '71', { occurred_at: '2025-03-01T09:00:00Z' })],
    events: [row('1', '7'), row('2', '7')],
    campaign_interactions: [row('3', '7')],
  };
  const asOf = '2026-11-22T08:00:00Z';

  test('children come before parents in the plan', () => {
    const names = plan(facts, asOf).models.map((m) => m.model);
    assert.ok(names.indexOf('transactions') < names.indexOf('orders') && names.indexOf('order_items') < names.indexOf('orders'));
    assert.ok(names.indexOf('orders') < names.indexOf('users') && names.at(-1) === 'users');
  });

  test('without holds: old records go, tax records and active contracts stay with their orders and lines', () => {
    const p = plan(facts, asOf);
    assert.deepEqual(modelOf(p, 'transactions').eligible, ['7000']);
    assert.deepEqual(modelOf(p, 'transactions').retained.map((g) => [g.keys, g.eligibleAt]), [
      [['7100'], '2032-02-11T00:00:00.000Z'],
      [['7101'], '2032-03-02T00:00:00.000Z'],
    ]);
    const orders = modelOf(p, 'orders');
    assert.deepEqual(orders.eligible, ['70']);
    assert.deepEqual(orders.retained, [
      // The open order is looked at again 30 days on (the demo policy's recheckEvery): kept through 22 December.
      {
        reasons: [{ kind: 'condition', basis: 'active_contract', until: null, recheckAt: '2026-12-23T00:00:00.000Z' }],
        eligibleAt: null,
        reviewAt: '2026-12-23T00:00:00.000Z',
        keys: ['72'],
      },
      { reasons: [{ kind: 'kept_child', basis: 'transactions', until: '2032-03-02T00:00:00.000Z' }], eligibleAt: '2032-03-02T00:00:00.000Z', reviewAt: '2032-03-02T00:00:00.000Z', keys: ['71'] },
    ]);
    const items = modelOf(p, 'order_items');
    assert.deepEqual(items.eligible, ['700']);
    assert.deepEqual(items.retained.map((g) => [g.keys, g.reasons[0]!.kind, g.eligibleAt]), [
      [['710', '711'], 'with_parent', '2032-03-02T00:00:00.000Z'],
      [['720'], 'with_parent', null],
    ]);
    assert.deepEqual(modelOf(p, 'events').eligible, ['1', '2']);
    assert.deepEqual(modelOf(p, 'campaign_interactions').eligible, ['3']);
    assert.deepEqual(modelOf(p, 'users').eligible, ['7'], 'anonymized: the row stays for the orders that point to it');
    assert.equal(p.nextReviewAt, '2026-12-23T00:00:00.000Z', 'the open order first');
    assert.deepEqual(planCounts(p).orders, { eligible: 1, retained: 2, untouched: 0 });
  });

  test('a legal_claims hold keeps everything it covers, and the review date stays on the tax period', () => {
    const p = plan(facts, asOf, ['legal_claims']);
    assert.deepEqual(modelOf(p, 'transactions').eligible, []);
    const tax = modelOf(p, 'transactions').retained.find((g) => g.keys.includes('7100'))!;
    assert.deepEqual(tax.reasons.map((r) => r.kind).sort(), ['legal_hold', 'retention_period']);
    assert.equal(tax.eligibleAt, null, 'open-ended while the hold lasts');
    assert.equal(tax.reviewAt, '2032-02-11T00:00:00.000Z', 'looked at again when the period ends');
    assert.deepEqual(modelOf(p, 'orders').eligible, []);
    assert.deepEqual(modelOf(p, 'users').eligible, []);
    assert.deepEqual(modelOf(p, 'events').eligible, ['1', '2'], 'the demo policy does not hold analytics events');
  });

  test('the day the last tax record ends, the order and its lines go with it', () => {
    const p = plan(facts, '2032-03-02T00:00:00Z');
    assert.deepEqual(modelOf(p, 'transactions').eligible, ['7000', '7100', '7101']);
    assert.deepEqual(modelOf(p, 'orders').eligible, ['70', '71']);
    assert.deepEqual(modelOf(p, 'order_items').eligible, ['700', '710', '711']);
    assert.equal(p.nextReviewAt, '2032-04-02T00:00:00.000Z', 'only the active contract is left: looked at again in 30 days');
    const dayBefore = plan(facts, '2032-03-01T23:59:59.999Z');
    assert.deepEqual(modelOf(dayBefore, 'orders').eligible, ['70']);
    assert.deepEqual(modelOf(dayBefore, 'transactions').eligible, ['7000', '7100']);
  });

  test('a child that is only anonymized keeps its parent open-ended (it still points to it)', () => {
    const policy = parseRetentionPolicy({
      ...demoPolicy,
      models: { ...demoPolicy.models, transactions: { category: 'transactions', action: { type: 'anonymize', columns: { card_last4: null } } } },
    });
    const p = plan(facts, '2040-01-01T00:00:00Z', [], policy);
    assert.deepEqual(modelOf(p, 'transactions').eligible, ['7000', '7100', '7101']);
    const orders = modelOf(p, 'orders');
    assert.deepEqual(orders.eligible, []);
    assert.deepEqual(orders.retained.map((g) => [g.keys, g.reasons.map((r) => `${r.kind}:${r.basis}:${r.until}`)]), [
      [['72'], ['condition:active_contract:null']],
      [['70', '71'], ['kept_child:transactions:null']],
    ]);
  });

  test('a re-checked condition: looked at again the day after its period, never before a dated reason ends', () => {
    const policy = parseRetentionPolicy({
      ...demoPolicy,
      models: {
        ...demoPolicy.models,
        orders: { category: 'contracts', action: { type: 'delete' }, exceptions: [{ kind: 'condition', basis: 'active_contract', column: 'status', in: ['pending', 'paid'], recheckEvery: { days: 30 } }] },
      },
    });
    // Late on the day: the re-check is still whole days (kept through 30 days on, looked at the day after).
    const late = plan(facts, '2026-11-22T23:59:59.999Z', [], policy);
    assert.equal(modelOf(late, 'orders').retained.find((g) => g.keys.includes('72'))!.reviewAt, '2026-12-23T00:00:00.000Z');
    // Once it is no longer open, the look erases it (as any pass would).
    const closed = plan({ ...facts, orders: facts.orders!.map((o) => (o.key === '72' ? { ...o, values: { ...o.values, status: 'shipped' } } : o)) }, '2026-12-23T00:00:00Z', [], policy);
    assert.ok(modelOf(closed, 'orders').eligible.includes('72'));
    // Held by a child for years too: the re-check cannot make it go earlier, so the review is the child's date.
    const both = reviewAtOfReasons([
      { kind: 'condition', basis: 'active_contract', until: null, recheckAt: '2026-12-23T00:00:00.000Z' },
      { kind: 'kept_child', basis: 'transactions', until: '2032-03-02T00:00:00.000Z' },
    ]);
    assert.equal(both, '2032-03-02T00:00:00.000Z');
    // A dated reason that ends first: the look waits for the re-check.
    assert.equal(reviewAtOfReasons([
      { kind: 'condition', basis: 'active_contract', until: null, recheckAt: '2026-12-23T00:00:00.000Z' },
      { kind: 'retention_period', basis: 'tax_records', until: '2026-12-01T00:00:00.000Z' },
    ]), '2026-12-23T00:00:00.000Z');
    // Under a legal hold as well: no re-check (the rows stay whatever it finds; the hold's lift asks for a review).
    assert.equal(reviewAtOfReasons([{ kind: 'condition', basis: 'active_contract', until: null, recheckAt: '2026-12-23T00:00:00.000Z' }, { kind: 'legal_hold', basis: 'legal_claims', until: null }]), null);
    // Two re-checked conditions on one basis: the earlier look.
    const two = parseRetentionPolicy({
      ...demoPolicy,
      models: {
        ...demoPolicy.models,
        orders: {
          category: 'contracts',
          action: { type: 'delete' },
          exceptions: [
            { kind: 'condition', basis: 'active_contract', column: 'status', in: ['paid'], recheckEvery: { days: 30 } },
            { kind: 'condition', basis: 'active_contract', column: 'status', in: ['paid'], recheckEvery: { days: 7 } },
          ],
        },
      },
    });
    assert.equal(modelOf(plan(facts, '2026-11-22T08:00:00Z', [], two), 'orders').retained.find((g) => g.keys.includes('72'))!.reviewAt, '2026-11-30T00:00:00.000Z');
  });

  test('a subject with no rows gives an empty plan', () => {
    const p = plan({}, asOf);
    assert.ok(p.models.every((m) => m.eligible.length === 0 && m.retained.length === 0));
    assert.equal(p.nextReviewAt, null);
  });

  test('a model without a rule is refused', () => {
    assert.throws(() => plan({}, asOf, [], { version: 1, models: {} }), /RETENTION\.NO_RULE/);
  });
});
