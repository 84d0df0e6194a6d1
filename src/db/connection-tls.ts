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
 * - sslrootcert: the CA file, or `system` (the system's CAs, libpq 16); sslcert and sslkey: a client certificate.
 *
 * slonik's own reading of the URL refuses verify-ca and verify-full and drops the CA and the client certificate, so
 * the parameters are taken out of the URL here and given to the driver as TLS options.
 */
export interface DatabaseConnection {
  /** DATABASE_URL without its TLS parameters. */
  url: string;
  /** The TLS options, or undefined: no TLS asked for (plaintext, as with npm start's embedded PostgreSQL). */
  ssl: ConnectionOptions | undefined;
}

const TLS_PARAMETERS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey'] as const;
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
  if (TLS_PARAMETERS.every((p) => given[p] === undefined)) return { url: databaseUrl, ssl: undefined };
  for (const p of TLS_PARAMETERS) url.searchParams.delete(p);
  const mode = given.sslmode ?? 'verify-full'; // a certificate given without a mode: libpq's default would try TLS; checked fully here
  if (mode === 'allow' || mode === 'prefer') throw new DatabaseTlsError(`sslmode=${mode}: not supported (no fallback from TLS); use sslmode=require or verify-full, or disable`);
  if (!(MODES as readonly string[]).includes(mode)) throw new DatabaseTlsError(`sslmode=${mode}: expected one of ${MODES.join(', ')}`);
  if (mode === 'disable') {
    if (given.sslrootcert || given.sslcert || given.sslkey) throw new DatabaseTlsError('sslmode=disable: sslrootcert, sslcert and sslkey only mean something over TLS');
    return { url: url.toString(), ssl: undefined };
  }
  if (!given.sslcert !== !given.sslkey) throw new DatabaseTlsError(`${given.sslcert ? 'sslcert' : 'sslkey'}: a client certificate and its key go together`);
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
