import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'slonik';
import { migrate } from '../../src/db/migrate.ts';
import { createDatabasePool } from '../../src/db/pool.ts';
import { withSubjectSnapshot } from '../../src/warehouse/subject-rows.ts';
import { postgres } from '../support/stack.ts';
import { makeCertificates, startPostgresTlsFront, type TestCertificates } from '../support/tls-fronts.ts';

// Every message of an error and its causes: the driver's reason sits under slonik's wrapping.
const reasons = (error: unknown): string => (error instanceof Error ? `${error.message} | ${reasons(error.cause)}` : '');

// A hang here (slonik's first connection after a refused handshake) fails the suite instead of stalling the run.
describe('PostgreSQL over TLS, as DATABASE_URL asks for it (a managed database)', { timeout: 30_000 }, () => {
  let certs: TestCertificates;
  let base: URL;
  const fronts: Array<{ close(): Promise<void> }> = [];
  before(async () => {
    certs = makeCertificates();
    base = new URL((await postgres()).url);
  });
  after(() => Promise.all(fronts.map((f) => f.close())));

  const front = async (opts: Parameters<typeof startPostgresTlsFront>[2]) => {
    const started = await startPostgresTlsFront(Number(base.port), certs, opts);
    fronts.push(started);
    return started;
  };
  const urlTo = (port: number, tls: Record<string, string>) => {
    const url = new URL(base);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    for (const [k, v] of Object.entries(tls)) url.searchParams.set(k, v);
    return url.toString();
  };
  const firstQuery = async (url: string) => {
    const pool = await createDatabasePool(url, { maximumPoolSize: 1 });
    try {
      return await pool.oneFirst(sql.unsafe`select 1 as one`);
    } finally {
      await pool.end();
    }
  };

  test('verify-full with a client certificate: the pools, the migrations and an export’s own connection all go over TLS with it', async () => {
    const db = await front({ requireClientCert: true });
    const url = urlTo(db.port, { sslmode: 'verify-full', sslrootcert: certs.caCert, sslcert: certs.clientCert, sslkey: certs.clientKey });
    const sessionsAfter = async (step: () => Promise<unknown>) => {
      const before = db.sessions.length;
      await step();
      return db.sessions.length - before;
    };
    const pool = await createDatabasePool(url, { maximumPoolSize: 1 });
    try {
      assert.ok((await sessionsAfter(async () => assert.equal(await pool.oneFirst(sql.unsafe`select current_database()`), base.pathname.slice(1)))) >= 0);
      const exportSessions = await sessionsAfter(async () => assert.equal(await withSubjectSnapshot(pool, 'no-such-customer', async () => 'read in a snapshot'), 'read in a snapshot'));
      assert.equal(exportSessions, 1, 'an export’s own snapshot connection went through the front');
    } finally {
      await pool.end();
    }
    assert.ok((await sessionsAfter(async () => assert.deepEqual(await migrate(url), [], 'the migrations connect (none pending)'))) >= 1, 'the migrations went through the front');
    assert.deepEqual(new Set(db.sessions), new Set(['dsrflow-app']), 'every session with the client certificate');
  });

  test('verify-full checks the server’s name, verify-ca only its chain, and a private CA is trusted only when named', async () => {
    const named = await front({ server: 'named' }); // a certificate for temporal.internal, reached at 127.0.0.1
    await assert.rejects(firstQuery(urlTo(named.port, { sslmode: 'verify-full', sslrootcert: certs.caCert })), (error) => /does not match certificate's altnames/.test(reasons(error)));
    assert.equal(await firstQuery(urlTo(named.port, { sslmode: 'verify-ca', sslrootcert: certs.caCert })), 1);
    assert.equal(await firstQuery(urlTo(named.port, { sslmode: 'require', sslrootcert: certs.caCert })), 1, 'require with a root certificate checks the chain, as libpq does');
    await assert.rejects(firstQuery(urlTo(named.port, { sslmode: 'require', sslrootcert: join(certs.dir, 'stranger-ca.crt') })), (error) => /certificate/.test(reasons(error)), '…against that CA only');
    await assert.rejects(firstQuery(urlTo(named.port, { sslmode: 'verify-full', sslrootcert: 'system' })), (error) => /self[- ]signed certificate in certificate chain/.test(reasons(error)), 'Node’s CAs do not vouch for a private one');
    assert.equal(await firstQuery(urlTo(named.port, { sslmode: 'require' })), 1, 'require alone encrypts without checking, as libpq does');
  });

  test('a database that asks for a client certificate refuses a connection without one', async () => {
    const db = await front({ requireClientCert: true });
    const refusedBefore = db.refused.length;
    // At once, with the handshake's reason (slonik alone would wait forever for its first connection to close).
    await assert.rejects(firstQuery(urlTo(db.port, { sslmode: 'verify-full', sslrootcert: certs.caCert })), (error) => /alert certificate required/.test(reasons(error)));
    assert.ok(db.refused.length > refusedBefore, 'the front refused the handshake');
    assert.deepEqual(db.sessions, [], 'no session was forwarded');
  });
});
