import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hono } from 'hono';
import { onError } from '../../src/api/errors.ts';
import { createLogger } from '../../src/platform/logger.ts';

// The faults suite cut the database while queries were on their connections: pg says "Connection terminated
// unexpectedly" (no error code), which the API answered 500 instead of the documented 503.
const answerTo = async (error: Error) => {
  const app = new Hono();
  app.onError(onError(createLogger('silent')));
  app.get('/x', () => {
    throw error;
  });
  const response = await app.request('/x');
  return { status: response.status, code: ((await response.json()) as { error: { code: string } }).error.code, retryAfter: response.headers.get('retry-after') };
};

test('a connection dropped mid-query is 503 DATABASE_UNAVAILABLE with Retry-After, also when wrapped', async () => {
  assert.deepEqual(await answerTo(new Error('Connection terminated unexpectedly')), { status: 503, code: 'DATABASE_UNAVAILABLE', retryAfter: '5' });
  assert.deepEqual(await answerTo(new Error('query failed', { cause: new Error('Connection terminated') })), { status: 503, code: 'DATABASE_UNAVAILABLE', retryAfter: '5' });
});

test('any other error stays a 500 with an incident reference', async () => {
  assert.equal((await answerTo(new Error('something else'))).status, 500);
});
