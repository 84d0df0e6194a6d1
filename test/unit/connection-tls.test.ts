import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ConnectionOptions } from 'node:tls';
import { databaseConnection, DatabaseTlsError } from '../../src/db/connection-tls.ts';

const BASE = 'postgres://dsrflow:s3cret@db.example.internal:5432/dsrflow';

test('a DATABASE_URL without TLS parameters is passed on as it is, plaintext (explicitly: PGSSLMODE is not read)', () => {
  assert.deepEqual(databaseConnection(`${BASE}?application_name=x`), { url: `${BASE}?application_name=x`, ssl: false });
  assert.deepEqual(databaseConnection(`${BASE}?sslmode=disable&application_name=x`), { url: `${BASE}?application_name=x`, ssl: false });
});

test('the TLS parameters leave the URL and become the driver’s TLS options, with libpq’s meaning', () => {
  const require = databaseConnection(`${BASE}?sslmode=require&application_name=x`);
  assert.equal(require.url, `${BASE}?application_name=x`, 'other parameters stay');
  assert.deepEqual(require.ssl, { rejectUnauthorized: false }, 'require alone: encrypted, unchecked');
  assert.deepEqual(databaseConnection(`${BASE}?sslmode=verify-full`).ssl, { rejectUnauthorized: true }, 'Node’s CAs and the name');
  assert.deepEqual(databaseConnection(`${BASE}?sslmode=verify-full&sslrootcert=system`).ssl, { rejectUnauthorized: true });
  assert.deepEqual(databaseConnection(`${BASE}?sslmode=no-verify`).ssl, { rejectUnauthorized: false });
  const caFile = join(mkdtempSync(join(tmpdir(), 'dsrflow-ca-')), 'ca.pem');
  writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\n');
  const verifyCa = databaseConnection(`${BASE}?sslmode=verify-ca&sslrootcert=${caFile}`).ssl as ConnectionOptions;
  assert.equal(verifyCa.ca, '-----BEGIN CERTIFICATE-----\n');
  assert.equal(verifyCa.rejectUnauthorized, true);
  assert.equal(verifyCa.checkServerIdentity?.('other.host', {} as never), undefined, 'verify-ca checks the chain, not the name');
});

test('DATABASE_URL TLS parameters that cannot be used, or would be weaker than they read, are refused, naming the parameter and never the password', () => {
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
  // A check of the chain alone against public CAs: anyone with a public certificate for any name would pass.
  assert.match(refusal('sslmode=verify-ca'), /sslmode=verify-ca: needs sslrootcert=<the CA file>; with a public CA, use sslmode=verify-full/);
  assert.match(refusal('sslmode=require&sslrootcert=system'), /sslrootcert=system: only with sslmode=verify-full/);
  // pg reads these again from the URL on its own connections (ssl=0: plaintext beside pools over TLS).
  assert.match(refusal('sslmode=verify-full&ssl=0'), /^DATABASE_URL ssl: not supported; TLS is set with sslmode, sslrootcert, sslcert and sslkey/);
  assert.match(refusal('sslnegotiation=direct&sslpassword=x'), /^DATABASE_URL sslnegotiation, sslpassword: not supported/);
  assert.match(refusal('uselibpqcompat=true'), /uselibpqcompat: not supported/);
});
