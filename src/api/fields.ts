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

/** An organization id as the organizations table keys it. */
export const organizationId = () => z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (up to 63)');

/**
 * An instant: RFC 3339 with `Z` or a `±HH:MM` offset (any offset up to ±23:59, as RFC 3339 allows), normalised to
 * UTC with millisecond precision (`2026-11-20T16:07:46.3-19:05` becomes `2026-11-21T11:12:46.300Z`) so PostgreSQL,
 * whose offsets stop at ±15:59, always takes it. Years 0001 to 9999 in UTC (PostgreSQL has no year 0).
 */
export const instant = () =>
  z.iso
    .datetime({ offset: true })
    .refine((v) => inYearRange(v), 'must be an instant between the years 0001 and 9999 (UTC)')
    .overwrite((v) => (inYearRange(v) ? new Date(v).toISOString() : v));

function inYearRange(value: string): boolean {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return false;
  const year = new Date(ms).getUTCFullYear();
  return year >= 1 && year <= 9999;
}
