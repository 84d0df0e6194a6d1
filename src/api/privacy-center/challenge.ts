import { createHash, createHmac, randomBytes } from 'node:crypto';
import { sameSecret } from '../../platform/signing.ts';

// The self-hosted check that a form was filled by a person's browser, not posted in bulk (docs/privacy-center.md):
// the server signs a challenge into every form; challenge.js finds a counter whose SHA-256 with it starts with
// `bits` zero bits (about 2^bits hashes, a second or two). Without JavaScript, the signed challenge itself is the
// "short wait token": it is accepted once it is `minWaitMs` old, which a person filling the form always is. Either
// way the submission then passes the per-address and per-email limits. Nothing is stored: the signature proves
// the challenge is ours, and a re-post of the same challenge opens no second request (it is the idempotency key).

export interface ChallengeSettings {
  /** Leading zero bits the proof of work needs (default 16: ~65k hashes). */
  bits?: number;
  /** A form without a solution is accepted once its challenge is this old (default 15 s). */
  minWaitMs?: number;
  /** A challenge older than this is refused as expired (default 1 h). */
  maxAgeMs?: number;
}

export type ChallengeVerdict = { ok: true; nonce: string } | { ok: false; reason: 'invalid' | 'expired' | 'wait' };

const CHALLENGE = /^v1\.([a-z0-9][a-z0-9-]{0,62})\.(\d{13})\.([A-Za-z0-9_-]{22})\.(\d{1,2})\.([A-Za-z0-9_-]{43})$/;

export function challenges(secret: string, settings: ChallengeSettings = {}) {
  const key = createHmac('sha256', secret).update('dsrflow privacy-center challenge v1').digest();
  const bits = settings.bits ?? 16;
  const minWaitMs = settings.minWaitMs ?? 15_000;
  const maxAgeMs = settings.maxAgeMs ?? 3_600_000;
  const mac = (body: string) => createHmac('sha256', key).update(body).digest('base64url');
  return {
    bits,
    issue(organizationId: string, now: Date): string {
      const body = `v1.${organizationId}.${now.getTime()}.${randomBytes(16).toString('base64url')}.${bits}`;
      return `${body}.${mac(body)}`;
    },
    verify(challenge: string | undefined, solution: string | undefined, organizationId: string, now: Date): ChallengeVerdict {
      const m = CHALLENGE.exec(challenge ?? '');
      if (!m || m[1] !== organizationId) return { ok: false, reason: 'invalid' };
      const body = challenge!.slice(0, challenge!.lastIndexOf('.'));
      // The signature as text: decoded, a changed last character can leave the same bytes (base64url's padding bits).
      if (!sameSecret(m[5], mac(body))) return { ok: false, reason: 'invalid' };
      const age = now.getTime() - Number(m[2]);
      if (age > maxAgeMs || age < -60_000) return { ok: false, reason: 'expired' };
      if (solution && /^\d{1,12}$/.test(solution) && leadingZeroBits(createHash('sha256').update(`${challenge}:${solution}`).digest()) >= Number(m[4])) {
        return { ok: true, nonce: m[3]! };
      }
      return age >= minWaitMs ? { ok: true, nonce: m[3]! } : { ok: false, reason: 'wait' };
    },
  };
}

export type Challenges = ReturnType<typeof challenges>;

export function leadingZeroBits(digest: Uint8Array): number {
  let n = 0;
  for (const byte of digest) {
    if (byte === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(byte) - 24;
  }
  return n;
}

/** The solver challenge.js runs, here for tests and the bench: the first counter that meets the challenge's bits. */
export function solveChallenge(challenge: string): string {
  const bits = Number(challenge.split('.')[4]);
  for (let counter = 0; ; counter++) {
    if (leadingZeroBits(createHash('sha256').update(`${challenge}:${counter}`).digest()) >= bits) return String(counter);
  }
}
