// The Privacy Center's signed challenge (src/api/privacy-center/challenge.ts): only the signature as issued passes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { challenges } from '../../src/api/privacy-center/challenge.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('Privacy Center challenge', () => {
  const issuedAt = new Date('2026-12-01T12:00:00Z');
  const later = new Date(issuedAt.getTime() + 60_000);
  const c = challenges('test-secret', { bits: 4 });

  test('a challenge as issued verifies after the wait', () => {
    const challenge = c.issue('default', issuedAt);
    assert.equal(c.verify(challenge, undefined, 'default', later).ok, true);
  });

  test('a signature whose last character differs only in base64url padding bits is refused', () => {
    const challenge = c.issue('default', issuedAt);
    // 32 bytes in 43 characters: the last one carries 4 bits of the signature and 2 padding bits.
    const last = ALPHABET.indexOf(challenge.at(-1)!);
    const variant = challenge.slice(0, -1) + ALPHABET[last ^ 1];
    const signature = (s: string) => Buffer.from(s.slice(s.lastIndexOf('.') + 1), 'base64url');
    assert.deepEqual(signature(variant), signature(challenge), 'the same bytes once decoded');
    assert.deepEqual(c.verify(variant, undefined, 'default', later), { ok: false, reason: 'invalid' });
  });
});
