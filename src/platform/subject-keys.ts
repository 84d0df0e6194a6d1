import { createHmac, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
export async function localSubjectSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, SUBJECT_SECRET_FILE);
  try {
    const kept = (await readFile(file, 'utf8')).trim();
    if (kept.length >= 32) return kept;
    throw new Error(`${file} holds no usable secret (under 32 characters): remove it, or set SUBJECT_ID_SECRET`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  // Written whole under a private name, then linked into place: another process never reads a half-written file,
  // and when two start at once the first link wins and both use its secret.
  const draft = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  await writeFile(draft, `${secret}\n`, { mode: 0o600 });
  try {
    await link(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(draft).catch(() => {});
  }
  return (await readFile(file, 'utf8')).trim();
}
