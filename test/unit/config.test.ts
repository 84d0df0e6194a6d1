import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig, publicUrl, temporalUiUrl } from '../../src/platform/config.ts';

describe('configuration from the environment', () => {
  test('an empty environment gives the embedded defaults', () => {
    const config = loadConfig({});
    assert.equal(config.PORT, 3000);
    assert.equal(config.DATABASE_URL, undefined, 'no DATABASE_URL means embedded PostgreSQL');
    assert.equal(config.TEMPORAL_ADDRESS, undefined, 'no TEMPORAL_ADDRESS means the local dev server');
    assert.equal(config.SMTP_URL, undefined, 'no SMTP_URL means the local mail catcher');
    assert.equal(config.TEMPORAL_UI_PORT, 8233);
    assert.equal(config.DATA_DIR, '.data');
    assert.equal(publicUrl(config), 'http://localhost:3000');
    assert.equal(temporalUiUrl(config), 'http://localhost:8233');
  });

  test('values are parsed and typed', () => {
    const config = loadConfig({ PORT: '8080', DATABASE_URL: 'postgres://u:p@db:5432/dsr', TEMPORAL_ADDRESS: 'temporal:7233', DEMO_SEED_USERS: '1000000' });
    assert.equal(config.PORT, 8080);
    assert.equal(config.DEMO_SEED_USERS, 1_000_000);
    assert.equal(config.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.equal(temporalUiUrl(config), undefined, 'an external cluster has no known UI unless TEMPORAL_UI_URL says');
  });

  test('an empty string counts as unset for URLs', () => {
    assert.equal(loadConfig({ DATABASE_URL: '' }).DATABASE_URL, undefined);
  });

  test('every bad variable is named, none is echoed', () => {
    const secret = 'short-secret';
    assert.throws(
      () => loadConfig({ PORT: 'abc', TEMPORAL_ADDRESS: 'no-port', DATABASE_URL: 'not a url', DSRFLOW_OWNER_TOKEN: secret, LOG_LEVEL: 'loud' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const named = error.problems.map((p) => p.split(':')[0]).sort();
        assert.deepEqual(named, ['DATABASE_URL', 'DSRFLOW_OWNER_TOKEN', 'LOG_LEVEL', 'PORT', 'TEMPORAL_ADDRESS']);
        assert.match(error.message, /^Invalid configuration:/);
        assert.ok(!error.message.includes(secret), 'a secret value must not appear in the message');
        return true;
      },
    );
  });

  test('ports are range-checked', () => {
    assert.throws(() => loadConfig({ TEMPORAL_UI_PORT: '70000' }), /TEMPORAL_UI_PORT/);
    assert.throws(() => loadConfig({ PORT: '0' }), /PORT/);
  });
});

describe('erasure settings', () => {
  test('the deletion_requests schema defaults to delta_storage and must be a plain schema name', () => {
    assert.equal(loadConfig({}).DELETION_REQUESTS_SCHEMA, 'delta_storage');
    assert.equal(loadConfig({ DELETION_REQUESTS_SCHEMA: 'purge_feed' }).DELETION_REQUESTS_SCHEMA, 'purge_feed');
    assert.throws(() => loadConfig({ DELETION_REQUESTS_SCHEMA: 'x; drop schema y' }), (e: unknown) => e instanceof ConfigError && /DELETION_REQUESTS_SCHEMA/.test(e.message));
    assert.equal(loadConfig({}).RETENTION_POLICY_FILE, undefined, 'the demo policy in config/ unless set');
  });
});
