import { z } from '@hono/zod-openapi';
import { ApiError } from './errors.ts';

// Opaque cursors: base64url JSON of the last item's position. A cursor that does not decode is a 400, never a 500.
export const CursorParam = z
  .string()
  .max(300)
  .regex(/^[A-Za-z0-9_-]+$/, 'an opaque cursor from a previous page')
  .optional()
  .openapi({ description: 'nextCursor of the previous page' });

export const LimitParam = (max: number, fallback: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback).openapi({ description: `Page size, 1 to ${max}` });

export const encodeCursor = (position: unknown) => Buffer.from(JSON.stringify(position)).toString('base64url');

export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through: not JSON
  }
  throw new ApiError(400, 'INVALID_CURSOR', 'The cursor is not one this API issued; start again without it', [{ field: 'cursor', message: 'invalid cursor' }]);
}
