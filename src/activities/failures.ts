import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';

/**
 * Activity failures land in the workflow history and the Temporal UI. A driver or SMTP error message can quote
 * personal data ("550 <jane@…> rejected", a row value in a constraint error), so anything that is not already
 * one of our coded failures is replaced by its kind and code alone. The retry policy is unchanged.
 */
export function withoutPersonalDataInFailures<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (error) {
        throw sanitizedFailure(error);
      }
    };
  }
  return wrapped as T;
}

export function sanitizedFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure || error instanceof CancelledFailure) return error;
  const kind = error instanceof Error ? error.name : 'Error';
  const code = (error as { code?: unknown })?.code;
  return ApplicationFailure.create({ message: `${kind}${typeof code === 'string' || typeof code === 'number' ? ` (${code})` : ''}`, type: kind });
}
