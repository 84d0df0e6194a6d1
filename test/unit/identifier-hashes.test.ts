import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { e164Phone, normalizedEmail } from '../../src/domain/identifiers.ts';
import { mergeIdentifiers, withHashes } from '../../src/warehouse/identifier-hashes.ts';
import { loadConfig } from '../../src/platform/config.ts';

// The digest a receiver computes from its own copy, written out here rather than with the code under test.
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('identifiers handed downstream: normalization and SHA-256', () => {
  test('email: trimmed and lower-cased before hashing; the identifier itself is kept as held', () => {
    assert.equal(normalizedEmail('  Zoë.OBrien@Example.COM \n'), 'zoë.obrien@example.com');
    assert.equal(normalizedEmail('   '), null);
    const ids = withHashes({ email: ' Jane@Example.com', customerId: 'cus_1', phone: null });
    assert.deepEqual(ids, { email: ' Jane@Example.com', customerId: 'cus_1', phone: null, emailSha256: sha256('jane@example.com'), phoneSha256: null });
    assert.equal(ids.emailSha256, '8c87b489ce35cf2e2f39f80e282cb2e804932a56a213983eeeb428407d43b52d');
  });

  test('phone: E.164 from international or national form (with the configured country); unparseable gets no hash', () => {
    assert.equal(e164Phone('+49 170 1234567'), '+491701234567');
    assert.equal(e164Phone('(0)30 1234-567', 'DE'), '+49301234567');
    assert.equal(e164Phone('00 44 7911 123456', 'DE'), '+447911123456', "the default country's international prefix");
    assert.equal(e164Phone('(415) 555-2671', 'US'), '+14155552671');
    assert.equal(e164Phone('030 1234567'), null, 'a national number without a configured country');
    for (const bad of ['not a phone', '12', '+999 123456789', '']) assert.equal(e164Phone(bad, 'DE'), null, bad);
    const ids = withHashes({ email: null, customerId: null, phone: '030 1234567' }, 'DE');
    assert.equal(ids.phoneSha256, sha256('+49301234567'));
    assert.equal(ids.phone, '030 1234567', 'the phone is kept as held, the hash is of its E.164 form');
    assert.deepEqual(withHashes({ email: null, customerId: null, phone: 'call me' }, 'DE'), { email: null, customerId: null, phone: 'call me', emailSha256: null, phoneSha256: null });
  });

  test('what the warehouse held wins; what the requester gave fills the gaps', () => {
    assert.deepEqual(
      mergeIdentifiers({ email: 'user7@example.com', customerId: 'cus_0000007', phone: null }, { email: 'User7@Example.com', customerId: null, phone: '+34 600 000 000' }),
      { email: 'user7@example.com', customerId: 'cus_0000007', phone: '+34 600 000 000' },
    );
    assert.deepEqual(mergeIdentifiers({}, { email: 'a@example.com', customerId: null, phone: null }), { email: 'a@example.com', customerId: null, phone: null });
  });

  test('PHONE_DEFAULT_COUNTRY: a country with a numbering plan, or unset', () => {
    assert.equal(loadConfig({}).PHONE_DEFAULT_COUNTRY, undefined);
    assert.equal(loadConfig({ PHONE_DEFAULT_COUNTRY: 'de' }).PHONE_DEFAULT_COUNTRY, 'DE');
    assert.equal(loadConfig({ PHONE_DEFAULT_COUNTRY: '' }).PHONE_DEFAULT_COUNTRY, undefined);
    assert.throws(() => loadConfig({ PHONE_DEFAULT_COUNTRY: 'XX' }), /PHONE_DEFAULT_COUNTRY: a two-letter country code/);
  });
});
