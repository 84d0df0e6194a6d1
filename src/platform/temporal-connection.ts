import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { getCACertificates } from 'node:tls';
import type { TLSConfig } from '@temporalio/client';
import { StartupError, startupFailureLine } from './startup-error.ts';

/**
 * How dsrflow reaches a Temporal that is not on this host's loopback: TLS (a self-hosted cluster behind its own CA),
 * mutual TLS (a client certificate, as Temporal Cloud and most clusters require) and an API key (Temporal Cloud).
 * The settings carry the names of Temporal's own client environment configuration, so one set of variables serves
 * dsrflow's API and workers and the `temporal` CLI alike (docs/deployment.md, "Temporal over TLS").
 * (The settings' fields, as src/platform/config.ts parses them; declared here so neither module imports the other.)
 */
export interface TemporalTlsSettings {
  TEMPORAL_TLS?: boolean | undefined;
  TEMPORAL_TLS_SERVER_CA_CERT_PATH?: string | undefined;
  TEMPORAL_TLS_SERVER_CA_CERT_DATA?: string | undefined;
  TEMPORAL_TLS_CLIENT_CERT_PATH?: string | undefined;
  TEMPORAL_TLS_CLIENT_CERT_DATA?: string | undefined;
  TEMPORAL_TLS_CLIENT_KEY_PATH?: string | undefined;
  TEMPORAL_TLS_CLIENT_KEY_DATA?: string | undefined;
  TEMPORAL_TLS_SERVER_NAME?: string | undefined;
  TEMPORAL_TLS_DISABLE_HOST_VERIFICATION?: boolean | undefined;
  TEMPORAL_API_KEY?: string | undefined;
}

/** What Connection.connect / Connection.lazy and NativeConnection.connect take. */
export interface TemporalConnectionOptions {
  address: string;
  /** false, not absent, when TLS is off: the SDK turns TLS on by itself when an API key is given. */
  tls: TLSConfig | false;
  apiKey?: string;
}

/** The PEM settings, each a file (…_PATH) or the PEM itself (…_DATA, e.g. from a secret store). */
const PEMS = [
  { name: 'server CA', path: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', data: 'TEMPORAL_TLS_SERVER_CA_CERT_DATA' },
  { name: 'client certificate', path: 'TEMPORAL_TLS_CLIENT_CERT_PATH', data: 'TEMPORAL_TLS_CLIENT_CERT_DATA' },
  { name: 'client key', path: 'TEMPORAL_TLS_CLIENT_KEY_PATH', data: 'TEMPORAL_TLS_CLIENT_KEY_DATA' },
] as const;
type Pem = (typeof PEMS)[number];
const ALL = ['TEMPORAL_TLS', ...PEMS.flatMap((p) => [p.path, p.data]), 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION', 'TEMPORAL_API_KEY'] as const;

/** Whether any of the settings is given (dsrflow's own Temporal, `npm start`'s, is plaintext on loopback and ignores them). */
export const anyTemporalTlsSetting = (s: TemporalTlsSettings): boolean => ALL.some((k) => s[k] !== undefined);

const given = (s: TemporalTlsSettings, pem: Pem) => (s[pem.path] ? pem.path : s[pem.data] ? pem.data : undefined);

/** Contradictions between the settings, one line each (loadConfig lists them with the other bad settings). */
export function temporalTlsProblems(s: TemporalTlsSettings): string[] {
  const problems: string[] = [];
  for (const pem of PEMS) {
    if (s[pem.path] && s[pem.data]) problems.push(`${pem.path}, ${pem.data}: give the ${pem.name} once, as a file or as PEM text`);
  }
  const cert = given(s, PEMS[1]);
  const key = given(s, PEMS[2]);
  if (!!cert !== !!key) problems.push(`${cert ?? key}: a client certificate and its key go together (${cert ? 'TEMPORAL_TLS_CLIENT_KEY_PATH or _DATA' : 'TEMPORAL_TLS_CLIENT_CERT_PATH or _DATA'} is missing)`);
  const tlsOnly = [...PEMS.map((p) => given(s, p)), s.TEMPORAL_TLS_SERVER_NAME ? 'TEMPORAL_TLS_SERVER_NAME' : undefined].filter(Boolean);
  if (s.TEMPORAL_TLS === false && tlsOnly.length > 0) problems.push(`TEMPORAL_TLS: false contradicts ${tlsOnly.join(', ')} (settings of TLS)`);
  // The TypeScript SDK always checks the server's name: a silent "yes" would be a connection that checks more than asked.
  if (s.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION) problems.push('TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: not supported here; give TEMPORAL_TLS_SERVER_NAME the name the server’s certificate carries');
  return problems;
}

async function pemOf(s: TemporalTlsSettings, pem: Pem): Promise<Buffer | undefined> {
  const path = s[pem.path];
  if (path) {
    return readFile(path).catch((error: unknown) => {
      throw new StartupError(`${pem.path}: the ${pem.name} at ${path} cannot be read: ${startupFailureLine(error)}`, { cause: error });
    });
  }
  const data = s[pem.data];
  return data ? Buffer.from(data) : undefined;
}

/**
 * The connection options, files read and checked: a certificate or key that does not parse, or a key that is not the
 * certificate's, stops the process here naming the setting, rather than as a handshake failure from deep in the SDK.
 */
export async function temporalConnectionOptions(s: TemporalTlsSettings, address: string): Promise<TemporalConnectionOptions> {
  const [ca, crt, key] = await Promise.all(PEMS.map((pem) => pemOf(s, pem)));
  const apiKey = s.TEMPORAL_API_KEY ? { apiKey: s.TEMPORAL_API_KEY } : {};
  const tlsOn = s.TEMPORAL_TLS ?? !!(ca || crt || s.TEMPORAL_TLS_SERVER_NAME || s.TEMPORAL_API_KEY);
  if (!tlsOn) return { address, tls: false, ...apiKey };
  const certificate = (bytes: Buffer, pem: Pem) => {
    try {
      // PEM only: both clients take PEM, and X509Certificate alone would also read DER.
      if (!bytes.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no BEGIN CERTIFICATE line');
      return new X509Certificate(bytes);
    } catch (error) {
      throw new StartupError(`${given(s, pem)}: the ${pem.name} is not a PEM certificate (${startupFailureLine(error)})`, { cause: error });
    }
  };
  if (ca) certificate(ca, PEMS[0]);
  // No CA named: Node's CAs (its bundled ones, and NODE_EXTRA_CA_CERTS), for the API's client and the worker's alike;
  // left unset, the worker's native client would read the system's store instead, which a slim image lacks.
  const roots = ca ?? Buffer.from(getCACertificates('default').join('\n'));
  let clientCertPair: TLSConfig['clientCertPair'];
  if (crt && key) {
    const x509 = certificate(crt, PEMS[1]);
    let privateKey;
    try {
      privateKey = createPrivateKey(key);
    } catch (error) {
      throw new StartupError(`${given(s, PEMS[2])}: the client key is not a PEM private key (${startupFailureLine(error)})`, { cause: error });
    }
    if (!x509.checkPrivateKey(privateKey)) throw new StartupError(`${given(s, PEMS[2])}: this key is not the key of the client certificate (${given(s, PEMS[1])})`);
    clientCertPair = { crt, key };
  }
  return {
    address,
    tls: {
      serverRootCACertificate: roots,
      ...(clientCertPair ? { clientCertPair } : {}),
      ...(s.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: s.TEMPORAL_TLS_SERVER_NAME } : {}),
    },
    ...apiKey,
  };
}

/** The settings to name when Temporal cannot be reached: the address, and the TLS ones if any is set. */
export const temporalSettingsNamed = (s: TemporalTlsSettings): string => ['TEMPORAL_ADDRESS', ...ALL.filter((k) => s[k] !== undefined)].join(', ');
