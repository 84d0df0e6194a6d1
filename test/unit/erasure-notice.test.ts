import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { erasureNoticeText } from '../../src/activities/erasure/notice.ts';
import { erasureModels } from '../../src/warehouse/erasure.ts';
import { parseDataModel } from '../../src/domain/data-model.ts';
import { erasurePlan, modelShapes } from '../../src/domain/erasure-plan.ts';
import { parseRetentionPolicy } from '../../src/domain/retention.ts';

const model = parseDataModel(JSON.parse(readFileSync('config/data-model.json', 'utf8')));
const policy = parseRetentionPolicy(JSON.parse(readFileSync('config/retention-policy.json', 'utf8')));
const row = (key: string, parentKey: string | null, values: Record<string, string | null> = {}) => ({ key, parentKey, values });
const facts = {
  users: [row('7', null)],
  orders: [row('71', '7', { status: 'shipped' }), row('72', '7', { status: 'paid' })],
  order_items: [row('710', '71'), row('720', '72')],
  transactions: [row('7100', '71', { occurred_at: '2025-02-10T09:00:00Z' })],
  events: [row('1', '7')],
};
const erased = [
  { model: 'events', action: 'delete' as const, rows: 1 },
  { model: 'users', action: 'anonymize' as const, rows: 1 },
];

describe('the erasure notice: what was kept, why and until when, in plain words', () => {
  test('dated, open and inherited reasons each read plainly, with the last day kept', () => {
    const plan = erasurePlan({ shapes: modelShapes(model), policy, holds: [], asOf: new Date('2026-11-22T08:00:00Z'), facts });
    const text = erasureNoticeText('REQ-1', plan, erased, erasureModels(model));
    assert.match(text, /Activity events: 1 record\(s\) deleted/);
    assert.match(text, /Profile: 1 record\(s\) anonymized/);
    assert.match(text, /Payments and refunds: 1 record\(s\), because tax and accounting law requires us to keep it\. We keep it until February 10, 2032; we will delete it after that\./);
    assert.match(text, /Orders: 1 record\(s\), because records we must keep \(payments and refunds\) refer to it\. We keep it until February 10, 2032/);
    assert.match(text, /Orders: 1 record\(s\), because it belongs to an order or contract that is still open\. We keep it while the order or contract is open/);
    assert.match(text, /Order items: 1 record\(s\), because it is part of orders we must keep\. We keep it as long as we keep the orders it belongs to/);
    assert.doesNotMatch(text, /7100|710|kept_child|with_parent/, 'no keys or codes');
  });

  test('in the subject’s language, with the date as they write it', () => {
    const plan = erasurePlan({ shapes: modelShapes(model), policy, holds: [], asOf: new Date('2026-11-22T08:00:00Z'), facts });
    const text = erasureNoticeText('REQ-3', plan, erased, erasureModels(model), 'de');
    assert.match(text, /^Wir haben Ihren Antrag auf Löschung REQ-3 bearbeitet\./);
    assert.match(text, /Payments and refunds: 1 Datensatz\/Datensätze, weil das Steuer- und Handelsrecht uns zur Aufbewahrung verpflichtet\. Aufbewahrung: bis einschließlich 10\. Februar 2032; danach löschen wir sie\./);
    assert.match(text, /Sie haben das Recht, sich bei einer Datenschutzaufsichtsbehörde zu beschweren\./);
  });

  test('a legal hold reads as such', () => {
    const plan = erasurePlan({ shapes: modelShapes(model), policy, holds: ['legal_claims'], asOf: new Date('2026-11-22T08:00:00Z'), facts });
    const text = erasureNoticeText('REQ-2', plan, [{ model: 'events', action: 'delete', rows: 1 }], erasureModels(model));
    assert.match(text, /Payments and refunds: 1 record\(s\), because it is needed to establish, exercise or defend legal claims, and tax and accounting law requires us to keep it\. We keep it until the legal claim is settled/);
    assert.match(text, /Profile: 1 record\(s\), because it is needed to establish, exercise or defend legal claims/);
  });
});
