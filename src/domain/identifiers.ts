import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

// How an identifier is normalized before anything hashes it: the subject records' keyed hashes (docs/subjects.md)
// and the SHA-256 digests sent downstream with an erasure (docs/erasure.md) use these same two rules, so one
// person's email or phone gives one form everywhere. Pure (libphonenumber's metadata ships in the package).

export type { CountryCode };

/** Trimmed and lower-cased ("  Zoe@Example.COM " is zoe@example.com); null when nothing is left. */
export function normalizedEmail(email: string | null | undefined): string | null {
  const normalized = email?.normalize('NFC').trim().toLowerCase() ?? '';
  return normalized === '' ? null : normalized;
}

/**
 * E.164 (`+491701234567`) by libphonenumber's rules: a number written with its country code (`+`, or the
 * international prefix of `defaultCountry`) or a national number of `defaultCountry`; null when it does not parse
 * to a number of a possible length for its country.
 */
export function e164Phone(phone: string | null | undefined, defaultCountry?: CountryCode): string | null {
  if (phone === null || phone === undefined || phone.trim() === '') return null;
  const parsed = parsePhoneNumberFromString(phone, defaultCountry ? { defaultCountry } : {});
  return parsed?.isPossible() ? parsed.number : null;
}
