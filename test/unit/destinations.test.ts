import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DestinationsError, parseDestinations } from '../../src/domain/destinations.ts';

const problemsOf = (document: unknown, env: Record<string, string> = {}) => {
  try {
    parseDestinations(document, env);
  } catch (error) {
    assert.ok(error instanceof DestinationsError);
    return error.problems;
  }
  assert.fail('parsed');
};

describe('destinations file', () => {
  test('resolves secrets from the environment and fills the retry defaults', () => {
    const [d] = parseDestinations(
      { version: 1, destinations: [{ name: 'ad-platform', url: 'https://ads.example/hook', events: ['subject.erased', 'subject.erased'], secretEnv: 'AD_SECRET' }] },
      { AD_SECRET: 'x'.repeat(32) },
    );
    assert.deepEqual(d, { name: 'ad-platform', url: 'https://ads.example/hook', events: ['subject.erased'], secret: 'x'.repeat(32), giveUpAfterDays: 14, retryInitialSeconds: 30 });
    assert.deepEqual(parseDestinations({ version: 1 }, {}), [], 'no destinations is valid');
  });

  test('names each problem, never a secret', () => {
    const problems = problemsOf(
      {
        version: 1,
        destinations: [
          { name: 'crm', url: 'ftp://crm.example/x', events: ['subject.erased'], secret: 's'.repeat(30) },
          { name: 'crm', url: 'https://crm.example/x', events: [], secret: 's'.repeat(30), secretEnv: 'CRM' },
          { name: 'Bad Name', url: 'https://x.example', events: ['nope'] },
        ],
      },
    );
    const text = problems.join('\n');
    assert.match(text, /destinations\.0\.url/);
    assert.match(text, /destinations\.1\.events/);
    assert.match(text, /destinations\.1\.secret: exactly one of secret and secretEnv/);
    assert.match(text, /destinations\.2\.name/);
    assert.match(text, /destinations\.2\.events\.0/);
    assert.ok(!text.includes('s'.repeat(30)), 'the secret is not echoed');
    const twice = { name: 'crm', url: 'https://crm.example/x', events: ['subject.erased'], secret: 's'.repeat(30) };
    assert.deepEqual(problemsOf({ version: 1, destinations: [twice, twice] }), ['destinations.1.name: destination "crm" is named twice']);
  });

  test('a secretEnv that is unset or too short stops the worker', () => {
    const doc = { version: 1, destinations: [{ name: 'crm', url: 'https://crm.example/x', events: ['suppression.created'], secretEnv: 'CRM_SECRET' }] };
    assert.deepEqual(problemsOf(doc), ['destinations.0.secretEnv: CRM_SECRET is not set to a secret of at least 24 characters']);
    assert.deepEqual(problemsOf(doc, { CRM_SECRET: 'short' }), ['destinations.0.secretEnv: CRM_SECRET is not set to a secret of at least 24 characters']);
  });
});
