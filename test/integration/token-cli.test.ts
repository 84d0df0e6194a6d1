import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { sql } from 'slonik';
import { findActiveToken, generateToken, listTokens, revokeToken, upsertToken } from '../../src/db/tokens.ts';
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

test("a token's last use (npm run token -- list) is written at most once a minute: busy clients' calls write nothing", async () => {
  const pg = await postgres();
  const name = `busy-${randomUUID().slice(0, 8)}`;
  const token = generateToken();
  await upsertToken(pg.pool, { name, role: 'controller', organizationId: 'default', token });
  const lastUse = async () => (await listTokens(pg.pool)).find((t) => t.name === name)!.last_used_at;
  assert.equal(await lastUse(), null);

  const first = await findActiveToken(pg.pool, token);
  const written = await lastUse();
  assert.ok(written, 'the first use is written');
  assert.equal(first?.last_used_at, written, 'the call sees its own use');
  assert.equal((await findActiveToken(pg.pool, token))?.name, name);
  assert.equal(await lastUse(), written, 'a second call within the minute writes nothing');

  // A minute later the next call is written again.
  await pg.pool.query(sql.unsafe`update dsrflow.api_tokens set last_used_at = now() - interval '61 seconds' where name = ${name}`);
  const aged = await lastUse();
  await findActiveToken(pg.pool, token);
  const again = await lastUse();
  assert.ok(again && aged && Date.parse(again) > Date.parse(aged) + 60_000, `${again} is the new use, not ${aged}`);

  await revokeToken(pg.pool, name);
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
