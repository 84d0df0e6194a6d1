import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkAssessment, checkVerification, isDecisionApplied, type ActionContext, type AssessmentDecision } from '../../src/domain/actions.ts';
import { REQUEST_STATUSES, TERMINAL_STATUSES, type RequestStatus } from '../../src/domain/request.ts';

const context = (over: Partial<ActionContext> = {}): ActionContext => ({
  status: 'submitted',
  regulation: 'GDPR',
  type: 'access',
  receivedAt: new Date('2026-11-20T09:30:00Z'),
  dueAt: new Date('2026-12-21T09:30:00Z'),
  extensionsUsed: 0,
  pausedDays: 0,
  now: new Date('2026-11-20T09:31:00Z'),
  verificationRequired: true,
  autoApprove: false,
  queued: { verification: null, assessment: false },
  queueing: true,
  ...over,
});
const approve: AssessmentDecision = { decision: 'approve', actor: 'dpo-jane' };
const code = (v: ReturnType<typeof checkVerification>) => (v.ok ? 'ok' : v.code);

describe('a decision queues behind the one accepted before it', () => {
  test('verification right after receipt (the acknowledgement still going out) is accepted, and while awaiting verification', () => {
    assert.equal(code(checkVerification(context({ status: 'submitted' }))), 'ok');
    assert.equal(code(checkVerification(context({ status: 'awaiting_verification' }))), 'ok');
  });

  test('verification is refused once identity is settled, for a type never verified, and twice', () => {
    for (const status of ['verified', 'in_assessment', 'processing'] as const) assert.equal(code(checkVerification(context({ status }))), 'REQUEST.INVALID_TRANSITION', status);
    assert.equal(code(checkVerification(context({ type: 'noSale', regulation: 'CCPA', verificationRequired: false }))), 'REQUEST.INVALID_TRANSITION');
    assert.equal(code(checkVerification(context({ queued: { verification: 'verified', assessment: false } }))), 'REQUEST.DECISION_PENDING');
    assert.equal(code(checkVerification(context({ status: 'completed' }))), 'REQUEST.CLOSED');
  });

  test('assessment behind an accepted verification: queued while submitted or awaiting it, or once verified', () => {
    const queuedVerified = { verification: 'verified' as const, assessment: false };
    assert.equal(code(checkAssessment(context({ status: 'submitted', queued: queuedVerified }), approve)), 'ok');
    assert.equal(code(checkAssessment(context({ status: 'awaiting_verification', queued: queuedVerified }), approve)), 'ok');
    assert.equal(code(checkAssessment(context({ status: 'verified' }), approve)), 'ok');
    assert.equal(code(checkAssessment(context({ status: 'in_assessment' }), approve)), 'ok');
  });

  test('assessment is refused before identity is decided, behind a failed verification, after processing began, and twice', () => {
    assert.equal(code(checkAssessment(context({ status: 'submitted' }), approve)), 'REQUEST.INVALID_TRANSITION');
    assert.equal(code(checkAssessment(context({ status: 'awaiting_verification' }), approve)), 'REQUEST.INVALID_TRANSITION');
    assert.equal(code(checkAssessment(context({ status: 'awaiting_verification', queued: { verification: 'failed', assessment: false } }), approve)), 'REQUEST.INVALID_TRANSITION');
    assert.equal(code(checkAssessment(context({ status: 'processing' }), approve)), 'REQUEST.INVALID_TRANSITION');
    assert.equal(code(checkAssessment(context({ status: 'in_assessment', queued: { verification: null, assessment: true } }), approve)), 'REQUEST.DECISION_PENDING');
    assert.equal(code(checkAssessment(context({ status: 'rejected' }), approve)), 'REQUEST.CLOSED');
  });

  test('a type needing no verification is assessed right after receipt, unless it is approved by policy', () => {
    const restrict = { type: 'restrict' as const, regulation: 'CCPA' as const, verificationRequired: false };
    assert.equal(code(checkAssessment(context({ ...restrict, status: 'submitted' }), approve)), 'ok');
    const noSale = { type: 'noSale' as const, regulation: 'CCPA' as const, verificationRequired: false, autoApprove: true };
    const refused = checkAssessment(context({ ...noSale, status: 'submitted' }), approve);
    assert.ok(!refused.ok && refused.code === 'REQUEST.INVALID_TRANSITION' && /approved by policy/.test(refused.reason));
    assert.equal(code(checkAssessment(context({ autoApprove: true, status: 'verified' }), approve)), 'REQUEST.INVALID_TRANSITION');
  });

  test('a queued rejection still needs its reason', () => {
    const v = checkAssessment(context({ status: 'verified' }), { decision: 'reject', actor: 'dpo-jane' });
    assert.equal(code(v), 'ASSESSMENT.REASON_REQUIRED');
  });

  test('without queueing (signals in histories recorded before it) the earlier rules hold', () => {
    const before = context({ queueing: false, queued: { verification: 'verified', assessment: false } });
    assert.equal(code(checkVerification({ ...before, queued: { verification: null, assessment: false } })), 'REQUEST.INVALID_TRANSITION');
    assert.equal(code(checkAssessment(before, approve)), 'REQUEST.INVALID_TRANSITION');
    assert.equal(code(checkAssessment({ ...before, status: 'verified' }, approve)), 'REQUEST.INVALID_TRANSITION');
    assert.equal(code(checkAssessment({ ...before, status: 'in_assessment' }, approve)), 'ok');
  });
});

describe('when the workflow has acted on a decision', () => {
  const applied = (kind: Parameters<typeof isDecisionApplied>[0]) => REQUEST_STATUSES.filter((s: RequestStatus) => isDecisionApplied(kind, s));
  test('verification: in assessment or later, or ended', () => {
    assert.deepEqual(applied('verification'), REQUEST_STATUSES.filter((s) => !['submitted', 'awaiting_verification', 'verified'].includes(s)));
    assert.ok(applied('verification').includes('in_assessment') && applied('verification').includes('rejected'));
  });
  test('assessment: processing or later, or ended', () => {
    assert.deepEqual(applied('assessment'), REQUEST_STATUSES.filter((s) => !['submitted', 'awaiting_verification', 'verified', 'in_assessment'].includes(s)));
    assert.ok(applied('assessment').includes('processing'));
  });
  test('a cancellation or manual completion: only once the request has ended', () => {
    assert.deepEqual([...applied('closing')].sort(), [...TERMINAL_STATUSES].sort());
  });
});
