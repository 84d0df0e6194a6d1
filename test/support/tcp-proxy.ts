import { createServer, Socket, type AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy whose `cut()` drops every connection and refuses new ones: a database that goes down.
 * `restore()` listens again on the same port: the database is back.
 */
export async function startTcpProxy(targetPort: number, opts: { port?: number } = {}) {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  await listen(opts.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    async cut() {
      await new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      });
    },
    restore: () => listen(port),
    close: () => new Promise<void>((r) => (server.listening ? server.close(() => r()) : r())),
  };
}
