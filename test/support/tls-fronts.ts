// Services reached over (mutual) TLS, as production ones are: certificates made by openssl, and fronts that
// terminate TLS before the suite's plaintext servers, as a load balancer or a managed database's proxy does.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { tempFolder } from './stack.ts';

export const SERVER_NAME = 'temporal.internal';

export interface TestCertificates {
  dir: string;
  /** Files: the CA the servers' certificates are issued by, the servers' pairs, a client pair of that CA, and a client pair of another CA. */
  caCert: string;
  /** For the name SERVER_NAME. */
  serverCert: string;
  serverKey: string;
  /** For the address 127.0.0.1. */
  loopbackCert: string;
  loopbackKey: string;
  clientCert: string;
  clientKey: string;
  strangerCert: string;
  strangerKey: string;
}

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

function authority(dir: string, name: string) {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

function issue(dir: string, ca: string, name: string, extensions: string) {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
}

/** A CA with a server and a client certificate, and a client certificate of a CA the server does not trust. */
export function makeCertificates(): TestCertificates {
  const dir = tempFolder('dsrflow-tls-');
  authority(dir, 'cluster-ca');
  authority(dir, 'stranger-ca');
  issue(dir, 'cluster-ca', SERVER_NAME, `subjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth\n`);
  issue(dir, 'cluster-ca', 'loopback', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  issue(dir, 'cluster-ca', 'dsrflow-app', 'extendedKeyUsage=clientAuth\n');
  issue(dir, 'stranger-ca', 'stranger', 'extendedKeyUsage=clientAuth\n');
  const file = (name: string) => join(dir, name);
  return {
    dir,
    caCert: file('cluster-ca.crt'),
    serverCert: file(`${SERVER_NAME}.crt`),
    serverKey: file(`${SERVER_NAME}.key`),
    loopbackCert: file('loopback.crt'),
    loopbackKey: file('loopback.key'),
    clientCert: file('dsrflow-app.crt'),
    clientKey: file('dsrflow-app.key'),
    strangerCert: file('stranger.crt'),
    strangerKey: file('stranger.key'),
  };
}

export interface SeenCall {
  method: string;
  authorization: string | undefined;
  /** The common name of the client certificate the call came with. */
  client: string | undefined;
}

/**
 * A TLS front for a plaintext gRPC server: it asks every client for a certificate of `certs.caCert` (refusing the
 * handshake otherwise), forwards each call, and records which client made it with which Authorization header.
 */
export async function startTlsFront(upstreamAddress: string, certs: TestCertificates) {
  const upstream = http2.connect(`http://${upstreamAddress}`);
  upstream.on('error', () => {});
  const calls: SeenCall[] = [];
  const refused: string[] = [];
  const server = http2.createSecureServer({
    key: readFileSync(certs.serverKey),
    cert: readFileSync(certs.serverCert),
    ca: readFileSync(certs.caCert),
    requestCert: true,
    rejectUnauthorized: true,
  });
  server.on('tlsClientError', (error: NodeJS.ErrnoException) => refused.push(error.code ?? error.message));
  server.on('stream', (stream, headers) => {
    const peer = (stream.session?.socket as TLSSocket | undefined)?.getPeerCertificate();
    calls.push({ method: String(headers[':path']).split('/').pop()!, authorization: headers.authorization as string | undefined, client: peer?.subject ? String(peer.subject.CN) : undefined });
    const { ':authority': _authority, ':scheme': _scheme, ...forwarded } = headers;
    const call = upstream.request(forwarded);
    stream.pipe(call);
    let trailers: http2.IncomingHttpHeaders = {};
    call.on('trailers', (t) => (trailers = t));
    call.on('response', (response) => {
      // A call answered by its status alone (an error) ends with its headers; any other ends with trailers.
      if (response['grpc-status'] !== undefined) return stream.respond(response, { endStream: true });
      stream.respond(response, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(trailers));
      call.pipe(stream);
    });
    call.on('error', () => stream.destroy());
    stream.on('error', () => call.destroy());
    stream.on('close', () => call.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    refused,
    async close() {
      upstream.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const SSL_REQUEST = 80877103;

/**
 * A TLS front for a plaintext PostgreSQL, as a managed database's proxy: it answers the client's SSLRequest, asks
 * for a client certificate of `certs.caCert` when `requireClientCert`, and forwards the session. It speaks TLS only:
 * a plaintext start-up is closed. `sessions` holds the client certificate's common name of each session ('' without one).
 */
export async function startPostgresTlsFront(upstreamPort: number, certs: TestCertificates, opts: { server?: 'loopback' | 'named'; requireClientCert?: boolean } = {}) {
  const [cert, key] = opts.server === 'named' ? [certs.serverCert, certs.serverKey] : [certs.loopbackCert, certs.loopbackKey];
  const sessions: string[] = [];
  const refused: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('data', (first) => {
      if (first.length !== 8 || first.readInt32BE(4) !== SSL_REQUEST) return void socket.destroy();
      // 'S': go ahead with TLS; the client's hello cannot arrive before the socket is wrapped, in this same tick.
      socket.write('S');
      const secure = new TLSSocket(socket, { isServer: true, cert: readFileSync(cert), key: readFileSync(key), ca: readFileSync(certs.caCert), requestCert: !!opts.requireClientCert, rejectUnauthorized: !!opts.requireClientCert });
      secure.on('error', (error: NodeJS.ErrnoException) => {
        refused.push(error.code ?? error.message);
        socket.destroy();
      });
      secure.on('secure', () => {
        const peer = secure.getPeerCertificate();
        sessions.push(peer?.subject ? String(peer.subject.CN) : '');
        const upstream = connect(upstreamPort, '127.0.0.1');
        sockets.add(upstream);
        upstream.on('error', () => secure.destroy());
        upstream.on('close', () => secure.destroy());
        secure.pipe(upstream).pipe(secure);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sessions,
    refused,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
