import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { findActiveToken } from '../../src/db/tokens.ts';
import { postgres } from '../support/stack.ts';

const run = promisify(execFile);

test('npm run token: create prints the token once, list shows it without it, revoke ends it', async () => {
  const pg = await postgres();
  const env = { ...process.env, DATABASE_URL: pg.url };
  const cli = (...args: string[]) => run(process.execPath, ['src/db/token-cli.ts', ...args], { env });
  const name = `jane-${randomUUID().slice(0, 8)}`;

  const created = await cli('create', '--role', 'dpo', '--org', 'acme-cli', '--name', name);
  const token = /^(dsr_[A-Za-z0-9_-]{43})$/m.exec(created.stdout)?.[1];
  assert.ok(token, created.stdout);
  const row = await findActiveToken(pg.pool, token);
  assert.equal(row?.role, 'dpo');
  assert.equal(row?.organization_id, 'acme-cli');

  const listed = await cli('list');
  assert.match(listed.stdout, new RegExp(`^${name}\\tdpo\\tacme-cli\\t`, 'm'));
  assert.ok(!listed.stdout.includes(token), 'the token is never shown again');

  await assert.rejects(cli('create', '--role', 'dpo', '--name', name), /already exists/);
  await assert.rejects(cli('create', '--role', 'controller', '--name', `${name}-c`), /needs --org/);
  await assert.rejects(cli('create', '--role', 'root', '--name', `${name}-r`), /--role must be one of/);

  await cli('revoke', '--name', name);
  assert.equal(await findActiveToken(pg.pool, token), null);
});

test('npm run token -- --help prints the usage to stdout and exits 0, without a database', async () => {
  // No DATABASE_URL and a port nothing listens on: help must not need the database.
  const env = { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' };
  for (const flag of ['--help', '-h']) {
    const { stdout, stderr } = await run(process.execPath, ['src/db/token-cli.ts', flag], { env });
    assert.match(stdout, /^usage:\n {2}npm run token -- create --role/);
    assert.equal(stderr, '');
  }
  await assert.rejects(run(process.execPath, ['src/db/token-cli.ts', '--bogus'], { env }), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 64);
    assert.match(error.stderr, /Unknown option '--bogus'/);
    return true;
  });
});
