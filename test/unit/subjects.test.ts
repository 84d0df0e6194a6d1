import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { e164Phone } from '../../src/domain/identifiers.ts';
import { REGULATIONS, REGULATION_CODES } from '../../src/domain/regulations.ts';
import { checkRepeatLimits, fromDid, normalizeIdentifier, toDid, windowStart, type EarlierRequest } from '../../src/domain/subjects.ts';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identifierHashes, localSubjectSecret, SUBJECT_SECRET_FILE, subjectIdFor } from '../../src/platform/subject-keys.ts';

const earlier = (id: string, receivedAt: string, over: Partial<EarlierRequest> = {}): EarlierRequest => ({ id, type: 'access', regulation: 'CCPA', status: 'completed', receivedAt, ...over });

describe('subject identifiers', () => {
  test('normalized before hashing: email case and spaces, phone punctuation', () => {
    assert.equal(normalizeIdentifier('email', '  Zoe.Smith@Example.COM '), 'zoe.smith@example.com');
    assert.equal(normalizeIdentifier('phone', '+1 (555) 010-2000'), '+15550102000');
    assert.equal(normalizeIdentifier('phone', '0555 010 2000'), '05550102000');
    assert.equal(normalizeIdentifier('customerId', '  cus_42 '), 'cus_42');
    assert.equal(normalizeIdentifier('phone', ' - '), null);
    assert.equal(normalizeIdentifier('customerId', undefined), null);
  });

  test('a phone is hashed in the E.164 form the erasure digests use: a national number joins its international form with PHONE_DEFAULT_COUNTRY', () => {
    const keys = { current: 'k'.repeat(32), previous: [] };
    assert.equal(normalizeIdentifier('phone', '030 1234567', 'DE'), e164Phone('+49 30 1234567'));
    assert.deepEqual(identifierHashes({ ...keys, phoneDefaultCountry: 'DE' }, 'phone', '(0)30 1234-567'), identifierHashes(keys, 'phone', '+49 30 1234567'));
    assert.notDeepEqual(identifierHashes(keys, 'phone', '030 1234567'), identifierHashes(keys, 'phone', '+49 30 1234567'), 'without a country a national number is only itself');
  });

  test('keyed: the same person gives the same id; another key, organization or person another; no email in it', () => {
    const keys = { current: 'k'.repeat(32), previous: [] };
    const id = subjectIdFor(keys, 'acme', 'zoe@example.com');
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(subjectIdFor(keys, 'acme', 'zoe@example.com'), id);
    assert.notEqual(subjectIdFor(keys, 'beta', 'zoe@example.com'), id);
    assert.notEqual(subjectIdFor({ current: 'j'.repeat(32), previous: [] }, 'acme', 'zoe@example.com'), id);
    assert.equal(fromDid(toDid(id)), id);
    assert.equal(fromDid('did:other:abc'), null);
    const [current, old] = identifierHashes({ current: 'k'.repeat(32), previous: ['p'.repeat(32)] }, 'email', ' ZOE@example.com');
    assert.deepEqual(identifierHashes(keys, 'email', 'zoe@example.com'), [current]);
    assert.notEqual(old, current, 'a rotated-out secret gives its own hash, looked up beside the current one');
  });
});

describe('the local default secret for npm start', () => {
  test('made once under DATA_DIR, readable by its owner only, the same on every later start', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'dsrflow-secret-')), 'data');
    const first = await localSubjectSecret(dataDir);
    assert.ok(first.length >= 32);
    assert.equal(statSync(join(dataDir, SUBJECT_SECRET_FILE)).mode & 0o777, 0o600);
    assert.equal(await localSubjectSecret(dataDir), first);
    const [a, b] = await Promise.all([localSubjectSecret(join(dataDir, 'x')), localSubjectSecret(join(dataDir, 'x'))]);
    assert.equal(a, b, 'two processes starting at once agree');
  });

  test('a file that holds no usable secret stops the start instead of being replaced', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dsrflow-secret-'));
    writeFileSync(join(dataDir, SUBJECT_SECRET_FILE), 'short\n');
    await assert.rejects(localSubjectSecret(dataDir), /no usable secret/);
  });
});

describe('repeat limits from the regulations table', () => {
  test('every regime states its rule; GDPR and UK GDPR set no count', () => {
    for (const code of REGULATION_CODES) assert.ok(REGULATIONS[code].repeats.note.length > 10, code);
    assert.deepEqual(REGULATIONS.GDPR.repeats.limits, []);
    assert.deepEqual(REGULATIONS.UK_GDPR.repeats.limits, []);
    assert.match(REGULATIONS.GDPR.repeats.note, /12\(5\)/);
    assert.deepEqual(REGULATIONS.CCPA.repeats.limits.map((l) => [l.max, l.then]), [[2, 'refuse']]);
    assert.deepEqual(REGULATIONS.VCDPA.repeats.limits.map((l) => [l.max, l.then]), [[2, 'fee']]);
    assert.deepEqual(REGULATIONS.CTDPA.repeats.limits.map((l) => [l.max, l.then]), [[1, 'fee']]);
    assert.deepEqual(REGULATIONS.TDPSA.repeats.limits.map((l) => [l.max, l.then]), [[2, 'fee']]);
  });

  test('CCPA: a third request to know within 12 months is over the limit, with the rule and the earlier two', () => {
    const over = checkRepeatLimits({ regulation: 'CCPA', type: 'access', receivedAt: new Date('2026-02-01T10:00:00Z') }, [
      earlier('a', '2025-03-03T10:00:00Z'),
      earlier('b', '2025-04-03T10:00:00Z', { type: 'export' }),
    ]);
    assert.ok(over);
    assert.equal(over.rule.source, 'Cal. Civ. Code 1798.100(d), 1798.130(a)(2)(B)');
    assert.deepEqual(over.earlierRequests.sort(), ['a', 'b']);
    assert.equal(over.rejectionReason, 'excessive');
  });

  test('the window boundary: exactly 12 months after the first is a new period; a millisecond earlier is not', () => {
    const history = [earlier('a', '2025-03-03T10:00:00.000Z'), earlier('b', '2025-04-03T10:00:00.000Z')];
    assert.equal(checkRepeatLimits({ regulation: 'CCPA', type: 'access', receivedAt: new Date('2026-03-03T10:00:00.000Z') }, history), null);
    assert.ok(checkRepeatLimits({ regulation: 'CCPA', type: 'access', receivedAt: new Date('2026-03-03T09:59:59.999Z') }, history));
    assert.equal(windowStart(new Date('2026-03-31T08:00:00Z'), { amount: 1, unit: 'calendarMonths' }).toISOString(), '2026-02-28T08:00:00.000Z');
  });

  test('withdrawn, never verified or refused requests, other types and other regulations do not count', () => {
    const at = { regulation: 'CCPA' as const, type: 'access' as const, receivedAt: new Date('2026-02-01T10:00:00Z') };
    for (const status of ['cancelled', 'unverified', 'rejected'] as const) {
      assert.equal(checkRepeatLimits(at, [earlier('a', '2025-06-01T00:00:00Z'), earlier('b', '2025-07-01T00:00:00Z', { status })]), null, status);
    }
    assert.equal(checkRepeatLimits(at, [earlier('a', '2025-06-01T00:00:00Z'), earlier('b', '2025-07-01T00:00:00Z', { type: 'erasure' })]), null);
    assert.equal(checkRepeatLimits(at, [earlier('a', '2025-06-01T00:00:00Z'), earlier('b', '2025-07-01T00:00:00Z', { regulation: 'GDPR' })]), null);
    assert.equal(checkRepeatLimits({ ...at, type: 'erasure' }, [earlier('a', '2025-06-01T00:00:00Z', { type: 'erasure' }), earlier('b', '2025-07-01T00:00:00Z', { type: 'erasure' })]), null, 'CCPA counts requests to know only');
  });

  test('Connecticut: the second request of any type within 12 months is over the free count', () => {
    const over = checkRepeatLimits({ regulation: 'CTDPA', type: 'erasure', receivedAt: new Date('2026-05-01T00:00:00Z') }, [earlier('a', '2025-09-01T00:00:00Z', { regulation: 'CTDPA', type: 'access' })]);
    assert.equal(over?.rule.then, 'fee');
    assert.deepEqual(over?.earlierRequests, ['a']);
  });
});
