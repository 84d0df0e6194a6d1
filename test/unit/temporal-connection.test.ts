import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { getCACertificates } from 'node:tls';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/platform/config.ts';
import { StartupError } from '../../src/platform/startup-error.ts';
import { temporalConnectionOptions } from '../../src/platform/temporal-connection.ts';
import { makeCertificates, type TestCertificates } from '../support/tls-fronts.ts';

const ADDRESS = 'temporal.example.internal:7233';
let certs: TestCertificates;
before(() => {
  certs = makeCertificates();
});

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
};

test('contradicting or unusable Temporal TLS settings stop the process at start, each named, no value echoed', () => {
  assert.deepEqual(problemsOf({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CLIENT_CERT_PATH: '/c.pem' }), [
    'TEMPORAL_TLS_CLIENT_CERT_PATH: a client certificate and its key go together (TEMPORAL_TLS_CLIENT_KEY_PATH or _DATA is missing)',
  ]);
  assert.deepEqual(problemsOf({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/ca.pem' }), [
    'TEMPORAL_TLS: false contradicts TEMPORAL_TLS_SERVER_CA_CERT_PATH (settings of TLS)',
  ]);
  assert.match(problemsOf({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/a', TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'x' })[0]!, /give the server CA once/);
  assert.match(problemsOf({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS: 'yes' })[0]!, /^TEMPORAL_TLS: true or false \(or 1 or 0\)/);
  assert.deepEqual(problemsOf({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' }), [
    'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: not supported here; give TEMPORAL_TLS_SERVER_NAME the name the server’s certificate carries',
  ]);
  const badKey = problemsOf({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_API_KEY: 'secret\u00e9key' });
  assert.deepEqual(badKey, ['TEMPORAL_API_KEY: printable ASCII without spaces'], 'a key every call would fail with, refused without showing it');
  assert.deepEqual(problemsOf({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_API_KEY: '', TEMPORAL_TLS: '' }), [], 'empty values count as unset');
  assert.deepEqual(problemsOf({ TEMPORAL_API_KEY: 'k' }), [], 'without TEMPORAL_ADDRESS they are ignored (npm start runs its own Temporal), not refused');
  assert.equal(loadConfig({ TEMPORAL_TLS: 'TRUE' }).TEMPORAL_TLS, true, 'as Temporal reads it: any case');
  assert.equal(loadConfig({ TEMPORAL_TLS: '0' }).TEMPORAL_TLS, false);
});

test('TLS is off on loopback by default, on with any TLS setting or an API key, and off when TEMPORAL_TLS says so', async () => {
  const options = (env: Record<string, string>) => temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: ADDRESS, ...env }), ADDRESS);
  // No CA named: Node's own CAs, given to both clients (the worker's would otherwise read the system's store).
  const nodeRoots = Buffer.from(getCACertificates('default').join('\n'));
  assert.deepEqual(await options({}), { address: ADDRESS, tls: false });
  assert.deepEqual(await options({ TEMPORAL_API_KEY: 'key' }), { address: ADDRESS, tls: { serverRootCACertificate: nodeRoots }, apiKey: 'key' }, 'an API key means TLS, as Temporal Cloud needs');
  assert.deepEqual(await options({ TEMPORAL_API_KEY: 'key', TEMPORAL_TLS: 'false' }), { address: ADDRESS, tls: false, apiKey: 'key' }, 'unless TLS is turned off (a TLS sidecar)');
  assert.deepEqual(await options({ TEMPORAL_TLS: 'true' }), { address: ADDRESS, tls: { serverRootCACertificate: nodeRoots } }, 'publicly trusted certificates, as Temporal Cloud’s');
  const ca = readFileSync(certs.caCert);
  const pair = await options({ TEMPORAL_TLS_SERVER_CA_CERT_DATA: ca.toString(), TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
  assert.deepEqual(pair, {
    address: ADDRESS,
    tls: { serverRootCACertificate: Buffer.from(ca.toString().trim()), clientCertPair: { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) }, serverNameOverride: 'temporal.internal' },
  });
});

test('a certificate or key that cannot be used stops the process naming its setting, not as a handshake failure later', async () => {
  const failure = async (env: Record<string, string>) => {
    try {
      await temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: ADDRESS, ...env }), ADDRESS);
    } catch (error) {
      assert.ok(error instanceof StartupError);
      return error.message;
    }
    assert.fail('the options were accepted');
  };
  assert.match(await failure({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(certs.dir, 'missing.pem') }), /^TEMPORAL_TLS_SERVER_CA_CERT_PATH: the server CA at .*missing\.pem cannot be read: .*ENOENT/);
  assert.match(await failure({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.clientKey }), /^TEMPORAL_TLS_SERVER_CA_CERT_PATH: the server CA is not a PEM certificate/);
  const der = join(certs.dir, 'ca.der');
  execFileSync('openssl', ['x509', '-in', certs.caCert, '-outform', 'DER', '-out', der]);
  assert.match(await failure({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: der }), /^TEMPORAL_TLS_SERVER_CA_CERT_PATH: the server CA is not a PEM certificate/, 'DER, which neither client reads');
  assert.match(await failure({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientCert }), /^TEMPORAL_TLS_CLIENT_KEY_PATH: the client key is not a PEM private key/);
  assert.equal(
    await failure({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.strangerKey }),
    'TEMPORAL_TLS_CLIENT_KEY_PATH: this key is not the key of the client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH)',
  );
});
