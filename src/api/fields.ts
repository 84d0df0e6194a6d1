import { z } from '@hono/zod-openapi';

// The building blocks of every request schema: what PostgreSQL and the domain can take, refused at the edge with a
// 400 naming the field (never a database error after the fact). Every route composes its inputs from these.

/** PostgreSQL text cannot hold U+0000; JSON and query strings can. Stated as a pattern so the document says it too. */
const NO_NUL = /^[^\u0000]*$/;
const NO_NUL_MESSAGE = 'must not contain a NUL (U+0000) character';

/** Free text a person typed (a name, a note, a filter): trimmed, bounded, no NUL. */
export const text = (opts: { min?: number; max: number; trim?: boolean }) => {
  const base = opts.trim === false ? z.string() : z.string().trim();
  return base.min(opts.min ?? 1).max(opts.max).regex(NO_NUL, NO_NUL_MESSAGE);
};

/** An email address as a person pastes it: surrounding spaces trimmed (not refused), then checked; case kept as given. */
export const emailAddress = () => z.string().trim().max(320).pipe(z.email());

/** An organization id as the organizations table keys it. */
export const organizationId = () => z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (up to 63)');

/**
 * An instant: RFC 3339 with `Z` or a `±HH:MM` offset that some place uses (−12:00 to +14:00), normalised to UTC with
 * millisecond precision, so PostgreSQL (whose offsets stop at ±15:59) always takes it. RFC 3339's syntax allows up
 * to ±23:59, but `…-19:05` names no clock on Earth: a client sending it has a bug, and a 400 tells it so rather
 * than guessing. Years 0001 to 9999 in UTC (PostgreSQL has no year 0).
 */
export const instant = () =>
  z.iso
    .datetime({ offset: true })
    .refine((v) => offsetInUse(v), 'must have a UTC offset between -12:00 and +14:00 (or Z)')
    .refine((v) => inYearRange(v), 'must be an instant between the years 0001 and 9999 (UTC)')
    .overwrite((v) => (offsetInUse(v) && inYearRange(v) ? new Date(v).toISOString() : v));

function offsetInUse(value: string): boolean {
  const m = /([+-])(\d{2}):(\d{2})$/.exec(value);
  if (!m) return true; // Z
  const minutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  return minutes >= -12 * 60 && minutes <= 14 * 60;
}

function inYearRange(value: string): boolean {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return false;
  const year = new Date(ms).getUTCFullYear();
  return year >= 1 && year <= 9999;
}
