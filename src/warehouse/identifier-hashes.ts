import { createHash } from 'node:crypto';
import { e164Phone, normalizedEmail, type CountryCode } from '../domain/identifiers.ts';

// The identifiers an erasure hands downstream (deletion_requests, subject.erased) and the SHA-256 of the normalized
// email and phone, which ad platforms and CRMs match on. One normalization (src/domain/identifiers.ts) for every writer, so a receiver that
// hashes its own copy the same way finds the same hex digest. Documented in docs/erasure.md.

export interface SubjectIdentifiers {
  email: string | null;
  customerId: string | null;
  phone: string | null;
}

export interface HashedIdentifiers extends SubjectIdentifiers {
  /** Lower-case hex SHA-256 of the trimmed, lower-cased email; null without an email. */
  emailSha256: string | null;
  /** Lower-case hex SHA-256 of the phone in E.164 (`+` and digits); null without a phone or when it cannot be normalized. */
  phoneSha256: string | null;
}

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The identifiers as given, with their hashes. The identifiers themselves are kept as held, not normalized. */
export function withHashes(ids: SubjectIdentifiers, defaultCountry?: CountryCode): HashedIdentifiers {
  const email = normalizedEmail(ids.email);
  const phone = e164Phone(ids.phone, defaultCountry);
  return { ...ids, emailSha256: email === null ? null : sha256Hex(email), phoneSha256: phone === null ? null : sha256Hex(phone) };
}

/**
 * What downstream gets for a subject: per identifier, the value the warehouse held for the matched customer, else
 * the one the requester gave (an identifier the data model does not map, or one the warehouse held empty).
 */
export function mergeIdentifiers(held: Partial<SubjectIdentifiers>, given: SubjectIdentifiers): SubjectIdentifiers {
  const pick = (h: string | null | undefined, g: string | null) => (h !== undefined && h !== null && h.trim() !== '' ? h : g);
  return { email: pick(held.email, given.email), customerId: pick(held.customerId, given.customerId), phone: pick(held.phone, given.phone) };
}
