import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { createSigninLink, csrfTokenOf, findSession, openSession } from '../../src/db/console-sessions.ts';
import { createToken } from '../../src/db/tokens.ts';
import { sameSecret } from '../../src/platform/signing.ts';
import { postgres } from '../support/stack.ts';

// Issue 17: tokens and session ids only stored hashed; secrets compared in constant time (docs/security.md).

const SECRET_NAME = /(token|secret|session|csrf|signature|password|link)/;

describe('secrets at rest and their comparison', () => {
  let pool: DatabasePool;
  before(async () => {
    pool = (await postgres()).pool;
  });

  test('every column that holds a secret holds its SHA-256 only (a *_hash column checked as 64 hex)', async () => {
    const columns = await pool.any(sql.type(z.object({ table_name: z.string(), column_name: z.string(), data_type: z.string(), checked: z.boolean() }))`
      select c.table_name, c.column_name, c.data_type,
             exists (select 1 from pg_constraint k join pg_class t on t.oid = k.conrelid join pg_namespace n on n.oid = t.relnamespace
                     where n.nspname = 'dsrflow' and t.relname = c.table_name and k.contype = 'c'
                       and pg_get_constraintdef(k.oid) like '%' || c.column_name || '%{64}%') as checked
      from information_schema.columns c
      where c.table_schema = 'dsrflow' and c.data_type in ('text', 'character varying', 'bytea')`);
    const secretColumns = columns.filter((c) => SECRET_NAME.test(c.column_name) || SECRET_NAME.test(c.table_name) && c.column_name.endsWith('_hash'));
    assert.ok(secretColumns.length >= 5, 'the scan finds the token tables');
    for (const c of secretColumns) {
      assert.match(c.column_name, /_hash$/, `${c.table_name}.${c.column_name} holds a secret in the clear`);
    }
    // Hashes with the shape checked where the table was made since the console (older tables are hashed by code).
    for (const name of ['console_sessions.id_hash', 'console_signin_links.token_hash', 'signed_deliveries.signature_hash']) {
      assert.ok(columns.find((c) => `${c.table_name}.${c.column_name}` === name)?.checked, `${name} is checked as 64 hex`);
    }
  });

  test('a console session, its CSRF token, a sign-in link and an API token appear nowhere in the database', async () => {
    const { id: tokenId, token } = await createToken(pool, { name: `secrets-${crypto.randomUUID()}`, role: 'dpo', organizationId: null });
    const { sessionId } = await openSession(pool, tokenId, 600);
    const session = await findSession(pool, sessionId, 600, 3600);
    assert.ok(session, 'the session opens with the id the cookie holds');
    assert.equal(session.csrfToken, csrfTokenOf(sessionId));
    assert.notEqual(session.csrfToken, csrfTokenOf(`${sessionId}x`), 'another session has another CSRF token');
    const link = await createSigninLink(pool, (await pool.oneFirst(sql.type(z.object({ name: z.string() }))`select name from dsrflow.api_tokens where id = ${tokenId}`)), 600);
    assert.ok(link);
    const stored = await pool.oneFirst(sql.type(z.object({ dump: z.string() }))`
      select concat_ws(' ', (select string_agg(t::text, ' ') from dsrflow.api_tokens t where t.id = ${tokenId}),
                            (select string_agg(s::text, ' ') from dsrflow.console_sessions s where s.token_id = ${tokenId}),
                            (select string_agg(l::text, ' ') from dsrflow.console_signin_links l where l.token_id = ${tokenId})) as dump`);
    assert.ok(stored.length > 200, 'the rows were found');
    for (const [what, secret] of [['API token', token], ['session id', sessionId], ['CSRF token', session.csrfToken], ['sign-in link', link]] as const) {
      assert.ok(!stored.includes(secret), `the ${what} is not stored`);
    }
  });

  test('sameSecret: equal only for the same bytes, whatever the lengths, never for a missing value', () => {
    assert.equal(sameSecret('a-csrf-token-value', 'a-csrf-token-value'), true);
    assert.equal(sameSecret('a-csrf-token-valuE', 'a-csrf-token-value'), false);
    assert.equal(sameSecret('short', 'a-csrf-token-value'), false);
    assert.equal(sameSecret('', ''), true);
    assert.equal(sameSecret(undefined, 'a-csrf-token-value'), false);
    assert.equal(sameSecret(Buffer.from('00ff', 'hex'), Buffer.from('00ff', 'hex')), true);
  });

  test('no secret is compared with == or === in the source (sameSecret, or a lookup by hash, instead)', () => {
    const root = new URL('../../src/', import.meta.url).pathname;
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    const comparison = /(token|csrf|signature|secret|\bmac|password|guard)[\w.[\]'!]*\s*[!=]==?\s*[^=]|[^=!]\s*[!=]==?\s*[\w.]*(token|csrf|signature|secret|\bmac|password|guard)/i;
    const harmless = /[!=]==?\s*(undefined|null|'[a-z_]*'|"|0\b)|typeof|\.length|\.status/;
    const found = files.flatMap((f) =>
      readFileSync(join(root, f), 'utf8').split('\n').flatMap((line, i) => (comparison.test(line) && !harmless.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    assert.deepEqual(found, []);
  });
});
