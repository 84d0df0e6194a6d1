import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';

/**
 * TLS to PostgreSQL as DATABASE_URL asks for it, read with libpq's meaning of its parameters, since that is what a
 * managed database's console hands out (`?sslmode=verify-full&sslrootcert=/etc/ssl/rds-ca.pem`):
 *
 * - sslmode: `disable`; `require` (encrypted; the server's certificate checked only when sslrootcert is given, as
 *   libpq does); `verify-ca` (its chain checked); `verify-full` (its chain and its name). `no-verify` (pg's own) is
 *   `require` without any check. `allow` and `prefer` (TLS if the server offers it) are refused: node's driver cannot
 *   fall back, so they would mean something else here than in libpq; say `require` or `disable`.
 * - sslrootcert: the CA file, or `system` (Node's CA list: its bundled one and NODE_EXTRA_CA_CERTS; libpq 16 allows
 *   it with verify-full only, and so do we); sslcert and sslkey: a client certificate.
 * - Other TLS parameters (`ssl`, `sslnegotiation`, `sslpassword`, `sslcrl`, ...) are refused, not dropped: pg would
 *   read some of them again from the URL and override these options (`ssl=0`: plaintext) on its own connections.
 * - libpq's environment (PGSSLMODE, ~/.postgresql) is not read: what the URL says is what every connection does.
 *
 * slonik's own reading of the URL refuses verify-ca and verify-full and drops the CA and the client certificate, so
 * the parameters are taken out of the URL here and given to the driver as TLS options.
 */
export interface DatabaseConnection {
  /** DATABASE_URL without its TLS parameters. */
  url: string;
  /** The TLS options, or false: no TLS asked for (plaintext, as with npm start's embedded PostgreSQL). */
  ssl: ConnectionOptions | false;
}

const TLS_PARAMETERS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey'] as const;
// TLS parameters of libpq or pg that are not supported here: refused by name (pg would apply some of them itself).
const isOtherTlsParameter = (name: string) => /^ssl/i.test(name) && !(TLS_PARAMETERS as readonly string[]).includes(name) || ['requiressl', 'uselibpqcompat'].includes(name);
const MODES = ['disable', 'require', 'no-verify', 'verify-ca', 'verify-full'] as const;

/** A DATABASE_URL whose TLS parameters cannot be used; the message names the parameter, never the URL (its password). */
export class DatabaseTlsError extends Error {
  constructor(message: string) {
    super(`DATABASE_URL ${message}`);
    this.name = 'DatabaseTlsError';
  }
}

function pem(parameter: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new DatabaseTlsError(`${parameter}=${path}: the file cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

export function databaseConnection(databaseUrl: string): DatabaseConnection {
  const url = new URL(databaseUrl);
  const given = Object.fromEntries(TLS_PARAMETERS.map((p) => [p, url.searchParams.get(p) ?? undefined])) as Record<(typeof TLS_PARAMETERS)[number], string | undefined>;
  const unsupported = [...url.searchParams.keys()].filter(isOtherTlsParameter);
  if (unsupported.length > 0) throw new DatabaseTlsError(`${unsupported.join(', ')}: not supported; TLS is set with sslmode, sslrootcert, sslcert and sslkey`);
  if (TLS_PARAMETERS.every((p) => given[p] === undefined)) return { url: databaseUrl, ssl: false };
  for (const p of TLS_PARAMETERS) url.searchParams.delete(p);
  const mode = given.sslmode ?? 'verify-full'; // a certificate given without a mode: libpq's default would try TLS; checked fully here
  if (mode === 'allow' || mode === 'prefer') throw new DatabaseTlsError(`sslmode=${mode}: not supported (no fallback from TLS); use sslmode=require or verify-full, or disable`);
  if (!(MODES as readonly string[]).includes(mode)) throw new DatabaseTlsError(`sslmode=${mode}: expected one of ${MODES.join(', ')}`);
  if (mode === 'disable') {
    if (given.sslrootcert || given.sslcert || given.sslkey) throw new DatabaseTlsError('sslmode=disable: sslrootcert, sslcert and sslkey only mean something over TLS');
    return { url: url.toString(), ssl: false };
  }
  if (!given.sslcert !== !given.sslkey) throw new DatabaseTlsError(`${given.sslcert ? 'sslcert' : 'sslkey'}: a client certificate and its key go together`);
  if (given.sslrootcert === 'system' && mode !== 'verify-full') throw new DatabaseTlsError(`sslrootcert=system: only with sslmode=verify-full (a public CA vouches for names, so the name must be checked)`);
  if (mode === 'verify-ca' && !given.sslrootcert) throw new DatabaseTlsError('sslmode=verify-ca: needs sslrootcert=<the CA file>; with a public CA, use sslmode=verify-full');
  const ca = given.sslrootcert && given.sslrootcert !== 'system' ? { ca: pem('sslrootcert', given.sslrootcert) } : {};
  const client = given.sslcert && given.sslkey ? { cert: pem('sslcert', given.sslcert), key: pem('sslkey', given.sslkey) } : {};
  // libpq: `require` with a root certificate checks the chain, as verify-ca does.
  const checks = mode === 'no-verify' || (mode === 'require' && !given.sslrootcert) ? 'none' : mode === 'verify-full' ? 'full' : 'chain';
  return {
    url: url.toString(),
    ssl: {
      ...ca,
      ...client,
      rejectUnauthorized: checks !== 'none',
      ...(checks === 'chain' ? { checkServerIdentity: () => undefined } : {}),
    },
  };
}
