import { z } from '@hono/zod-openapi';
import { text } from './fields.ts';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BackendTerminatedError, ConnectionError, StatementTimeoutError } from 'slonik';
import { DatabaseDeadlineError } from '../db/pool.ts';
import type { Logger } from '../platform/logger.ts';

// One error shape everywhere: {error: {code, message, details?}}. Database and stack text never reach a client.
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'VALIDATION_FAILED' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

/** An OpenAPI response entry in the shared error shape. */
export const errorResponse = (description: string) => ({ content: { 'application/json': { schema: ErrorSchema } }, description }) as const;

/** The errors every authenticated read route can answer. */
export const readErrorResponses = {
  400: errorResponse('Invalid filter; names the fields'),
  401: errorResponse('Missing or invalid token'),
  403: errorResponse('Role or organization may not read this'),
} as const;

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly details: unknown;
  constructor(status: ContentfulStatusCode, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const errorBody = (code: string, message: string, details?: unknown) => ({
  error: details === undefined ? { code, message } : { code, message, details },
});

export interface FieldProblem {
  field: string;
  message: string;
}

/** Turns zod issues into `{field, message}` pairs, with the field as a dotted path (`subject.email`). */
export const fieldProblems = (issues: readonly z.core.$ZodIssue[]): FieldProblem[] =>
  issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = issue.path.map(String).join('.');
    const field = keys.length > 0 ? [path, keys.join(',')].filter(Boolean).join('.') : path || '(body)';
    return { field, message: issue.message };
  });

export const validationError = (problems: FieldProblem[]) =>
  new ApiError(400, 'VALIDATION_FAILED', `Invalid ${problems.map((p) => p.field).join(', ')}: ${problems.map((p) => p.message).join('; ')}`, problems);

/** The zod-openapi hook every route shares: a failed validation becomes one 400 naming the fields. */
export const defaultHook = (result: { success: boolean; error?: z.ZodError }, c: Context) => {
  if (!result.success && result.error) {
    const err = validationError(fieldProblems(result.error.issues));
    return c.json(errorBody(err.code, err.message, err.details), 400);
  }
  return undefined;
};

export function onError(logger: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof ApiError) {
      if (err.status === 401) c.header('WWW-Authenticate', 'Bearer');
      return c.json(errorBody(err.code, err.message, err.details), err.status);
    }
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      if (status === 400 && /json/i.test(err.message)) return c.json(errorBody('MALFORMED_JSON', 'The request body is not valid JSON'), 400);
      if (status === 413) return c.json(errorBody('PAYLOAD_TOO_LARGE', err.message || 'Request body too large'), 413);
      return c.json(errorBody(`HTTP_${status}`, err.message || 'Request failed'), status);
    }
    if (isDatabaseUnavailable(err)) {
      logger.error('database unavailable', { path: c.req.routePath, error: err.name });
      c.header('Retry-After', '5');
      // A write whose COMMIT was already on its way may have landed: a retry (same Idempotency-Key) finds it.
      return c.json(errorBody('DATABASE_UNAVAILABLE', 'The database is unreachable or did not answer in time. Retry shortly; a retry with the same Idempotency-Key never records twice.'), 503);
    }
    const incident = crypto.randomUUID();
    // The message may quote row values (personal data): log its kind and code only.
    logger.error('unhandled error', { incident, path: c.req.routePath, error: err.name, code: (err as { code?: unknown }).code });
    return c.json(errorBody('INTERNAL', `Internal error; reference ${incident}`), 500);
  };
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P03']);

function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ConnectionError || e instanceof BackendTerminatedError) return true;
    if (e instanceof DatabaseDeadlineError || e instanceof StatementTimeoutError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    // pg's own words (no code) for a connection dropped while a query was on it: the database went away mid-request.
    if (e instanceof Error && /^Connection terminated/.test(e.message)) return true;
  }
  return false;
}

/**
 * A reason staff give (a lift): 3 to 2,000 characters. zod 4 counts code points, as PostgreSQL's length() in the
 * columns' checks does, so two emoji are two characters to both (tested): the API refuses what the table would.
 */
export const reasonText = (description: string) => text({ min: 3, max: 2000 }).openapi({ description });
