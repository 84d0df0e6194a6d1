// Data subjects as records: how identifiers are normalized before they are hashed, the subject's public id, and the
// repeat limits of the regulations table applied to a subject's earlier requests. Pure: no keys, no I/O here.

import { addCalendarMonths } from './dates.ts';
import { e164Phone, normalizedEmail, type CountryCode } from './identifiers.ts';
import { regulationRule, type RegulationCode } from './regulations.ts';
import type { RepeatLimit, RepeatWindow } from './repeat-limits.ts';
import type { RequestStatus, RequestType } from './request.ts';

/** The identifiers a subject is found by; `warehouseKey` is the key of the warehouse customer they matched. */
export const SUBJECT_IDENTIFIER_KINDS = ['email', 'customerId', 'phone', 'warehouseKey'] as const;
export type SubjectIdentifierKind = (typeof SUBJECT_IDENTIFIER_KINDS)[number];

/**
 * The form an identifier is hashed in, so that the same person always gives the same hash: an email trimmed and
 * lower-cased, a phone in E.164 (src/domain/identifiers.ts: the same rules as the digests sent downstream with an
 * erasure; a national number needs `defaultCountry`), a customer id or warehouse key trimmed. A phone libphonenumber
 * cannot place is kept as its digits (with a leading + if it had one), so it still matches itself exactly. Null for
 * an empty value.
 */
export function normalizeIdentifier(kind: SubjectIdentifierKind, value: string | null | undefined, defaultCountry?: CountryCode): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.normalize('NFC').trim();
  if (trimmed === '') return null;
  if (kind === 'email') return normalizedEmail(trimmed);
  if (kind === 'phone') {
    const e164 = e164Phone(trimmed, defaultCountry);
    if (e164 !== null) return e164;
    const digits = trimmed.replace(/\D/g, '');
    return digits === '' ? null : `${trimmed.startsWith('+') ? '+' : ''}${digits}`;
  }
  return trimmed;
}

/** The subject's id as shown everywhere outside the database: a DID of our own method. */
export const DID_PREFIX = 'did:dsrflow:';
export const SUBJECT_ID_PATTERN = /^[0-9a-f]{32}$/;
export const DID_PATTERN = /^did:dsrflow:[0-9a-f]{32}$/;

export const toDid = (subjectId: string): string => `${DID_PREFIX}${subjectId}`;

/** The stored id of a DID; null for anything that is not one of ours. */
export const fromDid = (did: string): string | null => (DID_PATTERN.test(did) ? did.slice(DID_PREFIX.length) : null);

/** An earlier request of the same subject, as the repeat limits see it. */
export interface EarlierRequest {
  id: string;
  type: RequestType;
  regulation: string;
  status: RequestStatus;
  receivedAt: string;
}

/** Requests that never reached the subject's data do not count towards a limit: withdrawn, merged, never verified, refused. */
export const UNCOUNTED_STATUSES: readonly RequestStatus[] = ['cancelled', 'unverified', 'rejected'];

/** What staff see on a request over a limit: the rule, and the earlier requests that make it so. */
export interface OverLimit {
  regulation: RegulationCode;
  rule: RepeatLimit;
  windowStart: string;
  earlierRequests: string[];
  /** The assessment's matching rejection reason, offered to staff (never applied automatically). */
  rejectionReason: 'excessive';
}

/** The instant a window of `period` ends at `receivedAt` starts: the same UTC time of day, months with the month-end rule. */
export function windowStart(receivedAt: Date, period: RepeatWindow): Date {
  const iso = receivedAt.toISOString();
  const time = iso.slice(10);
  if (period.unit === 'calendarMonths') return new Date(`${addCalendarMonths(iso.slice(0, 10), -period.amount)}${time}`);
  if (period.unit === 'calendarDays') return new Date(receivedAt.getTime() - period.amount * 86_400_000);
  throw new Error('a repeat window is counted in calendar days or months');
}

/**
 * The first limit of the regulation this request breaks, counting the subject's earlier requests of the limit's
 * types received inside the window (its start excluded: a request exactly 12 months later is a new period).
 */
export function checkRepeatLimits(
  request: { regulation: RegulationCode; type: RequestType; receivedAt: Date },
  earlier: readonly EarlierRequest[],
): OverLimit | null {
  for (const rule of regulationRule(request.regulation).repeats.limits) {
    if (!rule.types.includes(request.type)) continue;
    const start = windowStart(request.receivedAt, rule.window);
    const counted = earlier.filter((e) => {
      const at = new Date(e.receivedAt).getTime();
      return e.regulation === request.regulation && rule.types.includes(e.type) && !UNCOUNTED_STATUSES.includes(e.status) && at > start.getTime() && at < request.receivedAt.getTime();
    });
    if (counted.length >= rule.max) {
      return { regulation: request.regulation, rule, windowStart: start.toISOString(), earlierRequests: counted.map((e) => e.id), rejectionReason: 'excessive' };
    }
  }
  return null;
}
