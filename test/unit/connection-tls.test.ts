import assert from 'node:assert/strict';
import { test } from 'node:test';
import { databaseConnection, DatabaseTlsError } from '../../src/db/connection-tls.ts';

const BASE = 'postgres://dsrflow:s3cret@db.example.internal:5432/dsrflow';

test('a DATABASE_URL without TLS parameters is passed on as it is, plaintext', () => {
  assert.deepEqual(databaseConnection(`${BASE}?application_name=x`), { url: `${BASE}?application_name=x`, ssl: undefined });
  assert.deepEqual(databaseConnection(`${BASE}?sslmode=disable&application_name=x`), { url: `${BASE}?application_name=x`, ssl: undefined });
});

test('the TLS parameters leave the URL and become the driver’s TLS options, with libpq’s meaning', () => {
  const require = databaseConnection(`${BASE}?sslmode=require&application_name=x`);
  assert.equal(require.url, `${BASE}?application_name=x`, 'other parameters stay');
  assert.deepEqual(require.ssl, { rejectUnauthorized: false }, 'require alone: encrypted, unchecked');
  assert.deepEqual(databaseConnection(`${BASE}?sslmode=verify-full`).ssl, { rejectUnauthorized: true }, 'the system’s CAs and the name');
  assert.deepEqual(databaseConnection(`${BASE}?sslmode=verify-full&sslrootcert=system`).ssl, { rejectUnauthorized: true });
  const verifyCa = databaseConnection(`${BASE}?sslmode=verify-ca`).ssl!;
  assert.equal(verifyCa.rejectUnauthorized, true);
  assert.equal(verifyCa.checkServerIdentity?.('other.host', {} as never), undefined, 'verify-ca does not check the name');
  assert.deepEqual(databaseConnection(`${BASE}?sslmode=no-verify`).ssl, { rejectUnauthorized: false });
});

test('DATABASE_URL TLS parameters that cannot be used are refused, naming the parameter and never the password', () => {
  const refusal = (query: string) => {
    try {
      databaseConnection(`${BASE}?${query}`);
    } catch (error) {
      assert.ok(error instanceof DatabaseTlsError);
      assert.doesNotMatch(error.message, /s3cret/);
      return error.message;
    }
    assert.fail(`accepted: ${query}`);
  };
  assert.match(refusal('sslmode=prefer'), /^DATABASE_URL sslmode=prefer: not supported \(no fallback from TLS\)/);
  assert.match(refusal('sslmode=allow'), /sslmode=allow: not supported/);
  assert.match(refusal('sslmode=verify'), /sslmode=verify: expected one of disable, require, no-verify, verify-ca, verify-full/);
  assert.match(refusal('sslmode=require&sslrootcert=/no/such/ca.pem'), /^DATABASE_URL sslrootcert=\/no\/such\/ca.pem: the file cannot be read \(ENOENT\)/);
  assert.match(refusal('sslmode=verify-full&sslcert=/c.pem'), /sslcert: a client certificate and its key go together/);
  assert.match(refusal('sslmode=disable&sslrootcert=/ca.pem'), /sslmode=disable: sslrootcert, sslcert and sslkey only mean something over TLS/);
});
