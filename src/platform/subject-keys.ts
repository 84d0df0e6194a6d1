import { createHmac, randomBytes } from 'node:crypto';
import { localSecretFile } from './local-secret.ts';
import type { CountryCode } from '../domain/identifiers.ts';
import { normalizeIdentifier, type SubjectIdentifierKind } from '../domain/subjects.ts';

/**
 * The keys of the subjects' pseudonymous ids: HMAC-SHA256 with a secret that never leaves the server, so an id
 * or a stored identifier hash cannot be reversed or recomputed from an email by anyone without it. `previous`
 * are secrets rotated out: lookups still find identifiers hashed under them (docs/subjects.md).
 */
export interface SubjectKeys {
  current: string;
  previous: readonly string[];
  /** PHONE_DEFAULT_COUNTRY: a national phone number is read as one of this country's (E.164 before hashing). */
  phoneDefaultCountry?: CountryCode | undefined;
}

const mac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');

/** A new subject's id: per organization (one person is two unlinkable subjects at two organizations), 128 bits. */
export const subjectIdFor = (keys: SubjectKeys, organizationId: string, normalizedEmail: string): string =>
  mac(keys.current, `subject\n${organizationId}\n${normalizedEmail}`).slice(0, 32);

/**
 * The hashes an identifier is stored and looked up by, under the current secret first, then each previous one.
 * Empty when the value normalizes to nothing.
 */
export function identifierHashes(keys: SubjectKeys, kind: SubjectIdentifierKind, value: string | null | undefined): string[] {
  const normalized = normalizeIdentifier(kind, value, keys.phoneDefaultCountry);
  if (normalized === null) return [];
  return [keys.current, ...keys.previous].map((secret) => mac(secret, `${kind}\n${normalized}`));
}

export const SUBJECT_SECRET_FILE = 'subject-id-secret';

/**
 * The local default for `npm start` without SUBJECT_ID_SECRET: made once, kept beside the embedded database under
 * DATA_DIR (readable by its owner only), so ids stay stable across restarts.
 */
export const localSubjectSecret = (dataDir: string): Promise<string> =>
  localSecretFile(
    dataDir,
    SUBJECT_SECRET_FILE,
    () => randomBytes(32).toString('base64url'),
    (kept) => (kept.length >= 32 ? null : 'holds no usable secret (under 32 characters): remove it, or set SUBJECT_ID_SECRET'),
  );
